"""Enrolment (报名) in bulk from an xlsx, and the enrolment list as an xlsx.

The import names the class by its title (the user sees the classes they may enrol in) and
each member by name and org, read once for the whole file; then every row goes through
`services.enrol` per class, all inside the importer's one transaction: any refused row —
a class that has ended, no places left, a member outside the user's scope — writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.excel import Column, ExportColumn, Exporter, Importer, Row, RowError, chunks
from dangjian.core.imports import importers
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization

from . import services
from .models import Enrolment, TrainingClass


class EnrolmentImporter(Importer):
    name = "training-enrolments"
    label = gettext_lazy("培训班报名")
    description = gettext_lazy(
        "每行一名党员报名一个培训班：填写培训班名称、党员姓名和所在党组织。"
        "已结业、停止报名或名额不足的培训班不能报名；任何一行有误，整个文件都不导入。"
    )
    model = Enrolment
    sheet_title = "培训班报名"
    columns = [
        Column(
            "training_class",
            gettext_lazy("培训班"),
            required=True,
            parser=excel.text(128),
            width=30,
            example="2024年机关夜校声乐班",
        ),
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
        Column("enrolled_on", gettext_lazy("报名日期"), parser=excel.date()),
        Column("note", gettext_lazy("备注"), parser=excel.text(200)),
    ]

    def __init__(self) -> None:
        self.planned: dict[int, list[tuple[int, Row]]] = defaultdict(list)
        self.classes: dict[int, TrainingClass] = {}

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        titles = sorted({r["training_class"] for r in rows})
        by_title: dict[str, list[TrainingClass]] = defaultdict(list)
        for klass in TrainingClass.objects.restrict(user, "view").filter(title__in=titles):
            by_title[klass.title].append(klass)
        refs = orgs_by_reference(
            Organization.objects.holding(user, services.ENROL_PERM), [r["org"] for r in rows]
        )
        org_ids = sorted({o.pk for found in refs.values() for o in found})
        by_name: dict[tuple[int, str], list[int]] = defaultdict(list)
        for chunk in chunks(org_ids):
            for pk, org_id, name in Member.objects.filter(
                org_id__in=chunk, membership=MembershipState.NORMAL
            ).values_list("pk", "org_id", "name"):
                by_name[(org_id, name)].append(pk)
        for row in rows:
            classes = by_title.get(row["training_class"], [])
            if len(classes) != 1:
                message = (
                    "找不到该培训班，或不在您可以报名的范围内。"
                    if not classes
                    else "有多个同名培训班，请在培训班页面逐个报名。"
                )
                errors.append(RowError(row.number, "培训班", message))
                continue
            found = refs.get(row["org"], [])
            if len(found) != 1:
                message = (
                    "找不到该党组织，或不在您可以报名的范围内。"
                    if not found
                    else "有多个同名党组织，请改填组织编码。"
                )
                errors.append(RowError(row.number, "党组织", message))
                continue
            members = by_name.get((found[0].pk, row["name"]), [])
            if len(members) != 1:
                message = (
                    f"{found[0].name}的在册党员中找不到“{row['name']}”。"
                    if not members
                    else f"{found[0].name}有多名党员叫“{row['name']}”，请在培训班页面选择报名。"
                )
                errors.append(RowError(row.number, "姓名", message))
                continue
            klass = classes[0]
            self.classes[klass.pk] = klass
            self.planned[klass.pk].append((members[0], row))
        # The class-level checks (ended, closed, places, duplicates) are the service's: run
        # them now in a savepoint that is rolled back, so every row's problem is listed.
        if not errors:
            errors.extend(self._dry_run(user))
        return errors

    def _dry_run(self, user: Any) -> list[RowError]:
        from django.db import transaction

        errors: list[RowError] = []

        class _Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                for pk, planned in self.planned.items():
                    try:
                        self._enrol(user, pk, planned)
                    except ValidationError as exc:
                        first = planned[0][1].number
                        title = self.classes[pk].title
                        errors.extend(
                            RowError(first, "培训班", f"{title}：{m}") for m in exc.messages
                        )
                raise _Rollback
        except _Rollback:
            pass
        return errors

    def _enrol(self, user: Any, pk: int, planned: list[tuple[int, Row]]) -> int:
        day = min((r["enrolled_on"] for _m, r in planned if r["enrolled_on"]), default=None)
        note = next((r["note"] for _m, r in planned if r["note"]), "")
        rows = services.enrol(user, self.classes[pk], [m for m, _r in planned], day, note)
        return len(rows)

    def write(self, user: Any, rows: list[Row]) -> int:
        return sum(self._enrol(user, pk, planned) for pk, planned in self.planned.items())


class EnrolmentExporter(Exporter):
    label = gettext_lazy("培训班报名")
    columns = [
        ExportColumn(gettext_lazy("培训班"), "training_class.title", 30),
        ExportColumn(gettext_lazy("姓名"), "member.name", 12),
        ExportColumn(gettext_lazy("党组织"), "member.org.name", 24),
        ExportColumn(gettext_lazy("报名日期"), "enrolled_on", 12),
        ExportColumn(gettext_lazy("状态"), "get_status_display", 8),
        ExportColumn(gettext_lazy("出席课次"), "n_attended", 8),
        ExportColumn(gettext_lazy("学时"), "class_hours", 8),
        ExportColumn(gettext_lazy("备注"), "note", 20),
    ]


importers.register(EnrolmentImporter.name, EnrolmentImporter)
