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

问题类型 (problem types), one definition for the page, its exports and the metric
`supervision.negative_list`: the distinct problem categories of the framework (考评模板的
问题分类, which every finding from an item inherits) among the selection's findings —
`count_categories`. A category found on several items is one type over several rows. The
page's default selection (`DEFAULT_CAMPAIGN_TYPE`, 抽查调阅) is the metric's selection.

Three queries whatever the size: the grouped counts, the assessed orgs, and the examples
— the newest EXAMPLE_POOL findings of each row, picked in SQL by a window function, of
which the first three distinct texts are kept; the example query returns at most
EXAMPLE_POOL × rows findings however many there are. The examples (典型问题) are finding
texts: what was found wanting, the standard being the row's item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, F, Q, QuerySet, TextField, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from dangjian.core.db import path_prefix_q
from dangjian.core.excel import writer

from . import wordfile
from .models import Assessment, AssessmentStatus, Campaign, CampaignType, Finding

# What a 工委 user calls the 负面清单 (seed-figures.md row 14, 针对共性问题制定负面清单) is
# the common problems found by the 抽查调阅 (基础制度 and 中心组学习): the page's default
# selection and the metric's. A 五星 rating or 模范机关 evaluation rates orgs rather than
# lists their problems, and its hundreds of rated orgs would shrink every share.
DEFAULT_CAMPAIGN_TYPE = CampaignType.SAMPLED_REVIEW

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


def count_categories(categories: Iterable[str]) -> int:
    """问题类型: the distinct problem categories of the framework among findings (a blank
    category, which the services never write, is no type)."""
    return len({c for c in categories if c})


def definition(categories: int) -> str:
    """The definition in the words the page, the exports and the metric use."""
    return f"问题类型按考评模板的问题分类统计，共 {categories} 类"


@dataclass
class NegativeList:
    title: str
    assessed_orgs: int
    total_findings: int
    rows: list[NegativeListRow]

    @property
    def categories(self) -> int:
        return count_categories(r.category for r in self.rows)

    @property
    def definition(self) -> str:
        return definition(self.categories)


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
    "检查标准（条目内容）",
    "问题数",
    "涉及组织数",
    "占被检查组织",
    "典型问题",
]
WIDTHS = [6, 18, 10, 40, 8, 10, 12, 60]
DOCX_WIDTHS_MM = [10, 22, 42, 12, 20, 50]  # the 156 mm between the 公文 margins


def _share(row: NegativeListRow) -> str:
    return f"{row.share * 100:.1f}%"


def _summary(nl: NegativeList) -> str:
    return (
        f"共 {nl.total_findings} 个问题；{nl.definition}，按检查条目细分为 {len(nl.rows)} 行；"
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


def to_docx(nl: NegativeList) -> bytes:
    """The list as an A4 Word document (wordfile: 公文 margins and Chinese fonts)."""
    doc = wordfile.new_document()
    wordfile.title(doc, nl.title)
    wordfile.paragraph(doc, _summary(nl))
    if not nl.rows:
        wordfile.paragraph(doc, "所选范围内没有发现问题。")
    else:
        wordfile.table(
            doc,
            ["序号", "问题类别", "检查标准（条目）", "问题数", "涉及组织（占比）", "典型问题"],
            [
                [
                    str(i),
                    row.category,
                    f"{row.item_code} {row.item_text}".strip() or "（未对应检查条目）",
                    str(row.count),
                    f"{row.orgs}（{_share(row)}）",
                    "\n".join(f"{k}. {t}" for k, t in enumerate(row.examples, start=1)),
                ]
                for i, row in enumerate(nl.rows, start=1)
            ],
            size=9,
            widths_mm=DOCX_WIDTHS_MM,
        )
    return wordfile.to_bytes(doc)
