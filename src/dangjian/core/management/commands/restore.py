"""`dangjian restore FILE`: restore an archive made by `dangjian backup` into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从 dangjian backup 生成的归档恢复数据（目标数据库必须是空的）。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path, metavar="FILE", help="备份归档文件")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"找不到备份文件 {archive}，请检查路径。")
        try:
            info = restore_backup(archive, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if info.mismatched:
            details = "、".join(
                f"{label} 应为 {want} 实为 {got}" for label, (want, got) in info.mismatched.items()
            )
            raise CommandError(f"恢复后的行数与备份不一致：{details}。请保留原备份并检查数据库。")
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{sum(info.counts.values())} 行数据，{info.files} 个上传文件"
                f"（备份时间 {info.created_at}）。"
            )
        )
