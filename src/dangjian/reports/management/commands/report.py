"""`dangjian report summary|stats|exchange …`: the reports a 工委 hands on, from the command line.

Each subcommand belongs to one part of the app (`summary`, `statistics`) and is added by
that part's `cli.add_arguments(subparsers)`; this file only gathers them.
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError

PARTS = ("dangjian.reports.summary.cli", "dangjian.reports.statistics.cli")


class Command(BaseCommand):
    help = "生成报表：年度工作总结（summary）、党内统计（stats）等。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="report", required=True)
        for name in PARTS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError:
                continue  # that part is not built yet
            module.add_arguments(sub)

    def handle(self, *args, **options):
        handler = options.get("handler")
        if handler is None:
            raise CommandError("请指定报表：summary 或 stats。")
        handler(self, options)
