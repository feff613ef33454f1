"""`dangjian audit verify`: walk the hash chain and report the first broken link."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...services import verify


class Command(BaseCommand):
    help = "审计日志工具：verify 校验哈希链是否完整（有改动或删除时报告第一处断点，退出码 1）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="校验审计链")

    def handle(self, *args, **options):
        result = verify()
        if result.ok:
            self.stdout.write(f"审计链完整：{result.checked} 条事件")
            return
        self.stdout.write(f"审计链断裂：{result.reason}")
        self.stdout.write(
            f"首个断点：事件 ID {result.broken_at}；此前 {result.checked} 条事件校验通过。"
        )
        raise SystemExit(1)
