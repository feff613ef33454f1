"""发展党员纪实表 of one person: an xlsx through core.excel, and an A4 docx to print.

Both show what the 纪实 page shows to the same user: the ID number and phone masked (the
纪实表 names the person; plaintext goes only through the audited reveal), the birth date in
full only for a user with the reveal right. Each download is one audited export event.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse
from django.utils import timezone

from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download
from dangjian.core.excel.workbook import audit

from . import services
from .models import STEP_GROUPS, Applicant, RecruitmentStep, Step

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "发展党员纪实表"
# Fonts by name: Word uses the first one installed; WPS and LibreOffice map the rest.
BODY_FONT, BODY_EAST_ASIA = "Times New Roman", "宋体"
TITLE_EAST_ASIA = "黑体"
STEP_HEADERS = ("阶段", "序号", "步骤", "日期", "人员", "表决情况", "情况说明")


def person_fields(user: Any, a: Applicant) -> list[tuple[str, str]]:
    birth = (
        f"{a.birth_date:%Y-%m-%d}"
        if a.birth_date and services.can_reveal(user, a)
        else a.masked_birth_date()
    )
    return [
        ("姓名", a.name),
        ("性别", a.get_gender_display()),
        ("民族", a.ethnicity),
        ("出生日期", birth),
        ("身份证号", a.masked_id_number()),
        ("学历", a.get_education_display()),
        ("工作单位", a.unit.name if a.unit else ""),
        ("职务", a.job_title),
        ("所在党组织", a.org.name),
        ("递交入党申请书日期", f"{a.applied_on:%Y-%m-%d}"),
        ("入党志愿书编号", a.application_form_number or ""),
        (
            "发展阶段",
            a.get_stage_display() + (f"（{a.closed_on:%Y-%m-%d}终止）" if a.closed_on else ""),
        ),
    ]


def _people(row: RecruitmentStep) -> str:
    out = []
    for p in row.people.all():
        name = p.name or (p.member.name if p.member else "")
        out.append(f"{p.get_role_display()}：{name}")
    return "；".join(out)


def _votes(row: RecruitmentStep) -> str:
    if row.expected is None:
        return ""
    return (
        f"应到{row.expected}人，实到{row.present}人；"
        f"赞成{row.votes_yes}，反对{row.votes_no}，弃权{row.votes_abstain}"
    )


def _note(row: RecruitmentStep) -> str:
    parts = [row.note] if row.note else []
    if row.step == Step.TRAINING:
        if row.training_days:
            parts.append(f"培训{row.training_days}天")
        if row.training_hours:
            parts.append(f"{row.training_hours}学时")
    if row.exception_rules:
        parts.append(f"经批准的例外：{row.exception_reason}（批准人：{row.exception_approved_by}）")
    names = [a.original_name for a in row.attachments.all()]
    if names:
        parts.append("材料：" + "、".join(names))
    return "；".join(parts)


def step_lines(rows: list[RecruitmentStep]) -> list[list[str]]:
    """One line per step of the 25 (a recorded row, or the step left blank), in order."""
    by_step: dict[int, list[RecruitmentStep]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row)
    lines: list[list[str]] = []
    for title, numbers in STEP_GROUPS:
        for n in numbers:
            recorded: list[RecruitmentStep | None] = list(by_step.get(n, [])) or [None]
            lines.extend(
                [
                    title,
                    str(n),
                    str(Step(n).label),
                    f"{row.done_on:%Y-%m-%d}" if row else "",
                    _people(row) if row else "",
                    _votes(row) if row else "",
                    _note(row) if row else "",
                ]
                for row in recorded
            )
    return lines


def _filename(a: Applicant, ext: str) -> str:
    return f"{TITLE}_{a.name}_{timezone.localdate():%Y%m%d}.{ext}"


def xlsx_download(user: Any, a: Applicant, rows: list[RecruitmentStep]):
    wb = writer.new_workbook()
    ws = writer.sheet(wb, TITLE, widths=(18, 6, 22, 12, 26, 30, 40))
    writer.append(ws, [TITLE], font=writer.Font(bold=True, size=14))
    for label, value in person_fields(user, a):
        writer.append(ws, [label, value])
    writer.append(ws, [])
    writer.append(ws, list(STEP_HEADERS), font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for line in step_lines(rows):
        writer.append(ws, line, alignment=writer.WRAP)
    return download(
        user,
        wb,
        model="recruitment.applicant",
        rows=len(rows),
        filters={"applicant": a.pk},
        filename=_filename(a, "xlsx"),
    )


def _font(run: Any, east_asia: str, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = BODY_FONT
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)


def docx_bytes(user: Any, a: Applicant, rows: list[RecruitmentStep]) -> bytes:
    """The 纪实表 as an A4 Word document (portrait, 2 cm margins, 宋体 body, 黑体 title)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_EAST_ASIA)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(TITLE), TITLE_EAST_ASIA, 18, bold=True)

    fields = person_fields(user, a)
    info = doc.add_table(rows=(len(fields) + 1) // 2, cols=4)
    info.style = "Table Grid"
    info.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, (label, value) in enumerate(fields):
        cells = info.rows[i // 2].cells
        _font(cells[(i % 2) * 2].paragraphs[0].add_run(label), BODY_EAST_ASIA, bold=True)
        _font(cells[(i % 2) * 2 + 1].paragraphs[0].add_run(value or ""), BODY_EAST_ASIA)

    doc.add_paragraph()
    headers = STEP_HEADERS[1:]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    widths = (Cm(1), Cm(3.6), Cm(2.2), Cm(3), Cm(3.4), Cm(3.8))
    for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
        cell.width = width
        _font(cell.paragraphs[0].add_run(text), BODY_EAST_ASIA, 9.5, bold=True)
    current = None
    for line in step_lines(rows):
        if line[0] != current:
            current = line[0]
            row = table.add_row()
            merged = row.cells[0].merge(row.cells[-1])
            _font(merged.paragraphs[0].add_run(current), TITLE_EAST_ASIA, 10, bold=True)
        cells = table.add_row().cells
        for cell, text, width in zip(cells, line[1:], widths, strict=True):
            cell.width = width
            _font(cell.paragraphs[0].add_run(text), BODY_EAST_ASIA, 9.5)

    foot = doc.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(foot.add_run(f"打印日期：{timezone.localdate():%Y年%m月%d日}"), BODY_EAST_ASIA, 9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_download(user: Any, a: Applicant, rows: list[RecruitmentStep]) -> FileResponse:
    data = docx_bytes(user, a, rows)
    audit(
        user,
        "export",
        "success",
        model="recruitment.applicant",
        rows=len(rows),
        filters={"applicant": a.pk, "format": "docx"},
    )
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=_filename(a, "docx"), content_type=DOCX_TYPE
    )
