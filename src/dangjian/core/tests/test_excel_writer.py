"""The one xlsx writer: a user's text is stored as that text, never as a formula.

`test_export_safety` checks every export end to end; these pin the writer itself, and a
source check keeps it the only writer: no module outside core/excel touches openpyxl.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from dangjian.core.excel import writer

HOSTILE = [
    '=HYPERLINK("http://x.example/","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=",
    "#N/A",
    "#REF!",
]


def reopen(wb) -> list[list]:
    """(value, data_type) of every cell of the first sheet, read back from the saved bytes."""
    ws = load_workbook(io.BytesIO(writer.save_bytes(wb))).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()]


@pytest.mark.parametrize("write_only", [False, True])
def test_hostile_text_is_written_as_the_same_text(write_only):
    wb = writer.new_workbook(write_only=write_only)
    ws = writer.sheet(wb, "数据", headers=["甲", "乙"])
    for value in HOSTILE:
        writer.append(ws, [value, "正常文字"])
    rows = reopen(wb)
    assert rows[0] == [("甲", "s"), ("乙", "s")]
    assert [r[0] for r in rows[1:]] == [(v, "s") for v in HOSTILE]


def test_put_writes_text_too():
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "数据")
    writer.put(ws, 1, 1, "=1+1")
    writer.put(ws, 1, 2, 5)
    assert reopen(wb) == [[("=1+1", "s"), (5, "n")]]


def test_styled_rows_keep_their_text_in_both_modes():
    for write_only in (False, True):
        wb = writer.new_workbook(write_only=write_only)
        ws = writer.sheet(wb, "数据")
        writer.append(ws, ["=1+1", 2], font=writer.HEADER_FONT, alignment=writer.WRAP)
        ws_read = load_workbook(io.BytesIO(writer.save_bytes(wb))).worksheets[0]
        assert ws_read["A1"].value == "=1+1" and ws_read["A1"].data_type == "s"
        assert ws_read["A1"].font.bold and ws_read["B1"].value == 2


def test_numbers_dates_and_other_values():
    aware = dt.datetime(2024, 5, 1, 1, 30, tzinfo=dt.UTC)
    wb = writer.new_workbook(write_only=True)
    ws = writer.sheet(wb, "数据")
    writer.append(ws, [-5, 1.5, True, dt.date(2024, 1, 2), aware, None, "a\x00b\x1fc"])
    (row,) = reopen(wb)
    assert row[0] == (-5, "n") and row[1] == (1.5, "n") and row[2] == (True, "b")
    assert row[3][0].date() == dt.date(2024, 1, 2)
    # Excel has no time zones: local wall time (Asia/Shanghai).
    local = aware.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert row[4][0] == local
    assert row[5] == (None, "n")
    assert row[6] == ("abc", "s")  # characters XML cannot hold are dropped, not a 500


def test_save_private_writes_0600(tmp_path):
    wb = writer.new_workbook()
    writer.sheet(wb, "数据")
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")
    path.chmod(0o644)
    writer.save_private(wb, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_workbook(path).sheetnames == ["数据"]


SRC = Path(__file__).resolve().parents[2]  # src/dangjian
WRITER_HOME = SRC / "core" / "excel"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_core_excel_writes_spreadsheets():
    """openpyxl (and csv, which has no cell types at all) belong to core/excel: a module that
    built its own workbook would bypass the text-not-formula rule."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if WRITER_HOME in path.parents or "tests" in path.parts or "testing" in path.parts:
            continue
        bad = _imports(path) & {"openpyxl", "csv", "xlsxwriter"}
        if bad:
            offenders.append(f"{path.relative_to(SRC)}: {', '.join(sorted(bad))}")
    assert not offenders, "write spreadsheets through dangjian.core.excel.writer:\n" + "\n".join(
        offenders
    )
