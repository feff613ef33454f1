"""Dangjian 党建工作平台."""

__version__ = "0.1.0"
