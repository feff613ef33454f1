"""负面清单: findings grouped by category and item, with counts, share of orgs and examples.

The selection: findings the user may see (`Finding.objects.restrict(user, "view")`), of a
campaign, or of a year — a finding belongs to a year when its campaign's period overlaps
the year, or, for a free-standing finding, when it was found in that year — optionally of
one campaign type (then free-standing findings, which have no type, are left out) and
within an org's subtree. A row is one (category, item) pair: findings from the same item
code and text of different framework versions fall together; free-standing findings form
one row per category.

The share of orgs is the distinct orgs with the problem over the orgs checked in the same
selection: targets of the visible assessments that are done (已完成) of the campaign / the
year's campaigns (of the type), within the subtree. A drawn target not yet checked has
not been found wanting or not, and a year's 五星 ratings are no 抽查调阅 of anyone, so
neither inflates the denominator. The share is capped at 100% (a finding may name a
sub-org of the checked target) and is 0 when nothing was checked (free-standing findings
only).

Three queries whatever the size: the grouped counts, the assessed orgs, and the examples
— the newest EXAMPLE_POOL findings of each row, picked in SQL by a window function, of
which the first three distinct texts are kept; the example query returns at most
EXAMPLE_POOL × rows findings however many there are.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, F, Q, QuerySet, TextField, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from dangjian.core.db import path_prefix_q
from dangjian.core.excel import writer

from .models import Assessment, AssessmentStatus, Campaign, CampaignType, Finding

EXAMPLES = 3
# Examples are distinct texts: the newest EXAMPLE_POOL findings of a group are read (bounded
# by a window, still one query) and the first EXAMPLES different texts kept, so a problem
# written the same way in many orgs does not fill every slot.
EXAMPLE_POOL = 20


@dataclass
class NegativeListRow:
    category: str
    item_code: str
    item_text: str
    count: int  # findings
    orgs: int  # distinct orgs with this problem
    share: float  # orgs / orgs assessed in the selection (0..1)
    examples: list[str] = field(default_factory=list)  # up to 3 distinct finding texts


@dataclass
class NegativeList:
    title: str
    assessed_orgs: int
    total_findings: int
    rows: list[NegativeListRow]


def campaign_year_q(year: int) -> Q:
    """Rows (findings or assessments) of a campaign whose period overlaps `year`."""
    return Q(
        campaign__period_start__lte=dt.date(year, 12, 31),
        campaign__period_end__gte=dt.date(year, 1, 1),
    )


def year_q(year: int) -> Q:
    """Findings of a year: by their campaign's period, or found that year when free-standing."""
    found = Q(found_on__gte=dt.date(year, 1, 1), found_on__lte=dt.date(year, 12, 31))
    return campaign_year_q(year) | Q(found, campaign__isnull=True)


def findings(
    user: Any,
    *,
    year: int | None = None,
    campaign_id: int | None = None,
    campaign_type: str | None = None,
    within: Any = None,
) -> QuerySet[Finding]:
    qs = Finding.objects.restrict(user, "view")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if campaign_type:
        qs = qs.filter(campaign__campaign_type=campaign_type)
    if year is not None:
        qs = qs.filter(year_q(year))
    if within is not None:
        qs = qs.filter(path_prefix_q("org__path", within.path))
    return qs


def assessed(
    user: Any,
    *,
    year: int | None = None,
    campaign_id: int | None = None,
    campaign_type: str | None = None,
    within: Any = None,
) -> QuerySet[Assessment]:
    """The done assessments of the selection: the share's denominator is their targets."""
    qs = Assessment.objects.restrict(user, "view").filter(status=AssessmentStatus.DONE)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if campaign_type:
        qs = qs.filter(campaign__campaign_type=campaign_type)
    if year is not None:
        qs = qs.filter(campaign_year_q(year))
    if within is not None:
        qs = qs.filter(path_prefix_q("target__path", within.path))
    return qs


def _title(
    user: Any, year: int | None, campaign_id: int | None, campaign_type: str | None, within: Any
) -> str:
    parts = []
    if within is not None:
        parts.append(within.name)
    if campaign_id is not None:
        name = (
            Campaign.objects.restrict(user, "view")
            .filter(pk=campaign_id)
            .values_list("name", flat=True)
            .first()
        )
        parts.append(f"“{name}”" if name else "督查活动")
    if year is not None:
        parts.append(f"{year}年")
    if campaign_type and campaign_id is None:
        parts.append(str(CampaignType(campaign_type).label))
    return "".join(parts) + "负面清单（共性问题清单）"


