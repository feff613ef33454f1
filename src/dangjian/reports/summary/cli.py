"""`dangjian report summary --year 2024 [--scope ORG_ID] -o summary.docx`.

Run by the server's operator: figures over the whole tree (or the `--scope` org's
subtree), with the template the web page would use for that org. A bad year, an unknown
org or a year without records is a Chinese error and no file is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from dangjian.core.bounds import parse_id, parse_int
from dangjian.core.filemodes import write_private
from dangjian.core.scoping import SYSTEM

from . import engine, services


def add_arguments(subparsers) -> None:
    p = subparsers.add_parser("summary", help="年度工作总结（Word 文档）")
    p.add_argument("--year", required=True, help="年度，例如 2024")
    p.add_argument("--scope", help="党组织编号（默认：全部）")
    p.add_argument("-o", "--output", required=True, help="输出文件，例如 summary.docx")
    p.add_argument(
        "--base-url", default="", help="附录中记录链接的网站地址，例如 https://dj.example.cn"
    )
    p.set_defaults(handler=run)


def run(command, options) -> None:
    lo, hi = services.year_bounds()
    year = parse_int(options["year"], lo, hi)
    if year is None:
        raise CommandError(services.year_message())
    org_id = None
    if options.get("scope") not in (None, ""):
        org_id = parse_id(options["scope"])
        if org_id is None:
            raise CommandError(services.OUT_OF_SCOPE)
    try:
        org = services.scope_org(SYSTEM, org_id)
        result = services.generate(
            SYSTEM, year, org, base_url=options.get("base_url", "").rstrip("/")
        )
    except engine.SummaryError as exc:
        raise CommandError(str(exc)) from None
    except engine.TemplateInvalid as exc:
        raise CommandError("模板有误：" + "；".join(str(p) for p in exc.problems)) from None
    out = Path(options["output"])
    tmp = out.with_name(out.name + ".part")
    write_private(tmp, result.data)  # a 工委's figures: the owner's file only
    tmp.replace(out)  # a reader never sees half a file
    services.record_export(SYSTEM, result)
    missing = [f.label for f in result.summary.figures if not f.available]
    command.stdout.write(
        f"已生成 {out}：{org.name}{year}年度工作总结，{len(result.summary.figures)} 个数字"
        + (f"（{len(missing)} 个所在模块尚未启用，标为〔不可用〕）" if missing else "")
        + "。"
    )
