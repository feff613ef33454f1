"""The one writer of xlsx cells (DESIGN §11: exports write text, never formulas).

Every workbook the platform produces — list exports, reports, import templates, command
output — is built with these functions, and no other module writes cells: text a user
typed ("=HYPERLINK(…)", "=cmd|' /C calc'!A0", "@SUM(…)") must open in Excel as that text.

openpyxl stores a str whose first character is "=" as a formula and "#N/A"-like strings as
error values; the other leading characters spreadsheets treat as formula starts ("+", "-",
"@", tab, CR) are already plain strings in xlsx, which types every cell. So a str that
starts with one of them, or that openpyxl would read as an error code, is written through
a cell whose type is forced to string: the value stays exactly the user's text — no
apostrophe, no escaping. All other values go in as they are (the fast path of write-only
mode: a city-wide export appends hundreds of thousands of plain values).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.cell import TYPE_STRING as _TYPE_STRING
from openpyxl.cell.cell import WriteOnlyCell as _WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..filemodes import open_private

# First characters that make some spreadsheet treat text as a formula (OWASP's list).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_LEADS = frozenset(FORMULA_LEADS)
_ERROR_CODES = frozenset(ERROR_CODES)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFE7E7E7")
WRAP = Alignment(wrap_text=True, vertical="top")

__all__ = [
    "FORMULA_LEADS",
    "HEADER_FILL",
    "HEADER_FONT",
    "WRAP",
    "Alignment",
    "Font",
    "PatternFill",
    "append",
    "cell_value",
    "new_workbook",
    "put",
    "save_bytes",
    "save_private",
    "save_to",
    "set_widths",
    "sheet",
    "style_row",
]


def cell_value(value: Any) -> Any:
    """A value openpyxl can store: numbers, dates and text as they are, the rest as text.

    Aware datetimes become local wall time (Excel has no time zones); characters XML cannot
    hold (control characters other than tab, LF, CR) are dropped rather than failing the
    whole export."""
    if isinstance(value, str):
        # isprintable() is the cheap test; only text with control characters is scanned.
        return value if value.isprintable() else ILLEGAL_CHARACTERS_RE.sub("", value)
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date | dt.time):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def needs_text_cell(value: Any) -> bool:
    """Would openpyxl store this str as something other than text, or could a spreadsheet?"""
    return isinstance(value, str) and (value[:1] in _LEADS or value in _ERROR_CODES)


def _text_cell(ws: Any, value: str) -> Cell:
    """A cell holding `value` typed as a string (write-only sheets take WriteOnlyCell)."""
    cell = _WriteOnlyCell(ws) if _write_only(ws) else Cell(ws)
    cell.value = value
    cell.data_type = _TYPE_STRING  # after binding: openpyxl typed "=…" as a formula
    return cell


def _write_only(ws: Any) -> bool:
    return getattr(ws.parent, "write_only", False)


def _row_values(ws: Any, values: Iterable[Any]) -> list[Any]:
    # Written out (not needs_text_cell per value): a city-wide export passes ~10^6 values.
    row: list[Any] = []
    for raw in values:
        value = raw if type(raw) is str and raw.isprintable() else cell_value(raw)
        if type(value) is str and (value[:1] in _LEADS or value in _ERROR_CODES):
            value = _text_cell(ws, value)
        row.append(value)
    return row


def append(
    ws: Any,
    values: Iterable[Any],
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
) -> None:
    """Append one row; a style given here applies to every cell of the row."""
    row = _row_values(ws, values)
    styled = font is not None or fill is not None or alignment is not None
    if styled and _write_only(ws):
        row = [_styled(_as_cell(ws, v), font, fill, alignment) for v in row]
    ws.append(row)
    if styled and not _write_only(ws):
        style_row(ws, ws.max_row, font=font, fill=fill, alignment=alignment)


def _as_cell(ws: Any, value: Any) -> Any:
    if isinstance(value, Cell):
        return value
    cell = _WriteOnlyCell(ws)
    cell.value = value
    return cell


def _styled(cell: Any, font: Any, fill: Any, alignment: Any) -> Any:
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def style_row(
    ws: Any,
    row: int,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    number_format: str | None = None,
    columns: slice = slice(None),
) -> None:
    """Style the cells of `row` (1-based) already written in a normal (not write-only) sheet."""
    for cell in ws[row][columns]:
        _styled(cell, font, fill, alignment)
        if number_format is not None:
            cell.number_format = number_format


def put(ws: Any, row: int, column: int, value: Any) -> Cell:
    """Write one cell of a normal sheet at (row, column), both 1-based."""
    cell = ws.cell(row=row, column=column)
    value = cell_value(value)
    cell.value = value
    if needs_text_cell(value):
        cell.data_type = _TYPE_STRING
    return cell


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook: add sheets with `sheet()` (the default sheet is removed)."""
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    return wb


def sheet(
    wb: Workbook,
    title: str,
    *,
    headers: Sequence[Any] = (),
    widths: Sequence[int] = (),
    header_style: bool = True,
    freeze: str | None = None,
) -> Any:
    """A new sheet with column widths and a header row (bold on grey unless told otherwise)."""
    ws = wb.create_sheet(str(title)[:31] or "Sheet1")
    set_widths(ws, widths)
    if headers:
        style = {"font": HEADER_FONT, "fill": HEADER_FILL} if header_style else {}
        append(ws, [str(h) for h in headers], **style)
    if freeze and not _write_only(ws):
        ws.freeze_panes = freeze
    return ws


def set_widths(ws: Any, widths: Sequence[int], start: int = 1) -> None:
    for idx, width in enumerate(widths, start=start):
        ws.column_dimensions[get_column_letter(idx)].width = width


def save_to(wb: Workbook, target: IO[bytes]) -> None:
    wb.save(target)


def save_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save_private(wb: Workbook, path: Path | str) -> Path:
    """Save to a file only its owner can read (0600): an export holds personal data."""
    path = Path(path)
    with open_private(path) as fh:
        wb.save(fh)
    return path
