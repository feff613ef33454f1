"""xlsx imports, all or nothing (core.excel.Importer): 双报到 registrations and task force
members. References (orgs, members, communities, task forces) are resolved set-based
inside the importer's scope first; each row then goes through the same service as the
form, in the framework's one transaction, so any refused row refuses the whole file."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.excel import Column, Importer, Row, RowError, chunks
from dangjian.core.imports import importers
from dangjian.core.scoping import holds
from dangjian.core.services import OutOfScope
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization

from . import services
from .models import (
    REGISTRABLE_KINDS,
    Community,
    CommunityRegistration,
    TaskForce,
    TaskForceMember,
    TaskForceRole,
)


def _members_by_name(user: Any, names: set[str]) -> dict[str, list[Member]]:
    found: dict[str, list[Member]] = defaultdict(list)
    for chunk in chunks(sorted(names)):
        for m in (
            Member.objects.restrict(user, "view")
            .filter(name__in=chunk, membership=MembershipState.NORMAL)
            .select_related("org")
            .only("id", "name", "org__id", "org__path", "org__name")
        ):
            found[m.name].append(m)
    return found


def _one_member(
    found: dict[str, list[Member]], name: str, path: str, where: str
) -> tuple[Member | None, str]:
    here = [m for m in found.get(name, []) if m.org.path.startswith(path)]
    if len(here) == 1:
        return here[0], ""
    if here:
        return None, f"{where}有 {len(here)} 名党员名为「{name}」，请改在页面上逐个登记。"
    return None, f"{where}没有名为「{name}」的在册党员，或其不在您的管辖范围内。"


def _service_errors(row: Row, exc: ValidationError, col: dict[str, str]) -> list[RowError]:
    return [
        RowError(row.number, col.get(name, ""), m)
        for name, ms in exc.message_dict.items()
        for m in ms
    ]


class RegistrationImporter(Importer):
    name = "volunteers_registrations"
    label = gettext_lazy("双报到登记")
    description = gettext_lazy(
        "批量登记党组织或党员到社区报到（有一行不符合要求则整个文件都不导入）。"
    )
    model = CommunityRegistration
    columns = [
        Column(
            "org",
            gettext_lazy("党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            help=gettext_lazy("报到的党组织（或党员所在党组织）的名称或组织编码。"),
            example="甲局第一党支部",
        ),
        Column(
            "member",
            gettext_lazy("党员姓名"),
            parser=excel.text(32),
            width=10,
            help=gettext_lazy("党员到居住地社区报到时填写；党组织报到时留空。"),
            example="张三",
        ),
        Column(
            "community",
            gettext_lazy("社区"),
            required=True,
            parser=excel.text(64),
            width=20,
            help=gettext_lazy("系统中已登记的社区名称。"),
            example="东湖社区",
        ),
        Column(
            "starts_on",
            gettext_lazy("报到日期"),
            required=True,
            parser=excel.date(),
            width=12,
            example="2024-03-01",
        ),
        Column(
            "ends_on",
            gettext_lazy("结束日期"),
            parser=excel.date(not_future=False),
            width=12,
            help=gettext_lazy("仍在报到时留空。"),
        ),
        Column("note", gettext_lazy("说明"), parser=excel.text(200), width=20),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "volunteers.add_communityregistration"):
            return [RowError(0, "", "您没有登记双报到的权限。")]
        col = {c.key: str(c.title) for c in self.columns}
        orgs = orgs_by_reference(
            Organization.objects.holding(user, "volunteers.add_communityregistration"),
            {r["org"] for r in rows},
        )
        communities: dict[str, list[Community]] = defaultdict(list)
        for chunk in chunks(sorted({r["community"] for r in rows})):
            for c in Community.objects.restrict(user, "view").filter(name__in=chunk):
                communities[c.name].append(c)
        members = _members_by_name(user, {r["member"] for r in rows if r["member"]})
        errors: list[RowError] = []
        prepared = []
        for row in rows:
            found = orgs.get(row["org"], [])
            if len(found) != 1:
                text = (
                    f"有 {len(found)} 个党组织名为「{row['org']}」，请改填组织编码。"
                    if found
                    else f"未找到党组织「{row['org']}」，或该组织不在您的管辖范围内。"
                )
                errors.append(RowError(row.number, col["org"], text))
                continue
            org = found[0]
            comm = communities.get(row["community"], [])
            if len(comm) != 1:
                errors.append(
                    RowError(
                        row.number,
                        col["community"],
                        f"未找到社区「{row['community']}」，请先由工委登记该社区。"
                        if not comm
                        else f"有 {len(comm)} 个社区名为「{row['community']}」，请改在页面上登记。",
                    )
                )
                continue
            member = None
            if row["member"]:
                member, text = _one_member(members, row["member"], org.path, org.name)
                if member is None:
                    errors.append(RowError(row.number, col["member"], text))
                    continue
            elif org.kind not in REGISTRABLE_KINDS:
                errors.append(
                    RowError(
                        row.number, col["org"], "只有机关党组织、党委、党总支或党支部可以报到。"
                    )
                )
                continue
            fields = {
                "org": org,
                "member": member,
                "community": comm[0],
                "starts_on": row["starts_on"],
                "ends_on": row["ends_on"],
                "note": row["note"] or "",
            }
            prepared.append((row, fields))
        if errors:
            return errors
        self._created = 0
        for row, fields in prepared:
            try:
                services.save_registration(user, CommunityRegistration(), **fields)
            except OutOfScope:
                errors.append(RowError(row.number, col["org"], "该党组织不在您的管辖范围内。"))
            except ValidationError as exc:
                errors.extend(_service_errors(row, exc, col))
            else:
                self._created += 1
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        return getattr(self, "_created", 0)


class TaskForceMemberImporter(Importer):
    name = "volunteers_task_force_members"
    label = gettext_lazy("突击队队员")
    description = gettext_lazy(
        "批量把党员加入已建立的党员突击队或攻关组（有一行不符合要求则整个文件都不导入）。"
    )
    model = TaskForceMember
    columns = [
        Column(
            "task_force",
            gettext_lazy("突击队名称"),
            required=True,
            parser=excel.text(64),
            width=24,
            help=gettext_lazy("已在系统中建立的党员突击队（攻关组）名称。"),
            example="重点项目攻坚党员突击队",
        ),
        Column(
            "member",
            gettext_lazy("党员姓名"),
            required=True,
            parser=excel.text(32),
            width=10,
            example="张三",
        ),
        Column(
            "role",
            gettext_lazy("职责"),
            parser=excel.choice(TaskForceRole.choices),
            width=10,
            help=gettext_lazy("队长、副队长或队员；留空为队员。"),
            example="队员",
        ),
        Column(
            "joined_on",
            gettext_lazy("加入日期"),
            required=True,
            parser=excel.date(),
            width=12,
            example="2024-03-01",
        ),
        Column("left_on", gettext_lazy("退出日期"), parser=excel.date(not_future=False), width=12),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "volunteers.add_taskforcemember"):
            return [RowError(0, "", "您没有添加突击队队员的权限。")]
        col = {c.key: str(c.title) for c in self.columns}
        forces: dict[str, list[TaskForce]] = defaultdict(list)
        for chunk in chunks(sorted({r["task_force"] for r in rows})):
            for tf in (
                TaskForce.objects.restrict(user, "change")
                .filter(name__in=chunk)
                .select_related("org")
            ):
                forces[tf.name].append(tf)
        members = _members_by_name(user, {r["member"] for r in rows})
        errors: list[RowError] = []
        prepared = []
        for row in rows:
            found = forces.get(row["task_force"], [])
            if len(found) != 1:
                errors.append(
                    RowError(
                        row.number,
                        col["task_force"],
                        f"未找到突击队「{row['task_force']}」，或其不在您的管辖范围内。"
                        if not found
                        else f"有 {len(found)} 支突击队名为「{row['task_force']}」，请改在页面上添加。",
                    )
                )
                continue
            tf = found[0]
            member, text = _one_member(members, row["member"], tf.org.path, tf.org.name)
            if member is None:
                errors.append(RowError(row.number, col["member"], text))
                continue
            fields = {
                "member": member,
                "role": row["role"] or TaskForceRole.MEMBER,
                "joined_on": row["joined_on"],
                "left_on": row["left_on"],
            }
            prepared.append((row, tf, fields))
        if errors:
            return errors
        self._created = 0
        for row, tf, fields in prepared:
            try:
                services.save_task_force_member(user, TaskForceMember(task_force=tf), **fields)
            except OutOfScope:
                errors.append(
                    RowError(row.number, col["task_force"], "该突击队不在您的管辖范围内。")
                )
            except ValidationError as exc:
                errors.extend(_service_errors(row, exc, col))
            else:
                self._created += 1
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        return getattr(self, "_created", 0)


importers.register(RegistrationImporter.name, RegistrationImporter)
importers.register(TaskForceMemberImporter.name, TaskForceMemberImporter)
