"""The yearly base (核定) from an xlsx derived from payroll: all rows or none.

One row per member and starting month: name (and the ID number when two members of the org
share it), org, year, starting month, category, monthly after-tax pay (or the fixed amount
of a 农民 member). A row for a member, year and month already recorded replaces that base (a
corrected file can be imported again). Validation is set-based: orgs and members are read
once for the whole file; then new bases are bulk-inserted, changed ones bulk-updated, and the
unpaid dues of those members from each one's month recomputed, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.bounds import parse_int
from dangjian.core.excel import Column, Importer, Row, RowError, chunks
from dangjian.core.imports import importers
from dangjian.core.services import ErrorCollector
from dangjian.members import identifiers
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization

from . import ledger, services
from .models import DuesBase, DuesCategory

ADD_PERM = "dues.add_duesbase"
FIELD_TITLES = {
    "year": "年度",
    "from_month": "起始月份",
    "category": "交纳类别",
    "base": "月工资基数",
    "fixed_amount": "定额",
    "reviewed_on": "核定日期",
}


def _integer(low: int, high: int, what: str) -> excel.Parser:
    def parse(value: Any) -> int:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        number = parse_int(text, low, high)
        if number is None:
            raise ValueError(f"{what}须为 {low} 至 {high} 之间的整数。")
        return number

    return parse


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError("须为金额（元），例如 4500 或 4500.50。") from None
    if not amount.is_finite():
        raise ValueError("须为金额（元），例如 4500 或 4500.50。")
    return amount


class DuesBaseImporter(Importer):
    name = "dues-bases"
    label = gettext_lazy("党费基数")
    description = gettext_lazy(
        "每年初按工资表核定党费基数：每行一名党员，填税后月工资（离退休党员填离退休费）。"
        "年内工资变动时，从领取新工资的月份起另填一行。"
    )
    model = DuesBase
    sheet_title = "党费基数"
    columns = [
        Column("name", gettext_lazy("姓名"), required=True, parser=excel.text(32), example="张伟"),
        Column(
            "org",
            gettext_lazy("党组织"),
            required=True,
            parser=excel.text(128),
            width=22,
            aliases=("所在党组织", "组织编码"),
            help=gettext_lazy("党员所在党组织的名称或组织编码。"),
            example="甲局第一党支部",
        ),
        Column(
            "id_number",
            gettext_lazy("身份证号"),
            parser=excel.id_number,
            width=22,
            text_format=True,
            help=gettext_lazy("同一党组织有同名党员时填写。"),
        ),
        Column(
            "year",
            gettext_lazy("年度"),
            required=True,
            parser=_integer(2008, 2100, "年度"),
            example=2025,
        ),
        Column(
            "from_month",
            gettext_lazy("起始月份"),
            parser=_integer(1, 12, "起始月份"),
            help=gettext_lazy("不填为 1 月；年内工资变动时填领取新工资的月份。"),
            example=1,
        ),
        Column(
            "category",
            gettext_lazy("交纳类别"),
            required=True,
            parser=excel.choice(DuesCategory.choices),
            width=22,
            example=str(DuesCategory.IN_SERVICE.label),
        ),
        Column(
            "base",
            gettext_lazy("月工资基数"),
            parser=_money,
            help=gettext_lazy("税后月工资收入（元）；学生、下岗失业、低保、农民党员不填。"),
            example=4500,
        ),
        Column(
            "fixed_amount",
            gettext_lazy("定额"),
            parser=_money,
            help=gettext_lazy("农民党员每月交纳的定额（0.2 至 1 元）。"),
        ),
        Column("reviewed_on", gettext_lazy("核定日期"), parser=excel.date()),
    ]

    def __init__(self) -> None:
        self.planned: list[tuple[Member, dict[str, Any]]] = []
        self.revealed: list[Member] = []

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        refs = orgs_by_reference(
            Organization.objects.holding(user, ADD_PERM), [r["org"] for r in rows]
        )
        org_ids = {o.pk for found in refs.values() for o in found}
        by_name: dict[tuple[int, str], list[Member]] = defaultdict(list)
        ids = sorted(org_ids)
        for chunk in chunks(ids):
            for member in (
                Member.objects.filter(org_id__in=chunk, membership=MembershipState.NORMAL)
                .select_related("org")
                .only("id", "name", "org_id", "org__path", "id_number_blind", "joined_on")
            ):
                by_name[(member.org_id, member.name)].append(member)
        seen: dict[tuple[int, int, int], int] = {}
        for row in rows:
            found = refs.get(row["org"], [])
            if len(found) != 1:
                message = (
                    "找不到该党组织，或不在您可以核定党费的范围内。"
                    if not found
                    else "有多个同名党组织，请改填组织编码。"
                )
                errors.append(RowError(row.number, "党组织", message))
                continue
            candidates = by_name.get((found[0].pk, row["name"]), [])
            member = None
            if row["id_number"]:
                member = identifiers.match_id_numbers(user, candidates, [row["id_number"]]).get(
                    row["id_number"]
                )
                if member is not None:
                    self.revealed.append(member)
            elif len(candidates) == 1:
                member = candidates[0]
            if member is None:
                message = (
                    f"{found[0].name}有多名党员叫“{row['name']}”，请填写身份证号以区分。"
                    if len(candidates) > 1 and not row["id_number"]
                    else f"{found[0].name}的在册党员中找不到“{row['name']}”（或身份证号不符）。"
                )
                errors.append(RowError(row.number, "姓名", message))
                continue
            values = {
                "year": row["year"],
                "from_month": row["from_month"] or 1,
                "category": row["category"],
                "base": row["base"],
                "fixed_amount": row["fixed_amount"],
                "reviewed_on": row["reviewed_on"],
            }
            check = ErrorCollector()
            services.check_base(values, check)
            errors.extend(
                RowError(row.number, FIELD_TITLES.get(field, ""), message)
                for field, messages in check.by_field.items()
                for message in messages
            )
            key = (member.pk, values["year"], values["from_month"])
            if key in seen:
                errors.append(
                    RowError(
                        row.number,
                        "起始月份",
                        f"与第 {seen[key]} 行重复：同一党员同一起始月份只能有一行。",
                    )
                )
            seen[key] = row.number
            self.planned.append((member, values))
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        today = services.today()
        existing: dict[tuple[int, int, int], DuesBase] = {}
        member_ids = sorted({m.pk for m, _ in self.planned})
        for chunk in chunks(member_ids):
            for base in DuesBase.objects.filter(member_id__in=chunk):
                existing[(base.member_id, base.year, base.from_month)] = base
        new, changed = [], []
        starts: dict[int, dt.date] = {}
        reviewer = user if getattr(user, "pk", None) else None
        for member, v in self.planned:
            obj = existing.get((member.pk, v["year"], v["from_month"]))
            if obj is None:
                obj = DuesBase(member=member)
                new.append(obj)
            else:
                changed.append(obj)
            obj.year, obj.from_month, obj.category = v["year"], v["from_month"], v["category"]
            obj.base = None if v["base"] is None else v["base"].quantize(Decimal("0.01"))
            obj.fixed_amount = (
                None if v["fixed_amount"] is None else v["fixed_amount"].quantize(Decimal("0.01"))
            )
            obj.reviewed_on = v["reviewed_on"] or today
            obj.reviewed_by = reviewer
            start = dt.date(obj.year, obj.from_month, 1)
            starts[member.pk] = min(start, starts.get(member.pk, start))
        # A re-imported base replaces the row (deleted and inserted again: bulk_update's
        # CASE per column would be most of the time of a yearly file).
        for chunk in chunks([obj.pk for obj in changed]):
            DuesBase.objects.filter(pk__in=chunk).delete()
        for obj in changed:
            obj.pk = None
        DuesBase.objects.bulk_create([*new, *changed], batch_size=self.batch_size)
        by_start: dict[dt.date, list[int]] = defaultdict(list)
        for pk, start in starts.items():
            by_start[start].append(pk)
        for start, pks in by_start.items():
            ledger.refresh_unpaid(pks, start)
        if self.revealed:
            identifiers.audit_lookup(self.revealed, "id_number", "dues-import")
        return len(new) + len(changed)


importers.register(DuesBaseImporter.name, DuesBaseImporter)
