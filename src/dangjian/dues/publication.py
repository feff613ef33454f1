"""党费收缴使用情况公布: a branch's year, published to its members once a year (xlsx, and an A4
docx to post). Per member: the months owed in the year, the amount due, what was paid for
them, the months still unpaid; then the branch's totals — collected in the year (by date
paid, 补交 and voluntary extra included), handed over to the next level, the balance.

Each download is one audited export event. The base is never shown (amounts only).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.http import FileResponse

from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download
from dangjian.core.excel.workbook import audit

from .models import DuesDue, DuesPayment, DuesRemittance

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADERS = (
    "姓名",
    "应交月数",
    "应交金额（元）",
    "已交月数",
    "已交金额（元）",
    "未交月数",
    "未交金额（元）",
)
ZERO = Decimal("0")


@dataclass
class Publication:
    org: Any
    year: int
    rows: list[list[Any]] = field(default_factory=list)
    due: Decimal = ZERO
    paid: Decimal = ZERO
    collected: Decimal = ZERO
    back_payments: int = 0
    extra: Decimal = ZERO
    remitted: Decimal = ZERO

    @property
    def title(self) -> str:
        return f"{self.org.name}{self.year}年党费收缴使用情况公布"

    def summary(self) -> list[str]:
        unpaid = self.due - self.paid
        return [
            f"{self.year}年本支部党员应交党费 {self.due} 元，已交 {self.paid} 元，"
            f"未交 {unpaid} 元。",
            f"全年实收党费 {self.collected} 元（按交纳日期，含补交 {self.back_payments} 笔、"
            f"自愿多交 {self.extra} 元），向上级党组织上缴 {self.remitted} 元。",
            "依照《关于中国共产党党费收缴、使用和管理的规定》，党费收缴情况每年向党员公布一次。",
        ]


def build(org: Any, year: int, today: dt.date) -> Publication:
    """Four queries: the year's dues per member, the payments and the hand-overs of the org."""
    pub = Publication(org, year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 1)
    dues = DuesDue.objects.filter(
        org__path__startswith=org.path, month__range=(first, min(last, today.replace(day=1)))
    )
    per_member = (
        dues.filter(amount__gt=0)
        .order_by()
        .values("member_id", "member__name")
        .annotate(
            n=Count("id"),
            due=Sum("amount"),
            paid_n=Count("id", filter=Q(payment__isnull=False)),
            paid=Sum("amount", filter=Q(payment__isnull=False)),
        )
        .order_by("member__name", "member_id")
    )
    for r in per_member:
        due, paid = _money(r["due"]), _money(r["paid"])
        pub.rows.append(
            [r["member__name"], r["n"], due, r["paid_n"], paid, r["n"] - r["paid_n"], due - paid]
        )
        pub.due += due
        pub.paid += paid
    payments = DuesPayment.objects.filter(
        org__path__startswith=org.path, paid_on__year=year
    ).aggregate(
        total=Sum("amount"), back=Count("id", filter=Q(back_payment=True)), extra=Sum("extra")
    )
    pub.collected = _money(payments["total"])
    pub.back_payments = payments["back"] or 0
    pub.extra = _money(payments["extra"])
    pub.remitted = _money(
        DuesRemittance.objects.filter(from_org=org, remitted_on__year=year).aggregate(
            s=Sum("amount")
        )["s"]
    )
    return pub


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def xlsx_download(user: Any, pub: Publication) -> FileResponse:
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "收缴公布", widths=(16, 10, 14, 10, 14, 10, 14))
    writer.append(ws, [pub.title], font=writer.Font(bold=True, size=14))
    for line in pub.summary():
        writer.append(ws, [line])
    writer.append(ws, [])
    writer.append(ws, list(HEADERS), font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for row in pub.rows:
        writer.append(ws, row)
    writer.append(ws, ["合计", "", pub.due, "", pub.paid, "", pub.due - pub.paid])
    return download(
        user,
        wb,
        model="dues.duesdue",
        rows=len(pub.rows),
        filters={"org": pub.org.pk, "year": pub.year, "report": "publication"},
        filename=f"{pub.title}.xlsx",
    )


def _font(run: Any, east_asia: str, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "Times New Roman"
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def docx_bytes(pub: Publication, today: dt.date) -> bytes:
    """A4 portrait, 公文 margins (GB/T 9704: 37/35/28/26 mm), 黑体 title, 仿宋 text, 宋体 table."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(pub.title), "黑体", 18, bold=True)
    for line in pub.summary():
        _font(doc.add_paragraph().add_run(line), "仿宋", 14)
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        _font(cell.paragraphs[0].add_run(text), "宋体", 9.5, bold=True)
    for row in [*pub.rows, ["合计", "", pub.due, "", pub.paid, "", pub.due - pub.paid]]:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            _font(cell.paragraphs[0].add_run(str(value)), "宋体", 9.5)
    foot = doc.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(foot.add_run(f"{pub.org.name}　{today:%Y年%m月%d日}"), "仿宋", 14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_download(user: Any, pub: Publication, today: dt.date) -> FileResponse:
    data = docx_bytes(pub, today)
    audit(
        user,
        "export",
        "success",
        model="dues.duesdue",
        rows=len(pub.rows),
        filters={"org": pub.org.pk, "year": pub.year, "report": "publication", "format": "docx"},
    )
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=f"{pub.title}.docx", content_type=DOCX_TYPE
    )
