"""`dangjian backup [--output FILE] [--format auto|sqlite|json]`: one archive of all data.

See `dangjian.core.backup` for the archive's contents and docs/deployment.md for the routine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.backup import BackupError, create_backup
from dangjian.core.jobs import single_run


class Command(BaseCommand):
    help = "备份全部数据到一个归档文件（SQLite 为在线文件副本，PostgreSQL 为 JSON 数据）。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="归档文件路径（默认 DANGJIAN_DATA_DIR/backups/dangjian-时间.tar.gz）",
        )
        parser.add_argument(
            "--format",
            choices=["auto", "sqlite", "json"],
            default="auto",
            help="auto：SQLite 用文件副本，其他数据库用 JSON；json 可跨数据库恢复",
        )
        parser.add_argument(
            "--with-field-key",
            action="store_true",
            help="把字段密钥也放进归档（不建议：拿到归档的人即可解密身份证号和手机号）",
        )

    @single_run("backup")  # one backup at a time across the app servers
    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        if output is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.DATA_DIR) / "backups" / f"dangjian-{stamp}.tar.gz"
        if output.exists():
            raise CommandError(f"{output} 已存在，请换一个文件名（备份不会覆盖已有文件）。")
        try:
            info = create_backup(
                output, kind=options["format"], include_field_key=options["with_field_key"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(info.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{info.path}（{'SQLite 文件副本' if info.kind == 'sqlite' else 'JSON 数据'}，"
                f"{rows} 行，{info.files} 个上传文件）"
            )
        )
        key_source = (
            "环境变量 DANGJIAN_FIELD_KEY" if settings.FIELD_KEY else str(settings.FIELD_KEY_FILE)
        )
        if info.key_included:
            self.stderr.write(
                self.style.WARNING(
                    "注意：归档中包含字段密钥，任何拿到它的人都能解密身份证号和手机号。请加密保存、严格控制访问。"
                )
            )
        else:
            self.stderr.write(
                self.style.WARNING(
                    f"注意：字段密钥（{key_source}）不在归档中。请把它单独备份到另一个安全位置；"
                    "丢失密钥，加密的身份证号和手机号将无法恢复。"
                )
            )
        audit_source = (
            "环境变量 DANGJIAN_AUDIT_KEY" if settings.AUDIT_KEY else str(settings.AUDIT_KEY_FILE)
        )
        self.stderr.write(
            self.style.WARNING(
                f"注意：审计密钥（{audit_source}）从不放进归档。请与字段密钥一样单独备份；"
                "没有它，恢复后的审计日志无法校验。"
            )
        )
