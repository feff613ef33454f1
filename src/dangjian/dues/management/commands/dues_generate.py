"""`dangjian dues_generate [--month YYYY-MM] [--from YYYY-MM]`: store the months' dues of
every member in the register (idempotent; `dangjian remind` also does it for this year)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.jobs import single_run
from dangjian.dues import ledger


def _month(text: str) -> dt.date:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text or "")
    if match is None or not 1 <= int(match[2]) <= 12 or not 2008 <= int(match[1]) <= 2100:
        raise CommandError(f"月份“{text}”无效，请写作 2025-03。")
    return dt.date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = "生成党员每月应交党费（已生成的月份保持不变）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="截至月份 YYYY-MM（默认本月）")
        parser.add_argument("--from", dest="first", help="起始月份 YYYY-MM（默认截至月份当年1月）")

    def validate_options(self, options):
        """The months, checked before the job lock (core.jobs.single_run)."""
        last = _month(options["month"]) if options["month"] else timezone.localdate().replace(day=1)
        first = _month(options["first"]) if options["first"] else None
        if first is not None and first > last:
            raise CommandError("起始月份不能晚于截至月份。")
        options["_months"] = (first, last)

    @single_run("dues_generate")
    def handle(self, *args, **options):
        first, last = options["_months"]
        created = ledger.generate_through(last, first)
        self.stdout.write(f"已生成 {created} 条月度应交党费记录。")
