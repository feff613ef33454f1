"""Fixtures shared by the assessment tests (defined in factories.py, which any test may import)."""

from .factories import people  # noqa: F401
