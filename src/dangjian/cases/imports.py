"""xlsx imports of cases (with an optional external award per row) and brands, all or
nothing (core.excel.Importer): orgs resolved once per name inside the importer's add scope,
then each row through the same service as the form, inside the importer's one transaction
— any refused row refuses the whole file, with its row number and column."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.bounds import is_digits
from dangjian.core.excel import Column, Importer, Row, RowError
from dangjian.core.imports import importers
from dangjian.core.services import OutOfScope
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization, OrgKind

from . import services
from .models import AwardLevel, Brand, BrandLevel, Case, CaseStatus, CaseType


def year(value: Any) -> int:
    """A year typed as a number or text (2024, 2024年)."""
    text = excel.text(8)(value).removesuffix("年").strip()
    if not (len(text) == 4 and is_digits(text)):
        raise ValueError(f"「{text}」不是年份，请填写四位数字，例如 2024。")
    return int(text)


def _org_errors(found: list[Organization], ref: str, row: Row, column: str) -> RowError | None:
    if len(found) == 1:
        return None
    text = (
        f"有 {len(found)} 个党组织名为「{ref}」，请改填组织编码。"
        if found
        else f"未找到党组织「{ref}」，或该组织不在您的管辖范围内：请填写系统中已有的单位党组织或支部名称。"
    )
    return RowError(row.number, column, text)


def _service_errors(exc: ValidationError, row: Row, titles: dict[str, str]) -> list[RowError]:
    if not hasattr(exc, "error_dict"):
        return [RowError(row.number, "", m) for m in exc.messages]
    return [
        RowError(row.number, titles.get(name, ""), m)
        for name, messages in exc.message_dict.items()
        for m in messages
    ]


class CaseImporter(Importer):
    name = "cases"
    label = gettext_lazy("创新案例")
    description = gettext_lazy(
        "批量登记本单位的创新案例、研究课题及其外部获奖（有一行不符合要求则整个文件都不导入）。"
    )
    model = Case
    columns = [
        Column(
            "org",
            gettext_lazy("报送党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            aliases=("党组织", "单位"),
            help=gettext_lazy("本单位机关党组织或其下支部的名称或组织编码。"),
            example="甲局机关党委",
        ),
        Column("year", gettext_lazy("年度"), required=True, parser=year, width=8, example="2024"),
        Column(
            "case_type",
            gettext_lazy("类型"),
            parser=excel.choice(CaseType.choices),
            width=10,
            help=gettext_lazy("创新案例或研究课题；不填为创新案例。"),
            example="创新案例",
        ),
        Column("title", gettext_lazy("标题"), required=True, parser=excel.text(120), width=36),
        Column(
            "summary",
            gettext_lazy("内容摘要"),
            required=True,
            parser=excel.text(4000),
            width=60,
            aliases=("摘要",),
        ),
        Column(
            "status",
            gettext_lazy("状态"),
            parser=excel.choice(CaseStatus.choices),
            width=8,
            help=gettext_lazy("草稿或已提交；不填为已提交。"),
            example="已提交",
        ),
        Column(
            "award_level",
            gettext_lazy("获奖层级"),
            parser=excel.choice(AwardLevel.choices),
            width=14,
            help=gettext_lazy("有外部获奖时填写：市直机关工委、市级、省直机关工委、省级或全国。"),
            example="省直机关工委",
        ),
        Column("award", gettext_lazy("奖项"), parser=excel.text(60), width=14, example="优秀案例"),
        Column("awarding_body", gettext_lazy("授予单位"), parser=excel.text(100), width=20),
        Column("award_year", gettext_lazy("获奖年度"), parser=year, width=8),
        Column("document_number", gettext_lazy("文号"), parser=excel.text(60), width=18),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        col = {c.key: str(c.title) for c in self.columns}
        titles = {
            "org": col["org"],
            "year": col["year"],
            "case_type": col["case_type"],
            "title": col["title"],
            "summary": col["summary"],
            "status": col["status"],
        }
        award_titles = {
            "level": col["award_level"],
            "award": col["award"],
            "year": col["award_year"],
            "case": col["title"],
        }
        scope = Organization.objects.holding(user, "cases.add_case").exclude(kind=OrgKind.COMMITTEE)
        orgs = orgs_by_reference(scope, {r["org"] for r in rows})
        errors: list[RowError] = []
        seen: dict[tuple, int] = {}
        for row in rows:
            found = orgs.get(row["org"], [])
            problem = _org_errors(found, row["org"], row, col["org"])
            if problem:
                errors.append(problem)
            key = (row["org"], row["year"], row["title"])
            if key in seen:
                errors.append(RowError(row.number, col["title"], f"与第 {seen[key]} 行重复。"))
            seen.setdefault(key, row.number)
            has_award = any(row[k] for k in ("award_level", "award", "award_year"))
            if has_award and not (row["award_level"] and row["award"]):
                errors.append(
                    RowError(row.number, col["award_level"], "登记获奖须同时填写获奖层级和奖项。")
                )
        if errors:
            return errors
        self._created = 0
        for row in rows:
            fields = {
                "org": orgs[row["org"]][0],
                "year": row["year"],
                "case_type": row["case_type"] or CaseType.INNOVATION,
                "title": row["title"],
                "summary": row["summary"],
            }
            try:
                case = services.save_case(user, None, **fields)
                if (row["status"] or CaseStatus.SUBMITTED) == CaseStatus.SUBMITTED:
                    services.submit_case(user, case)
            except OutOfScope:
                errors.append(RowError(row.number, col["org"], "该党组织不在您的管辖范围内。"))
                continue
            except ValidationError as exc:
                errors.extend(_service_errors(exc, row, titles))
                continue
            if row["award_level"]:
                try:
                    services.save_award(
                        user,
                        case,
                        level=row["award_level"],
                        award=row["award"],
                        awarding_body=row["awarding_body"] or "",
                        year=row["award_year"] or row["year"],
                        document_number=row["document_number"] or "",
                    )
                except ValidationError as exc:
                    errors.extend(_service_errors(exc, row, award_titles))
                    continue
            self._created += 1
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        return getattr(self, "_created", 0)


class BrandImporter(Importer):
    name = "brands"
    label = gettext_lazy("党建品牌")
    description = gettext_lazy(
        "批量登记 1+N 党建品牌：单位品牌挂在机关党组织上，支部品牌挂在其下支部上"
        "（同一文件中单位品牌先于支部品牌写入；有一行不符合要求则整个文件都不导入）。"
    )
    model = Brand
    columns = [
        Column(
            "org",
            gettext_lazy("所属党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            aliases=("党组织",),
            help=gettext_lazy("单位品牌填机关党组织，支部品牌填支部（名称或组织编码）。"),
            example="甲局机关党委",
        ),
        Column(
            "level",
            gettext_lazy("层级"),
            required=True,
            parser=excel.choice(BrandLevel.choices),
            width=10,
            help=gettext_lazy("单位品牌或支部品牌。"),
            example="单位品牌",
        ),
        Column("name", gettext_lazy("品牌名称"), required=True, parser=excel.text(60), width=20),
        Column(
            "established_year",
            gettext_lazy("创建年度"),
            required=True,
            parser=year,
            width=8,
            example="2021",
        ),
        Column("description", gettext_lazy("品牌内涵"), parser=excel.text(2000), width=60),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        col = {c.key: str(c.title) for c in self.columns}
        titles = {k: col[k] for k in ("org", "name", "established_year", "description")}
        scope = Organization.objects.holding(user, "cases.add_brand").filter(
            kind__in=services.BRAND_KINDS
        )
        orgs = orgs_by_reference(scope, {r["org"] for r in rows})
        errors: list[RowError] = []
        for row in rows:
            found = orgs.get(row["org"], [])
            problem = _org_errors(found, row["org"], row, col["org"])
            if problem:
                errors.append(problem)
                continue
            is_unit = found[0].kind == OrgKind.UNIT_PARTY
            if is_unit != (row["level"] == BrandLevel.UNIT):
                errors.append(
                    RowError(
                        row.number,
                        col["level"],
                        f"「{found[0].name}」应登记为{'单位品牌' if is_unit else '支部品牌'}："
                        "单位品牌属于机关党组织，支部品牌属于其下的党组织。",
                    )
                )
        if errors:
            return errors
        self._created = 0
        # The "1" before the "N": a branch brand hangs under its unit's brand.
        ordered = sorted(rows, key=lambda r: (r["level"] != BrandLevel.UNIT, r.number))
        for row in ordered:
            fields = {
                "org": orgs[row["org"]][0],
                "name": row["name"],
                "description": row["description"] or "",
                "established_year": row["established_year"],
            }
            try:
                services.save_brand(user, None, **fields)
            except OutOfScope:
                errors.append(RowError(row.number, col["org"], "该党组织不在您的管辖范围内。"))
            except ValidationError as exc:
                errors.extend(_service_errors(exc, row, titles))
            else:
                self._created += 1
        return sorted(errors, key=lambda e: e.row)

    def write(self, user: Any, rows: list[Row]) -> int:
        return getattr(self, "_created", 0)


importers.register(CaseImporter.name, CaseImporter)
importers.register(BrandImporter.name, BrandImporter)
