"""The Excel import/export engine (DESIGN §11).

Imports accept only xlsx workbooks built from our templates. A workbook is refused before
parsing when it is not an xlsx, too large, has too many zip entries or expands beyond the
uncompressed limit (zip bombs) — `workbook`. Then every cell is parsed (`cells`) and the
whole batch validated by the domain importer, and only when nothing is wrong are all rows
written in one transaction with one audit event (`importer`). Errors name the row and the
column, in Chinese.

Exports stream the given (already restricted and filtered) queryset through openpyxl's
write-only mode into a temporary file, masking sensitive values (`exporter`).

Domain apps subclass `Importer` / `Exporter`; this package imports no domain app.
"""

from .cells import Column, Parser, choice, date, id_number, mobile, text
from .exporter import ExportColumn, Exporter
from .importer import Importer, ImportResult, Row, RowError, chunks
from .workbook import XLSX_CONTENT_TYPE, WorkbookRefused, check_workbook, format_bytes

__all__ = [
    "XLSX_CONTENT_TYPE",
    "Column",
    "ExportColumn",
    "Exporter",
    "ImportResult",
    "Importer",
    "Parser",
    "Row",
    "RowError",
    "WorkbookRefused",
    "check_workbook",
    "choice",
    "chunks",
    "date",
    "format_bytes",
    "id_number",
    "mobile",
    "text",
]
