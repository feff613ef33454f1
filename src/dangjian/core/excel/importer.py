"""The Importer base: template, parse, validate the whole batch, write all rows or none."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..scoping import has_any_scope
from . import writer
from .cells import Column, normalize_header, one_day
from .workbook import (
    WorkbookRefused,
    audit,
    load_checked,
    open_upload,
    too_many_rows,
    xlsx_response,
)

_HEADER_SCAN_ROWS = 10
IN_CHUNK = 500  # values per IN (...) list in batch validation: under every backend's limit
logger = logging.getLogger(__name__)


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of `values` for set-based lookups (`filter(x__in=chunk)`) in `validate_rows`."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (1-based); 0 when the error concerns the whole file
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("第 %(row)s 行：%(msg)s") % {"row": self.row, "msg": self.message}
        return _("第 %(row)s 行「%(col)s」：%(msg)s") % {
            "row": self.row,
            "col": self.column,
            "msg": self.message,
        }


@dataclass
class ImportResult:
    ok: bool
    created: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # all errors found; `errors` keeps the first Importer.max_errors


@dataclass
class Row:
    """One data row: its spreadsheet number and the typed values by column key."""

    number: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


class _Abort(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


class Importer:
    """Base importer: declare `model`, `label`, `columns`; implement `validate_rows` and `write`.

    `run(user, upload)` parses, validates the whole batch, then writes all rows in one
    transaction with one `import` audit event — or writes nothing.
    """

    name = ""  # the registry key (also the audit event's `importer`)
    label: Any = ""
    description: Any = ""
    model: Any = None
    columns: list[Column] = []
    sheet_title = "数据"
    max_errors = 500
    batch_size = 1000
    rows_read = 0  # non-blank data rows of the last parse (the registry makes one importer per run)
    errors_skipped = 0  # cell errors of the last parse beyond max_errors, counted but not kept

    # --- template ---
    def template_workbook(self) -> Workbook:
        wb = writer.new_workbook()
        ws = writer.sheet(wb, self.sheet_title)
        header_fill = writer.PatternFill("solid", fgColor="C00000")
        optional_fill = writer.PatternFill("solid", fgColor="7F7F7F")
        for idx, col in enumerate(self.columns, start=1):
            cell = writer.put(ws, 1, idx, col.title)
            cell.font = writer.Font(bold=True, color="FFFFFF")
            cell.fill = header_fill if col.required else optional_fill
            note = ("必填。" if col.required else "选填。") + str(col.help or "")
            cell.comment = Comment(note, "党建工作平台", width=260, height=110)
            letter = get_column_letter(idx)
            ws.column_dimensions[letter].width = col.width
            if col.text_format:
                ws.column_dimensions[letter].number_format = "@"
            labels = getattr(col.parser, "labels", None)
            formula = '"' + ",".join(labels) + '"' if labels else ""
            if labels and len(formula) <= 255:  # Excel's limit for an inline list
                dv = DataValidation(
                    type="list", formula1=formula, allow_blank=True, showErrorMessage=True
                )
                dv.error = f"请从下拉列表中选择{col.title}"
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS + 1}")
        ws.freeze_panes = "A2"

        guide = writer.sheet(
            wb,
            "填写说明",
            headers=["列名", "是否必填", "填写说明", "示例"],
            widths=(14, 10, 60, 24),
        )
        for col in self.columns:
            writer.append(
                guide,
                [col.title, "必填" if col.required else "选填", col.help or "", col.example],
            )
        writer.append(guide, [])
        writer.append(
            guide, [f"示例行（请在「{self.sheet_title}」工作表中从第 2 行起填写，每行一条）："]
        )
        writer.append(guide, [col.title for col in self.columns])
        writer.append(guide, [col.example for col in self.columns])
        writer.append(guide, [])
        notes = "红色列名为必填项，灰色为选填项。日期请写作 2020-01-31 的格式。"
        text_columns = [col.title for col in self.columns if col.text_format]
        if text_columns:
            notes += f"{'、'.join(text_columns)}请以文本格式填写，以免 Excel 改动数字。"
        writer.append(guide, [notes])
        return wb

    def template_response(self) -> FileResponse:
        buf = io.BytesIO(writer.save_bytes(self.template_workbook()))
        return xlsx_response(buf, f"{self.label}导入模板.xlsx")

    # --- parsing ---
    def _map_headers(self, header_row: Sequence[Any], row_no: int) -> dict[int, Column]:
        by_name: dict[str, Column] = {}
        for col in self.columns:
            for name in (col.title, *col.aliases):
                by_name[normalize_header(name)] = col
        mapping: dict[int, Column] = {}
        unknown: list[str] = []
        seen: dict[str, int] = {}
        duplicate: list[str] = []
        for idx, value in enumerate(header_row):
            name = normalize_header(value)
            if not name:
                continue
            found = by_name.get(name)
            if found is None:
                unknown.append(str(value).strip())
            elif found.key in seen:
                duplicate.append(found.title)
            else:
                seen[found.key] = idx
                mapping[idx] = found
        missing = [c.title for c in self.columns if c.required and c.key not in seen]
        problems = []
        if missing:
            problems.append(_("缺少必填列：%s") % "、".join(missing))
        if unknown:
            problems.append(_("无法识别的列：%s") % "、".join(unknown))
        if duplicate:
            problems.append(_("重复的列：%s") % "、".join(duplicate))
        if problems:
            expected = "、".join(c.title for c in self.columns)
            raise _Abort(
                [
                    RowError(
                        row_no,
                        "",
                        "；".join(problems) + _("。请使用导入模板的列名（%s）。") % expected,
                    )
                ]
            )
        return mapping

    def parse(self, upload: Any) -> tuple[list[Row], list[RowError]]:
        """Check and read the workbook; returns the rows that parsed cleanly and all cell errors.

        Raises WorkbookRefused for a workbook refused as a whole.
        """
        fh = open_upload(upload)
        try:
            wb = load_checked(fh)
            try:
                with one_day():
                    return self._parse_rows(wb.worksheets[0])
            finally:
                wb.close()
        finally:
            if fh is not upload and not hasattr(upload, "file"):
                fh.close()

    def _parse_rows(self, ws: Any) -> tuple[list[Row], list[RowError]]:
        rows: list[Row] = []
        errors: list[RowError] = []
        cells: list[tuple[int, Column]] | None = None
        max_rows = settings.IMPORT_MAX_ROWS
        data_rows = 0
        required_message = _("必填，不能为空。")
        keys = [c.key for c in self.columns]
        self.errors_skipped = 0
        for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if all(v is None or (type(v) is str and not v.strip()) for v in values):
                continue
            if cells is None:
                if row_no > _HEADER_SCAN_ROWS:
                    break
                cells = list(self._map_headers(values, row_no).items())
                continue
            data_rows += 1
            if data_rows > max_rows:
                raise too_many_rows(data_rows)
            width = len(values)
            parsed: dict[str, Any] = dict.fromkeys(keys)
            row_errors: list[RowError] = []
            for idx, col in cells:
                raw = values[idx] if idx < width else None
                if raw is None or (type(raw) is str and not raw.strip()):
                    if col.required:
                        row_errors.append(RowError(row_no, col.title, required_message))
                    continue
                try:
                    parsed[col.key] = col.parser(raw)
                except ValueError as exc:
                    row_errors.append(RowError(row_no, col.title, str(exc)))
            if row_errors:
                if len(errors) < self.max_errors:
                    errors.extend(row_errors)
                else:  # keep memory bounded on a hopeless file, but count everything
                    self.errors_skipped += len(row_errors)
            else:
                rows.append(Row(row_no, parsed))
        if cells is None:
            raise WorkbookRefused(
                _("第一个工作表是空的：请在导入模板的「%s」工作表中填写数据。") % self.sheet_title
            )
        if data_rows == 0:
            raise WorkbookRefused(_("文件中没有数据行：请从第 2 行起填写，每行一条。"))
        self.rows_read = data_rows
        return rows, errors

    # --- domain hooks ---
    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        """Check the whole batch (duplicates in the file and against the database, scope) before any write."""
        return []

    def write(self, user: Any, rows: list[Row]) -> int:
        """Write all rows (called inside one transaction, after validation); returns the count."""
        raise NotImplementedError

    # --- the whole run ---
    def run(self, user: Any, upload: Any) -> ImportResult:
        model_label = self.model._meta.label_lower if self.model is not None else ""
        if self.model is not None and not has_any_scope(user, self.model, "add"):
            return ImportResult(
                False,
                errors=[RowError(0, "", _("您没有导入%s的权限。") % self.label)],
                error_count=1,
            )
        self.rows_read = self.errors_skipped = 0
        try:
            rows, errors = self.parse(upload)
            with transaction.atomic():
                errors = sorted(errors + self.validate_rows(user, rows), key=lambda e: e.row)
                if errors:
                    raise _Abort(errors)
                created = self.write(user, rows)
                audit(
                    user,
                    "import",
                    "success",
                    importer=self.name,
                    model=model_label,
                    rows=self.rows_read,
                    created=created,
                )
        except WorkbookRefused as exc:
            errors = [RowError(0, "", str(exc))]
        except _Abort as exc:
            errors = exc.errors
        except (IntegrityError, OperationalError):
            # A concurrent write (same ID number) or a locked database: all rolled back.
            logger.warning("import %s rolled back by the database", self.name, exc_info=True)
            errors = [
                RowError(
                    0,
                    "",
                    _(
                        "写入数据库时发生冲突（可能有人同时录入了相同数据），未导入任何数据，请稍后重试。"
                    ),
                )
            ]
        else:
            return ImportResult(True, created=created, rows=self.rows_read)
        audit(
            user,
            "import",
            "failure",
            importer=self.name,
            model=model_label,
            rows=self.rows_read,
            created=0,
            errors=len(errors) + self.errors_skipped,
        )
        total = len(errors) + self.errors_skipped
        return ImportResult(
            False, rows=self.rows_read, errors=errors[: self.max_errors], error_count=total
        )
