"""The 党内统计 tables as an xlsx through core.excel's one writer: one sheet per table, in
the page's order, plus the members the balance check lists. Text cells only as text."""

from __future__ import annotations

from typing import Any

from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download

from .tables import Report, Table, cn_date

MISMATCH_HEADERS = (
    "姓名",
    "所在党组织",
    "年初在册",
    "发展",
    "转入",
    "出党和去世",
    "转出",
    "年末在册",
    "问题",
)


def heading(report: Report) -> str:
    s = report.scope
    when = f"{s.year}年" if s.complete else f"{s.year}年（截至{cn_date(s.as_of)}）"
    return f"{s.org.name} {when} 党内统计"


def scope_cells(report: Report) -> list[str]:
    """The scope and year, the org's name in a cell of its own (as the user typed it)."""
    s = report.scope
    when = f"{s.year}年" if s.complete else f"{s.year}年（截至{cn_date(s.as_of)}）"
    return ["统计范围", s.org.name, "统计年度", when]


def _table_sheet(wb: Any, report: Report, table: Table) -> None:
    ws = writer.sheet(wb, table.title[:31], widths=(38, *([14] * (len(table.headers) - 1))))
    writer.append(ws, [table.title], font=writer.Font(bold=True, size=14))
    writer.append(ws, scope_cells(report))
    writer.append(ws, [])
    writer.append(ws, table.headers, font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for i, row in enumerate(table.rows):
        bold = table.total_row and i == 0
        writer.append(ws, row, font=writer.HEADER_FONT if bold else None)
    writer.append(ws, [])
    writer.append(ws, [f"来源：{table.source}"])
    if table.note:
        writer.append(ws, [f"说明：{table.note}"])


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _mismatch_sheet(wb: Any, report: Report) -> None:
    b = report.balance
    ws = writer.sheet(wb, "平衡检查明细", widths=(10, 24, 9, 7, 7, 10, 7, 9, 70))
    writer.append(ws, ["增减记录与在册情况不符的党员"], font=writer.Font(bold=True, size=14))
    writer.append(ws, scope_cells(report))
    listed = len(b.mismatches)
    more = f"（列出前 {listed} 名）" if listed < b.mismatch_count else ""
    writer.append(ws, [f"共 {b.mismatch_count} 名{more}"])
    writer.append(ws, list(MISMATCH_HEADERS), font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for m in b.mismatches:
        mv = m.movement
        writer.append(
            ws,
            [
                m.name,
                m.org_name,
                _yes(m.at_start),
                mv.admitted,
                mv.moved_in,
                mv.exited,
                mv.moved_out,
                _yes(m.at_end),
                m.problem,
            ],
        )


def build_workbook(report: Report) -> Any:
    wb = writer.new_workbook()
    for table in report.tables:
        _table_sheet(wb, report, table)
    _mismatch_sheet(wb, report)
    return wb


def filename(report: Report) -> str:
    return f"党内统计_{report.scope.org.name}_{report.scope.year}.xlsx"


def response(user: Any, report: Report):
    """The download, audited as an export like every other."""
    s = report.scope
    return download(
        user,
        build_workbook(report),
        model="reports.party_statistics",
        rows=report.balance.end,
        filters={"org": s.org.pk, "year": s.year},
        filename=filename(report),
    )
