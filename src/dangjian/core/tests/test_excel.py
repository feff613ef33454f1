"""The import engine: refusing bad workbooks before parsing, headers, cell parsing, all-or-nothing.

core imports no domain app, so these tests drive a toy importer; the domain importers have
their own tests in orgs/ and members/.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangjian.core import excel, validators
from dangjian.core.excel import Column, Importer, RowError, WorkbookRefused, check_workbook


def xlsx_bytes(headers, rows, *, title="数据") -> bytes:
    """A workbook whose first sheet holds `headers` then `rows`."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class ToyImporter(Importer):
    label = "示例"
    columns = [
        Column("name", "姓名", required=True, parser=excel.text(8)),
        Column("day", "日期", parser=excel.date()),
        Column("kind", "类别", parser=excel.choice([("a", "甲类"), ("b", "乙类")])),
        Column("code", "编码", parser=excel.text(), aliases=("代码",), text_format=True),
    ]

    def __init__(self):
        self.written: list = []

    def validate_rows(self, user, rows):
        return [RowError(r.number, "姓名", "名字不能是「坏」。") for r in rows if r["name"] == "坏"]

    def write(self, user, rows):
        self.written = rows
        return len(rows)


pytestmark = pytest.mark.django_db


def run(data: bytes):
    imp = ToyImporter()
    return imp, imp.run(None, data)


# --- refusing a workbook before parsing --------------------------------------------------


def test_text_file_renamed_to_xlsx_is_refused():
    with pytest.raises(WorkbookRefused, match="不是有效的 Excel"):
        check_workbook("姓名,日期\n张三,2020-01-01\n".encode())


def test_legacy_xls_is_refused_with_a_hint():
    with pytest.raises(WorkbookRefused, match="另存为"):
        check_workbook(b"\xd0\xcf\x11\xe0" + b"\0" * 600)


def test_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookRefused, match="不是 Excel"):
        check_workbook(buf.getvalue())


