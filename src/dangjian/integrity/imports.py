"""A unit's register from the xlsx template: all rows or none (core.excel.Importer).

`integrity-register`: one row per risk point and measure. The first row of a 风险点编号 gives
the point (岗位, 类别, 等级, 描述); a row may add a measure against it, and further rows of the
same 编号 add more measures. A measure may also guard other points of the same unit
(同时防控的风险点: their 编号). `integrity-institutions`: one row per institution.

Importing a unit's register for a round replaces what that register held (a corrected file
is imported again); the round must be open and the register one the user may change.
Validation is set-based: the registers of the file are read in one query.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.bounds import parse_int
from dangjian.core.excel import Column, Importer, Row, RowError
from dangjian.core.imports import importers
from dangjian.core.services import ErrorCollector

from . import services
from .models import (
    YEAR_MAX,
    YEAR_MIN,
    Institution,
    InstitutionKind,
    Measure,
    RiskCategory,
    RiskLevel,
    RiskPoint,
    RiskPost,
    RiskSubmission,
)

_SPLIT = re.compile(r"[、,，;；\s]+")


def _year(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    number = parse_int(text, YEAR_MIN, YEAR_MAX)
    if number is None:
        raise ValueError(f"年度须为 {YEAR_MIN} 至 {YEAR_MAX} 之间的整数。")
    return number


YEAR = Column("year", gettext_lazy("年度"), required=True, parser=_year, example=2025, width=8)
UNIT = Column(
    "unit",
    gettext_lazy("单位"),
    required=True,
    parser=excel.text(128),
    width=22,
    aliases=("单位党组织",),
    help=gettext_lazy("本单位机关党组织的名称或组织编码。"),
    example="甲局机关党委",
)


def _registers(user: Any, rows: list[Row], errors: list[RowError]) -> dict[int, RiskSubmission]:
    """Row number → the open register its (year, unit) names; errors for the others."""
    years = {r["year"] for r in rows}
    units = {r["unit"] for r in rows}
    found: dict[tuple[int, str], list[RiskSubmission]] = defaultdict(list)
    if rows:
        qs = (
            RiskSubmission.objects.restrict(user, "change")
            .filter(review__year__in=years)
            .select_related("review", "org")
        )
        for sub in qs.filter(org__name__in=units) | qs.filter(org__code__in=units):
            for ref in {sub.org.name, sub.org.code} & units:
                if sub not in found[(sub.review.year, ref)]:
                    found[(sub.review.year, ref)].append(sub)
    by_row: dict[int, RiskSubmission] = {}
    for row in rows:
        subs = found.get((row["year"], row["unit"]), [])
        if not subs:
            errors.append(
                RowError(
                    row.number,
                    "单位",
                    f"{row['year']}年没有“{row['unit']}”可以填报的廉政风险排查："
                    "请核对年度和单位名称（或组织编码），或该单位不在您的管理范围内。",
                )
            )
        elif len(subs) > 1:
            errors.append(RowError(row.number, "单位", "有多个同名单位，请改填组织编码。"))
        elif subs[0].review.closed:
            errors.append(RowError(row.number, "年度", services.CLOSED.format(year=row["year"])))
        else:
            by_row[row.number] = subs[0]
    return by_row


def _insert_links(links: list[tuple[int, int]]) -> None:
    """The measure ↔ risk point rows in bulk (the through table of the M2M)."""
    through = Measure.risk_points.through
    through.objects.bulk_create(
        [through(measure_id=m, riskpoint_id=p) for m, p in links], batch_size=1000
    )


class RiskRegisterImporter(Importer):
    name = "integrity-register"
    label = gettext_lazy("廉政风险点及防控措施")
    description = gettext_lazy(
        "每行一个风险点及其一条防控措施；同一风险点有多条措施时，在下一行填同一编号和另一条措施"
        "（风险点各列可不再填）。导入会替换该单位本年度已填报的风险点和防控措施，"
        "导入后请在本单位的排查填报页面提交。"
    )
    model = RiskPoint
    sheet_title = "风险点及防控措施"
    columns = [
        YEAR,
        UNIT,
        Column(
            "code",
            gettext_lazy("风险点编号"),
            required=True,
            parser=excel.text(20),
            text_format=True,
            help=gettext_lazy("本单位内不重复，例如 FX-01。"),
            example="FX-01",
        ),
        Column(
            "post",
            gettext_lazy("岗位"),
            parser=excel.choice(RiskPost.choices),
            width=16,
            example=str(RiskPost.FINANCE.label),
        ),
        Column(
            "post_title",
            gettext_lazy("具体岗位"),
            parser=excel.text(60),
            width=16,
            example="财务科出纳",
        ),
        Column(
            "category",
            gettext_lazy("风险类别"),
            parser=excel.choice(RiskCategory.choices),
            example=str(RiskCategory.PROCESS.label),
        ),
        Column(
            "level",
            gettext_lazy("风险等级"),
            parser=excel.choice(RiskLevel.choices),
            width=10,
            example=str(RiskLevel.HIGH.label),
        ),
        Column(
            "description",
            gettext_lazy("风险点描述"),
            parser=excel.text(500),
            width=40,
            example="报销审核把关不严，存在虚列支出、套取资金的风险",
        ),
        Column(
            "measure",
            gettext_lazy("防控措施"),
            parser=excel.text(500),
            width=40,
            example="严格执行财务审批“一支笔”制度，大额支出集体研究",
        ),
        Column(
            "also",
            gettext_lazy("同时防控的风险点"),
            parser=excel.text(200),
            width=18,
            help=gettext_lazy("这条措施还防控本单位的哪些风险点：填它们的编号，用顿号分隔。"),
        ),
        Column(
            "responsible", gettext_lazy("责任人"), parser=excel.text(32), example="分管财务副局长"
        ),
        Column(
            "deadline",
            gettext_lazy("完成时限"),
            parser=excel.date(not_future=False),
            help=gettext_lazy("长期坚持的措施可不填。"),
        ),
    ]

    def __init__(self) -> None:
        self.registers: dict[int, RiskSubmission] = {}
        self.points: dict[tuple[int, str], dict[str, Any]] = {}
        self.measures: list[tuple[int, dict[str, Any], list[str]]] = []

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        by_row = _registers(user, rows, errors)
        first: dict[tuple[int, str], int] = {}
        # Where each 编号 is defined in this file: (year, code) → register ids, to name the
        # unit a wrongly linked measure points at.
        owners: dict[tuple[int, str], set[int]] = defaultdict(set)
        point_cols = ("post", "category", "level", "description")
        for row in rows:
            sub = by_row.get(row.number)
            if sub is None:
                continue
            key = (sub.pk, row["code"])
            owners[(sub.review.year, row["code"])].add(sub.pk)
            given = {c: row[c] for c in (*point_cols, "post_title") if row[c]}
            if key not in first:
                first[key] = row.number
                check = ErrorCollector()
                services.check_point(dict(given, code=row["code"]), check)
                for field, messages in check.by_field.items():
                    title = {
                        "post": "岗位",
                        "category": "风险类别",
                        "level": "风险等级",
                        "description": "风险点描述",
                    }.get(field, "风险点编号")
                    errors.extend(
                        RowError(row.number, title, "该编号第一次出现，" + message)
                        for message in messages
                    )
                self.points[key] = dict(given, code=row["code"], submission=sub)
            else:
                defined = self.points[key]
                if any(row[c] and row[c] != defined.get(c) for c in (*point_cols, "post_title")):
                    errors.append(
                        RowError(
                            row.number,
                            "风险点编号",
                            f"与第 {first[key]} 行同一编号的风险点内容不一致：同一编号的后续行"
                            "只填防控措施，风险点各列留空或与首行相同。",
                        )
                    )
        names = {s.pk: s.org.name for s in by_row.values()}
        for row in rows:
            sub = by_row.get(row.number)
            if sub is None:
                continue
            if not row["measure"]:
                if row["also"] or row["responsible"] or row["deadline"]:
                    errors.append(
                        RowError(row.number, "防控措施", "填了责任人或时限，请填写防控措施的内容。")
                    )
                continue
            if not row["responsible"]:
                errors.append(
                    RowError(row.number, "责任人", "请填写防控措施的责任人（或责任岗位）。")
                )
            codes = [row["code"]] + [c for c in _SPLIT.split(row["also"] or "") if c]
            for code in codes[1:]:
                if (sub.pk, code) in self.points:
                    continue
                others = owners.get((sub.review.year, code), set()) - {sub.pk}
                if others:
                    unit = "、".join(sorted(names[o] for o in others))
                    message = f"{code} 是{unit}的风险点：防控措施只能关联本单位的风险点。"
                else:
                    message = f"本单位在文件中没有编号为 {code} 的风险点。"
                errors.append(RowError(row.number, "同时防控的风险点", message))
            self.measures.append(
                (
                    sub.pk,
                    {
                        "description": row["measure"],
                        "responsible": row["responsible"] or "",
                        "deadline": row["deadline"],
                    },
                    list(dict.fromkeys(codes)),
                )
            )
        self.registers = {s.pk: s for s in by_row.values()}
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        sub_ids = sorted(self.registers)
        # The file replaces these registers' points and measures.
        Measure.objects.filter(submission_id__in=sub_ids).delete()
        RiskPoint.objects.filter(submission_id__in=sub_ids).delete()
        points = [
            RiskPoint(
                submission_id=v["submission"].pk,
                code=v["code"],
                post=v["post"],
                post_title=v.get("post_title", ""),
                category=v["category"],
                level=v["level"],
                description=v["description"],
            )
            for v in self.points.values()
        ]
        RiskPoint.objects.bulk_create(points, batch_size=self.batch_size)
        if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover
            points = list(RiskPoint.objects.filter(submission_id__in=sub_ids))
        point_ids = {(p.submission_id, p.code): p.pk for p in points}
        measures = [Measure(submission_id=s, **v) for s, v, _codes in self.measures]
        Measure.objects.bulk_create(measures, batch_size=self.batch_size)
        links = [
            (m.pk, point_ids[(s, code)])
            for m, (s, _v, codes) in zip(measures, self.measures, strict=True)
            for code in codes
        ]
        _insert_links(links)
        return len(points) + len(measures)


class InstitutionImporter(Importer):
    name = "integrity-institutions"
    label = gettext_lazy("廉政制度")
    description = gettext_lazy(
        "每行一项本年度新建或修订的制度。导入会替换该单位本年度已填报的制度。"
    )
    model = Institution
    sheet_title = "廉政制度"
    columns = [
        YEAR,
        UNIT,
        Column(
            "name",
            gettext_lazy("制度名称"),
            required=True,
            parser=excel.text(100),
            width=36,
            example="机关财务管理办法",
        ),
        Column(
            "kind",
            gettext_lazy("类型"),
            required=True,
            parser=excel.choice(InstitutionKind.choices),
            example=str(InstitutionKind.REVISED.label),
        ),
        Column(
            "issued_on",
            gettext_lazy("印发日期"),
            required=True,
            parser=excel.date(),
            example="2025-03-15",
        ),
        Column(
            "document_number",
            gettext_lazy("文号"),
            parser=excel.text(64),
            width=20,
            text_format=True,
            example="甲局党发〔2025〕3号",
        ),
    ]

    def __init__(self) -> None:
        self.planned: list[Institution] = []
        self.registers: set[int] = set()

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        by_row = _registers(user, rows, errors)
        for row in rows:
            sub = by_row.get(row.number)
            if sub is None:
                continue
            self.registers.add(sub.pk)
            self.planned.append(
                Institution(
                    submission_id=sub.pk,
                    name=row["name"],
                    kind=row["kind"],
                    issued_on=row["issued_on"],
                    document_number=row["document_number"] or "",
                )
            )
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        Institution.objects.filter(submission_id__in=sorted(self.registers)).delete()
        Institution.objects.bulk_create(self.planned, batch_size=self.batch_size)
        return len(self.planned)


importers.register(RiskRegisterImporter.name, RiskRegisterImporter)
importers.register(InstitutionImporter.name, InstitutionImporter)
