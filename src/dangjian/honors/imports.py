"""Honors recorded in bulk from an xlsx (e.g. the 市 and 省 honors a year brought), and the
honors export. All rows or none: orgs and members are read once for the whole file, each
row checked with the service's own rules, then inserted in one transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from dangjian.core import excel, services
from dangjian.core.excel import Column, Importer, Row, RowError, chunks
from dangjian.core.excel.exporter import ExportColumn, Exporter
from dangjian.core.imports import importers
from dangjian.core.scoping import scope_paths
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization

from . import services as honor_services
from . import titles
from .models import Honor, HonorLevel

ADD_PERM = "honors.add_honor"
FIELD_TITLES = {
    "title": "称号",
    "member": "姓名",
    "org": "党组织",
    "level": "级别",
    "year": "年度",
    "issuer": "表彰机关",
    "decided_on": "决定日期",
}


def _title(value: Any) -> str:
    text = str(value).strip()
    found = titles.by_name().get(text) or titles.get(text)
    if found is None:
        names = "、".join(t.name for t in titles.all_titles().values())
        raise ValueError(f"称号应为以下之一：{names}。")
    return found.code


def _year(value: Any) -> int:
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    from dangjian.core.bounds import parse_int

    year = parse_int(text.strip(), honor_services.YEAR_MIN, honor_services.YEAR_MAX)
    if year is None:
        raise ValueError(
            f"年度须为 {honor_services.YEAR_MIN} 至 {honor_services.YEAR_MAX} 之间的整数。"
        )
    return year


class HonorImporter(Importer):
    name = "honors"
    label = gettext_lazy("表彰")
    description = gettext_lazy(
        "录入上级或本级作出的表彰：每行一项。表彰党员时填姓名和其所在党组织；"
        "表彰党组织时姓名留空、党组织填获表彰的组织。"
    )
    model = Honor
    sheet_title = "表彰"
    columns = [
        Column(
            "title",
            gettext_lazy("称号"),
            required=True,
            parser=_title,
            width=18,
            example="优秀共产党员",
        ),
        Column(
            "level",
            gettext_lazy("级别"),
            required=True,
            parser=excel.choice(HonorLevel.choices),
            example=str(HonorLevel.CITY.label),
        ),
        Column("name", gettext_lazy("姓名"), parser=excel.text(32), example="张伟"),
        Column(
            "org",
            gettext_lazy("党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            aliases=("组织编码",),
            help=gettext_lazy("党员所在党组织，或获表彰党组织的名称或组织编码。"),
            example="甲局第一党支部",
        ),
        Column("year", gettext_lazy("年度"), required=True, parser=_year, example=2024),
        Column(
            "issuer",
            gettext_lazy("表彰机关"),
            required=True,
            parser=excel.text(64),
            width=20,
            example="中共某市委",
        ),
        Column("decided_on", gettext_lazy("决定日期"), required=True, parser=excel.date()),
        Column("document_number", gettext_lazy("决定文号"), parser=excel.text(64), width=18),
        Column("note", gettext_lazy("说明"), parser=excel.text(300), width=24),
    ]

    def __init__(self) -> None:
        self.planned: list[Honor] = []

    def _recorders(self, user: Any, orgs: list[Organization]) -> dict[int, Organization]:
        """{org id: the highest org at or above it where the user records honors} (one query)."""
        paths = scope_paths(user, ADD_PERM)
        wanted: dict[int, str] = {}
        for org in orgs:
            above = [p for p in paths if org.path.startswith(p)]
            if above:
                wanted[org.pk] = min(above, key=len)
        by_path = {
            o.path: o
            for o in Organization.objects.filter(path__in=sorted(set(wanted.values()))).only(
                "id", "path", "name"
            )
        }
        return {pk: by_path[p] for pk, p in wanted.items() if p in by_path}

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        refs = orgs_by_reference(
            Organization.objects.holding(user, ADD_PERM), [r["org"] for r in rows]
        )
        found_orgs = {o.pk: o for found in refs.values() for o in found}
        recorders = self._recorders(user, list(found_orgs.values()))
        by_name: dict[tuple[int, str], list[Member]] = defaultdict(list)
        for chunk in chunks(sorted(found_orgs)):
            for member in Member.objects.filter(
                org_id__in=chunk, membership=MembershipState.NORMAL
            ).only("id", "name", "org_id"):
                by_name[(member.org_id, member.name)].append(member)
        for row in rows:
            found = refs.get(row["org"], [])
            if len(found) != 1:
                message = (
                    "找不到该党组织，或不在您可以录入表彰的范围内。"
                    if not found
                    else "有多个同名党组织，请改填组织编码。"
                )
                errors.append(RowError(row.number, "党组织", message))
                continue
            org = found[0]
            kind = titles.get(row["title"])
            member = None
            if kind is not None and kind.for_member:
                if not row["name"]:
                    errors.append(
                        RowError(row.number, "姓名", f"“{kind.name}”表彰党员，请填写姓名。")
                    )
                    continue
                candidates = by_name.get((org.pk, row["name"]), [])
                if len(candidates) != 1:
                    message = (
                        f"{org.name}有多名党员叫“{row['name']}”，请在系统中逐条录入。"
                        if candidates
                        else f"{org.name}的在册党员中找不到“{row['name']}”。"
                    )
                    errors.append(RowError(row.number, "姓名", message))
                    continue
                member = candidates[0]
            elif row["name"]:
                errors.append(RowError(row.number, "姓名", "表彰党组织时姓名留空。"))
                continue
            honor = Honor(
                title=row["title"],
                level=row["level"],
                member=member,
                org=org,
                year=row["year"],
                issuer=row["issuer"],
                decided_on=row["decided_on"],
                document_number=row["document_number"] or "",
                note=row["note"] or "",
                recorded_by_org=recorders.get(org.pk),
            )
            check = services.ErrorCollector()
            honor_services.check_honor(honor, check)
            errors.extend(
                RowError(row.number, FIELD_TITLES.get(field, ""), message)
                for field, messages in check.by_field.items()
                for message in messages
            )
            self.planned.append(honor)
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        with transaction.atomic():
            Honor.objects.bulk_create(self.planned, batch_size=self.batch_size)
        return len(self.planned)


importers.register(HonorImporter.name, HonorImporter)


class HonorExporter(Exporter):
    label = gettext_lazy("表彰")
    columns = [
        ExportColumn(gettext_lazy("获表彰对象"), "recipient_name", 18),
        ExportColumn(gettext_lazy("称号"), "title_name", 18),
        ExportColumn(gettext_lazy("级别"), "get_level_display", 8),
        ExportColumn(gettext_lazy("党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("年度"), "year", 8),
        ExportColumn(gettext_lazy("表彰机关"), "issuer", 20),
        ExportColumn(gettext_lazy("决定日期"), "decided_on", 12),
        ExportColumn(gettext_lazy("决定文号"), "document_number", 18),
        ExportColumn(gettext_lazy("说明"), "note", 24),
    ]
