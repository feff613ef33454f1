"""`dangjian assets`: install the pinned front-end packages and copy the served files.

Idempotent: `npm ci` is skipped while node_modules matches package-lock.json, and a file
already identical in static/vendor/ is left alone. An installed release (no package.json
beside the code) already carries its assets and needs nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.web import assets


class Command(BaseCommand):
    help = "安装前端依赖（npm ci）并复制到 web/static/vendor/ · install and vendor front-end assets"

    def add_arguments(self, parser):
        parser.add_argument(
            "--root",
            type=Path,
            default=assets.DEFAULT_ROOT,
            help="仓库根目录（含 package.json），默认为 src/ 的上一级。",
        )
        parser.add_argument(
            "--no-install", action="store_true", help="不运行 npm ci，只从现有 node_modules 复制。"
        )

    def handle(self, *args, root: Path, no_install: bool, **options):
        root = root.resolve()
        if not (root / "package.json").is_file():
            if assets.vendor_complete():
                self.stdout.write("前端资源已随安装包提供，无需安装。")
                return
            raise CommandError(
                f"{root} 下没有 package.json：请用 --root 指定仓库根目录。\n"
                f"no package.json in {root}: pass --root with the repository root."
            )
        try:
            if no_install:
                self.stdout.write("跳过 npm ci（--no-install）。")
            elif assets.install_is_current(root):
                self.stdout.write("node_modules 与 package-lock.json 一致，跳过 npm ci。")
            else:
                self.stdout.write("运行 npm ci …")
                assets.npm_ci(root)
            results = assets.copy_vendor(root / "node_modules")
        except assets.AssetError as exc:
            raise CommandError(str(exc)) from exc
        copied = [target for target, state in results if state == "copied"]
        for target in copied:
            self.stdout.write(f"  已复制 vendor/{target}")
        self.stdout.write(
            self.style.SUCCESS(
                f"前端资源就绪：{assets.VENDOR_DIR}（复制 {len(copied)} 个，未变 {len(results) - len(copied)} 个）"
            )
        )