def build(
    user: Any,
    *,
    year: int | None = None,
    campaign_id: int | None = None,
    campaign_type: str | None = None,
    within: Any = None,
) -> NegativeList:
    """Set-based (a fixed number of queries); scoped by restrict(user, "view").

    `campaign_type` (a CampaignType value; "" or None: every type) narrows both the
    findings and the checked orgs to campaigns of that type."""
    if campaign_type and campaign_type not in CampaignType.values:
        raise ValidationError(
            {"campaign_type": [f"督查类型“{campaign_type}”不存在，请从列表中选择。"]}
        )
    selection: dict[str, Any] = {
        "year": year,
        "campaign_id": campaign_id,
        "campaign_type": campaign_type or None,
        "within": within,
    }
    base = findings(user, **selection)
    keyed = base.annotate(
        nl_code=Coalesce(F("item__code"), Value(""), output_field=CharField()),
        nl_text=Coalesce(F("item__text"), Value(""), output_field=TextField()),
    )
    groups = list(
        keyed.values("category", "nl_code", "nl_text")
        .annotate(n=Count("pk"), orgs=Count("org_id", distinct=True))
        .order_by()
        .values_list("category", "nl_code", "nl_text", "n", "orgs")
    )
    n_assessed = assessed(user, **selection).values("target_id").distinct().count()
    examples: dict[tuple[str, str, str], list[str]] = {}
    if groups:
        ranked = keyed.annotate(
            nl_rank=Window(
                RowNumber(),
                partition_by=[F("category"), F("nl_code"), F("nl_text")],
                order_by=[F("found_on").desc(), F("pk").desc()],
            )
        ).filter(nl_rank__lte=EXAMPLE_POOL)
        for category, code, text, example in ranked.values_list(
            "category", "nl_code", "nl_text", "text"
        ).order_by("category", "nl_code", "nl_text", "nl_rank"):
            kept = examples.setdefault((category, code, text), [])
            if len(kept) < EXAMPLES and example not in kept:
                kept.append(example)
    rows = [
        NegativeListRow(
            category=category,
            item_code=code,
            item_text=text,
            count=n,
            orgs=orgs,
            share=min(1.0, orgs / n_assessed) if n_assessed else 0.0,
            examples=examples.get((category, code, text), []),
        )
        for category, code, text, n, orgs in groups
    ]
    rows.sort(key=lambda r: (-r.count, -r.orgs, r.category, r.item_code, r.item_text))
    return NegativeList(
        title=_title(user, year, campaign_id, campaign_type or None, within),
        assessed_orgs=n_assessed,
        total_findings=sum(r.count for r in rows),
        rows=rows,
    )


# --- exports --------------------------------------------------------------------------

HEADERS = [
    "序号",
    "问题类别",
    "条目编号",
    "条目内容",
    "问题数",
    "涉及组织数",
    "占被检查组织",
    "典型问题",
]
WIDTHS = [6, 18, 10, 40, 8, 10, 12, 60]


def _share(row: NegativeListRow) -> str:
    return f"{row.share * 100:.1f}%"


def _summary(nl: NegativeList) -> str:
    return (
        f"共 {nl.total_findings} 个问题，{len(nl.rows)} 类（按问题类别和检查条目归并）；"
        f"已完成检查的组织 {nl.assessed_orgs} 个。"
    )


def to_xlsx(nl: NegativeList) -> bytes:
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "负面清单", widths=WIDTHS)
    writer.append(ws, [nl.title], font=writer.Font(bold=True, size=14))
    writer.append(ws, [_summary(nl)])
    writer.append(ws, HEADERS, font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for i, row in enumerate(nl.rows, start=1):
        writer.append(
            ws,
            [
                i,
                row.category,
                row.item_code,
                row.item_text,
                row.count,
                row.orgs,
                _share(row),
                "\n".join(f"{k}. {t}" for k, t in enumerate(row.examples, start=1)),
            ],
            alignment=writer.WRAP,
        )
    ws.freeze_panes = "A4"
    return writer.save_bytes(wb)


def docx_document():
    """A python-docx Document whose default font shows Chinese (宋体 for East Asian text)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    return doc


def to_docx(nl: NegativeList) -> bytes:
    from docx.shared import Pt

    doc = docx_document()
    doc.add_heading(nl.title, level=1)
    doc.add_paragraph(_summary(nl))
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["序号", "问题类别", "检查条目", "问题数", "涉及组织（占比）", "典型问题"],
        strict=True,
    ):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for i, row in enumerate(nl.rows, start=1):
        cells = table.add_row().cells
        item = f"{row.item_code} {row.item_text}".strip() or "（未对应检查条目）"
        values = [
            str(i),
            row.category,
            item,
            str(row.count),
            f"{row.orgs}（{_share(row)}）",
            "\n".join(f"{k}. {t}" for k, t in enumerate(row.examples, start=1)),
        ]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(9)
    if not nl.rows:
        doc.add_paragraph("所选范围内没有发现问题。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
