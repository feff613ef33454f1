"""`dangjian remind [--date YYYY-MM-DD] [--email] [--only SOURCE,…]`: the daily reminder run.

Meant for a daily cron job / systemd timer. Running it twice for one day adds nothing
(every notification has a unique dedupe key). Prints what each source found and created.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.jobs import single_run
from dangjian.rules import notifications


def parse_day(raw: str | None) -> dt.date:
    if not raw:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期“{raw}”无效，请按 2026-06-30 的格式填写 --date。") from None


class Command(BaseCommand):
    help = "生成当天的提醒（换届、党员未参加组织生活、预备期满、政治生日、节前节后、组织生活落实情况）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", default=None, help="按哪一天计算（默认今天），如 2026-06-30")
        parser.add_argument(
            "--email", action="store_true", help="同时按邮件设置发送未读提醒的摘要邮件"
        )
        sources = ",".join(notifications.SOURCES)
        parser.add_argument(
            "--only", default=None, metavar="SOURCES", help=f"只运行这些来源（逗号分隔）：{sources}"
        )

    def validate_options(self, options: dict[str, Any]) -> None:
        """The day and sources, checked before the job lock (core.jobs.single_run)."""
        options["day"] = parse_day(options["date"])
        options["sources"] = None
        if options["only"]:
            known = set(notifications.SOURCES)
            sources = [s.strip() for s in options["only"].split(",") if s.strip()]
            unknown = [s for s in sources if s not in known]
            if unknown:
                raise CommandError(
                    f"未知的提醒来源：{'、'.join(unknown)}；可选：{'、'.join(sorted(known))}。"
                )
            options["sources"] = sources

    @single_run("remind")  # one run at a time across the app servers
    def handle(self, *args: Any, **options: Any) -> None:
        day, sources = options["day"], options["sources"]
        result = notifications.run(day, sources=sources, email=options["email"])
        self.stdout.write(f"提醒日期：{day:%Y-%m-%d}")
        for name in result.drafts:
            label = notifications.SOURCE_LABELS.get(name, name)
            self.stdout.write(
                f"  {label}：{result.drafts[name]} 项，新增提醒 {result.created[name]} 条"
            )
        for name, why in result.skipped.items():
            self.stdout.write(f"  {notifications.SOURCE_LABELS.get(name, name)}：已跳过。{why}")
        self.stdout.write(f"共新增提醒 {result.total_created} 条。")
        if options["email"]:
            self.stdout.write(f"已发送提醒邮件 {result.emailed} 封。")
