"""`dangjian report stats --year 2024 [--scope ORG_ID] -o stats.xlsx`, and the exchange with
the national system: `report exchange-export --kind members|applicants [--scope ORG_ID] -o
FILE` and `report exchange-import FILE [--kind …] [--user USERNAME]`.

Run by the server's operator (the whole tree, decisions/0001) unless `--user` names the
account whose scope and rights apply (an import is then recorded as theirs). A bad year,
an org that does not exist, a year without records or a refused import is a Chinese error
and no file is written or nothing imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from dangjian.core.excel import writer
from dangjian.core.excel.workbook import audit
from dangjian.core.scoping import SYSTEM

from . import exchange, tables, workbook
from .scope import ScopeError, make_scope, resolve_org
from .views import NO_DATA


def add_arguments(subparsers) -> None:
    p = subparsers.add_parser("stats", help="党内统计年度报表（Excel）")
    p.add_argument("--year", required=True, help="统计年度，例如 2024")
    p.add_argument("--scope", help="党组织编号（默认：全部）")
    p.add_argument("-o", "--output", required=True, help="输出文件，例如 stats.xlsx")
    p.add_argument("--user", help="按该用户的权限范围统计（默认：服务器操作员）")
    p.set_defaults(handler=run_stats)

    e = subparsers.add_parser("exchange-export", help="按全国党员管理信息系统的列导出")
    e.add_argument(
        "--kind", choices=exchange.KINDS, default="members", help="members 或 applicants"
    )
    e.add_argument("--scope", help="党组织编号（默认：全部）")
    e.add_argument("-o", "--output", required=True, help="输出文件，例如 members.xlsx")
    e.add_argument(
        "--user", help="按该用户的权限导出（无查看敏感信息权限时遮盖身份证号码和手机号码）"
    )
    e.set_defaults(handler=run_export)

    i = subparsers.add_parser("exchange-import", help="导入全国党员管理信息系统格式的文件")
    i.add_argument("file", help="xlsx 文件")
    i.add_argument(
        "--kind", choices=exchange.KINDS, default="members", help="members 或 applicants"
    )
    i.add_argument("--user", help="以该用户的身份和管辖范围导入（默认：服务器操作员）")
    i.set_defaults(handler=run_import)


def _actor(username: str | None) -> Any:
    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"未找到启用的用户“{username}”。")
    return user


def _write(path: Path, save) -> None:
    tmp = path.with_name(path.name + ".part")
    save(tmp)
    tmp.replace(path)  # a reader never sees half a file


def run_stats(command, options) -> None:
    user = _actor(options.get("user"))
    try:
        scope = make_scope(user, options.get("scope"), options["year"])
    except ScopeError as exc:
        raise CommandError(exc.message) from None
    report = tables.build(scope)
    if not report.has_data:
        raise CommandError(NO_DATA.format(year=scope.year))
    out = Path(options["output"])
    _write(out, lambda p: writer.save_private(workbook.build_workbook(report), p))
    audit(
        user,
        "export",
        "success",
        model="reports.party_statistics",
        rows=report.balance.end,
        filters={"org": scope.org.pk, "year": scope.year},
    )
    b = report.balance
    state = "平衡" if b.balanced else f"不平衡：{b.mismatch_count} 名党员的增减记录需核对"
    command.stdout.write(
        f"已生成 {out}：{workbook.heading(report)}，年末党员 {b.end} 名，{len(report.tables)} 张表；{state}。"
    )


def run_export(command, options) -> None:
    user = _actor(options.get("user"))
    try:
        org = resolve_org(user, options.get("scope"))
    except ScopeError as exc:
        raise CommandError(exc.message) from None
    out = Path(options["output"])
    counted: list[int] = []
    _write(out, lambda p: counted.append(exchange.write_file(user, org, options["kind"], p)))
    what = "入党申请人" if options["kind"] == "applicants" else "党员"
    command.stdout.write(f"已导出 {out}：{org.name} {what} {counted[0]} 名。")


def run_import(command, options) -> None:
    user = _actor(options.get("user"))
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"找不到文件 {path}。")
    importer = exchange.importer_for(options["kind"])
    result = importer.run(user, str(path))
    if not result.ok:
        lines = "\n".join(str(e) for e in result.errors)
        raise CommandError(f"未导入任何数据，共 {result.error_count} 处问题：\n{lines}")
    command.stdout.write(f"已导入 {result.created} 条（共 {result.rows} 行）。")