def test_truncated_workbook_is_refused():
    data = xlsx_bytes(["姓名"], [["张三"]])
    with pytest.raises(WorkbookRefused):
        check_workbook(data[: len(data) // 2])


def test_empty_upload_is_refused():
    with pytest.raises(WorkbookRefused, match="空的"):
        check_workbook(b"")


@override_settings(IMPORT_MAX_FILE_BYTES=2000)
def test_oversized_file_is_refused():
    data = xlsx_bytes(["姓名"], [[f"张{i}"] for i in range(500)])
    assert len(data) > 2000
    with pytest.raises(WorkbookRefused, match="超过上限"):
        check_workbook(data)


@override_settings(IMPORT_MAX_ZIP_ENTRIES=5)
def test_too_many_zip_entries_is_refused():
    with pytest.raises(WorkbookRefused, match="内部文件过多"):
        check_workbook(xlsx_bytes(["姓名"], [["张三"]]))


def _bomb(entry_size: int) -> bytes:
    """An xlsx-like zip with one small-on-disk, huge-when-expanded worksheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * entry_size)
    return buf.getvalue()


@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=4 * 1024 * 1024)
def test_zip_bomb_is_refused():
    data = _bomb(64 * 1024 * 1024)
    assert len(data) < 200 * 1024  # small on disk …
    with pytest.raises(WorkbookRefused, match="压缩炸弹"):
        check_workbook(data)  # … refused from the declared sizes without expanding it


def _lie_about_size(data: bytes, name: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size of entry `name` in both its local and central headers."""
    buf = bytearray(data)
    local = buf.find(b"PK\x03\x04")
    while local != -1:
        (name_len,) = struct.unpack_from("<H", buf, local + 26)
        if bytes(buf[local + 30 : local + 30 + name_len]) == name:
            struct.pack_into("<I", buf, local + 22, declared)
        local = buf.find(b"PK\x03\x04", local + 4)
    central = buf.find(b"PK\x01\x02")
    while central != -1:
        (name_len,) = struct.unpack_from("<H", buf, central + 28)
        if bytes(buf[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", buf, central + 24, declared)
        central = buf.find(b"PK\x01\x02", central + 4)
    return bytes(buf)


@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=4 * 1024 * 1024)
def test_zip_bomb_with_lying_headers_is_refused():
    data = _lie_about_size(_bomb(16 * 1024 * 1024), b"xl/worksheets/sheet1.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(i.file_size for i in zf.infolist()) < 4 * 1024 * 1024  # the headers lie
    # zipfile stops at the declared size, so the lie shows as a CRC mismatch, never as a bomb.
    with pytest.raises(WorkbookRefused, match=r"损坏|压缩炸弹"):
        check_workbook(data)


@override_settings(IMPORT_MAX_ROWS=5)
def test_too_many_rows_is_refused_from_the_declared_dimension():
    with pytest.raises(WorkbookRefused, match="超过单次导入上限 5 行"):
        check_workbook(xlsx_bytes(["姓名"], [[f"张{i}"] for i in range(6)]))


@override_settings(IMPORT_MAX_ROWS=5)
def test_too_many_rows_is_refused_when_the_dimension_lies():
    data = xlsx_bytes(["姓名"], [[f"张{i}"] for i in range(8)])
    buf_in, buf_out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf_out, "w", zipfile.ZIP_DEFLATED) as out:
        for info in buf_in.infolist():
            content = buf_in.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:A9"/>', b'<dimension ref="A1:A2"/>')
                assert b'ref="A1:A2"' in content
            out.writestr(info, content)
    check_workbook(buf_out.getvalue())  # passes the cheap check …
    _imp, result = run(buf_out.getvalue())
    assert not result.ok and "超过单次导入上限" in result.errors[0].message  # … not the parse


def test_a_valid_workbook_passes():
    check_workbook(xlsx_bytes(["姓名"], [["张三"]]))


# --- headers and cells ---------------------------------------------------------------------


def test_missing_and_unknown_headers_are_named():
    imp, result = run(xlsx_bytes(["名字", "日期"], [["张三", "2020-01-01"]]))
    assert not result.ok and imp.written == []
    message = str(result.errors[0])
    assert "缺少必填列：姓名" in message and "无法识别的列：名字" in message
    assert result.errors[0].row == 1


def test_duplicate_header_is_named():
    _imp, result = run(xlsx_bytes(["姓名", "姓名"], [["张三", "李四"]]))
    assert "重复的列：姓名" in result.errors[0].message


def test_headers_tolerate_spaces_required_marks_and_aliases():
    imp, result = run(xlsx_bytes(["姓 名*", "代码"], [["张三", 7]]))
    assert result.ok, result.errors
    assert imp.written[0]["code"] == "7"  # an integral number typed as a code loses its ".0"


def test_cell_errors_name_row_and_column_and_nothing_is_written():
    future = timezone.localdate() + dt.timedelta(days=3)
    rows = [
        ["张三", "2020-01-31", "甲类", ""],
        ["", "2020-01-31", "", ""],  # row 3: required name missing
        ["李四", "2020-02-30", "", ""],  # row 4: impossible date
        ["王五", future, "丙类", ""],  # row 5: future date, unknown choice
        ["很长很长很长很长的名字", None, None, None],  # row 6: too long
    ]
    imp, result = run(xlsx_bytes(["姓名", "日期", "类别", "编码"], rows))
    assert not result.ok and imp.written == [] and result.created == 0
    texts = [str(e) for e in result.errors]
    assert texts[0] == "第 3 行「姓名」：必填，不能为空。"
    assert any(t.startswith("第 4 行「日期」：「2020-02-30」不是有效日期") for t in texts)
    assert any(t.startswith("第 5 行「日期」：日期") and "晚于今天" in t for t in texts)
    assert any(
        t.startswith("第 5 行「类别」：「丙类」不是可选值，请填写：甲类、乙类") for t in texts
    )
    assert any(t.startswith("第 6 行「姓名」：不能超过 8 个字符") for t in texts)
    assert result.rows == 5


def test_parsers_accept_common_date_spellings_and_choice_codes():
    excel_datetime = dt.datetime(2020, 1, 31)  # noqa: DTZ001 (Excel datetimes are naive)
    rows = [
        ["甲", "2020/1/31", "a", ""],
        ["乙", "2020年1月31日", "乙类", ""],
        ["丙", excel_datetime, None, None],
        ["丁", "20200131", None, None],
    ]
    imp, result = run(xlsx_bytes(["姓名", "日期", "类别", "编码"], rows))
    assert result.ok, result.errors
    assert {r["day"] for r in imp.written} == {dt.date(2020, 1, 31)}
    assert [r["kind"] for r in imp.written] == ["a", "b", None, None]


def test_blank_rows_are_skipped_and_row_numbers_stay_true():
    imp, result = run(xlsx_bytes(["姓名"], [["张三"], [None], ["坏"]]))
    assert not result.ok and imp.written == []
    assert str(result.errors[0]) == "第 4 行「姓名」：名字不能是「坏」。"


def test_a_sheet_without_data_rows_is_refused():
    _imp, result = run(xlsx_bytes(["姓名", "日期"], []))
    assert not result.ok and "没有数据行" in result.errors[0].message


def test_id_number_typed_as_number_is_refused_with_advice():
    with pytest.raises(ValueError, match="文本格式"):
        excel.id_number(110101199003077777)


def test_id_number_checksum_is_checked_and_input_normalized():
    body = "11010119900307777"
    check = next(c for c in "0123456789X" if validators.id_number_checksum_ok(body + c))
    wrong = next(c for c in "0123456789" if c != check)
    with pytest.raises(ValueError, match="校验位"):
        excel.id_number(body + wrong)
    assert excel.id_number(f" {body}{check.lower()} ") == body + check


# --- the template ---------------------------------------------------------------------------


def test_template_has_headers_notes_validation_and_an_example():
    wb = ToyImporter().template_workbook()
    ws = wb["数据"]
    assert [c.value for c in ws[1]] == ["姓名", "日期", "类别", "编码"]
    assert ws["A1"].comment.text.startswith("必填")
    assert ws["B1"].comment.text.startswith("选填")
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert lists == ['"甲类,乙类"']
    assert ws.column_dimensions["D"].number_format == "@"
    guide = wb["填写说明"]
    assert [guide.cell(row=i, column=1).value for i in range(2, 6)] == [
        "姓名",
        "日期",
        "类别",
        "编码",
    ]


def test_template_response_is_an_xlsx_download():
    resp = ToyImporter().template_response()
    assert resp["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in resp["Content-Disposition"]
    data = b"".join(resp.streaming_content)
    assert load_workbook(io.BytesIO(data)).sheetnames == ["数据", "填写说明"]
