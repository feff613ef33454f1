"""`dangjian frameworks sync|list|import FILE|export CODE [--version N] [--output FILE]`.

`sync` loads the shipped library (also done after every `migrate`); `import` adds a new
version from a file, as the UI does; `export` prints or writes one version's YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import yamlio
from dangjian.core.filemodes import write_private
from dangjian.core.scoping import SYSTEM

from ...frameworks import framework_yaml, import_framework, sync_library
from ...models import Framework


class Command(BaseCommand):
    help = "管理考评模板：载入内置模板库、列出、导入或导出模板。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{sync,list,import,export}"
        )
        sub.add_parser("sync", help="载入程序自带的考评模板库（内容有变化的生成新版本）")
        listing = sub.add_parser("list", help="列出考评模板")
        listing.add_argument("--all", action="store_true", help="列出全部版本（默认只列当前版本）")
        imp = sub.add_parser("import", help="从 YAML 文件导入考评模板（生成新版本）")
        imp.add_argument("file", help="YAML 文件")
        exp = sub.add_parser("export", help="导出考评模板的 YAML")
        exp.add_argument("code", help="模板代码，如 basic_system")
        exp.add_argument("--version", type=int, default=None, help="版本（默认当前版本）")
        exp.add_argument(
            "--output", default=None, metavar="FILE", help="写入文件（默认输出到屏幕）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "sync":
            before = set(Framework.objects.values_list("pk", flat=True))
            loaded = sync_library(audit=True)
            new = [f for f in loaded if f.pk not in before]
            for f in new:
                self.stdout.write(f"新版本：{f.code} 第 {f.version} 版 {f.name}")
            self.stdout.write(f"模板库共 {len(loaded)} 个模板，新增版本 {len(new)} 个。")
        elif action == "list":
            qs = (
                Framework.objects.all()
                if options["all"]
                else Framework.objects.filter(is_current=True)
            )
            for f in qs.order_by("code", "-version"):
                flags = "".join(
                    [
                        " [当前]" if f.is_current and options["all"] else "",
                        " [示例]" if f.is_example else "",
                        " [导入]" if f.source == "uploaded" else "",
                    ]
                )
                self.stdout.write(f"{f.code:<24} 第 {f.version} 版  {f.name}{flags}")
        elif action == "import":
            path = Path(options["file"])
            try:
                if path.stat().st_size > yamlio.MAX_BYTES:
                    raise CommandError(f"{path} 过大：上限为 {yamlio.MAX_BYTES // 1024} KB")
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取 {path}：{exc}") from exc
            try:
                framework = import_framework(SYSTEM, text, path.name)
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            self.stdout.write(
                f"已导入：{framework.code} 第 {framework.version} 版 {framework.name}"
            )
        else:
            self.export(options)

    def export(self, options: dict[str, Any]) -> None:
        qs = Framework.objects.filter(code=options["code"])
        qs = (
            qs.filter(version=options["version"])
            if options["version"]
            else qs.filter(is_current=True)
        )
        framework = qs.first()
        if framework is None:
            raise CommandError(
                f"没有考评模板 {options['code']}"
                + (f" 第 {options['version']} 版" if options["version"] else "")
                + "。"
            )
        text = framework_yaml(framework)
        if options["output"]:
            write_private(Path(options["output"]), text)
            self.stdout.write(f"已写入 {options['output']}")
        else:
            self.stdout.write(text, ending="")
