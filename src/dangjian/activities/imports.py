"""Import a year of activities from the xlsx template (migration); export a filtered list.

One row per activity: org, kind, date, title, tags, agenda, and the people — 出席 / 请假 /
缺席 as names or ID numbers separated by 、. Validation is set-based: orgs, tags and
existing records are looked up once for the whole file, and every membership question is
answered from a `Roster` loaded in a few queries. Expected members not listed on a row of
a whole-org kind are recorded as 缺席 (免于参加 when exempt), as the record form does.
Then everything is bulk-inserted in one transaction — or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.crypto import mask_id_number
from dangjian.core.excel import Column, ExportColumn, Exporter, Importer, Row, RowError, chunks
from dangjian.core.imports import importers
from dangjian.core.scoping import holds
from dangjian.members import identifiers
from dangjian.members.validation import looks_like_id_number
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization, OrgKind

from . import attendance, kinds
from .models import (
    FULL_ATTENDANCE_KINDS,
    Activity,
    ActivityKind,
    AgendaItem,
    Participation,
    ParticipationStatus,
    ServiceType,
    Tag,
    TrainingType,
)
from .roster import Roster

PEOPLE_SEPARATORS = re.compile(r"[、，,；;\s]+")
AGENDA_SEPARATORS = re.compile(r"[；;\n]+")
S = ParticipationStatus


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    text = str(value).strip().replace("：", ":")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?", text)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return dt.time(int(m[1]), int(m[2]))
    raise ValueError(_("「%(v)s」不是有效时间，请写作 09:30。") % {"v": text})


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(_("学时应为数字，例如 2 或 1.5。")) from None
    if not hours.is_finite() or hours < 0 or hours > 24:
        raise ValueError(_("学时应在 0 至 24 之间。"))
    return hours.quantize(Decimal("0.1"))


def _list(separators: re.Pattern) -> excel.Parser:
    def parse(value: Any) -> list[str]:
        return [p.strip() for p in separators.split(str(value)) if p.strip()]

    return parse


@dataclass
class _Planned:
    activity: Activity
    people: list[tuple[Any, str]] = field(default_factory=list)  # (Member, status)
    agenda: list[AgendaItem] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    hours: Decimal | None = None


class ActivityImporter(Importer):
    name = "activities"
    label = gettext_lazy("组织生活")
    description = gettext_lazy(
        "迁移历史组织生活记录：每行一次活动，参加人员填姓名或身份证号，用“、”分隔。"
    )
    model = Activity
    columns = [
        Column(
            "org",
            gettext_lazy("党组织"),
            required=True,
            parser=excel.text(128),
            width=22,
            aliases=("组织编码", "所在党组织"),
            help=gettext_lazy("党组织名称或组织编码，须在您的管辖范围内。"),
            example="甲局第一党支部",
        ),
        Column(
            "kind",
            gettext_lazy("活动类型"),
            required=True,
            parser=excel.choice(ActivityKind.choices),
            width=16,
            example="支部党员大会",
        ),
        Column(
            "held_on",
            gettext_lazy("召开日期"),
            required=True,
            parser=excel.date(),
            width=12,
            help=gettext_lazy("不能晚于今天。"),
            example="2024-03-15",
        ),
        Column(
            "title",
            gettext_lazy("主题"),
            required=True,
            parser=excel.text(200),
            width=30,
            example="学习贯彻党纪学习教育部署",
        ),
        Column(
            "training_type",
            gettext_lazy("培训类型"),
            parser=excel.choice(TrainingType.choices),
            width=12,
            help=gettext_lazy("仅培训班填写。"),
        ),
        Column(
            "service_type",
            gettext_lazy("服务类型"),
            parser=excel.choice(ServiceType.choices),
            width=12,
            help=gettext_lazy("仅志愿服务填写。"),
        ),
        Column("starts_at", gettext_lazy("开始时间"), parser=_time, width=9, example="09:00"),
        Column(
            "place", gettext_lazy("地点"), parser=excel.text(128), width=14, example="三楼会议室"
        ),
        Column(
            "host",
            gettext_lazy("主持人"),
            parser=excel.text(32),
            width=10,
            help=gettext_lazy("姓名或身份证号。"),
            text_format=True,
        ),
        Column(
            "tags",
            gettext_lazy("标签"),
            parser=_list(PEOPLE_SEPARATORS),
            width=14,
            help=gettext_lazy("如：党纪学习教育；多个用“、”分隔。"),
            example="党纪学习教育",
        ),
        Column(
            "first_topic",
            gettext_lazy("第一议题"),
            parser=excel.text(200),
            width=24,
            example="传达学习习近平总书记重要讲话精神",
        ),
        Column(
            "agenda",
            gettext_lazy("其他议题"),
            parser=_list(AGENDA_SEPARATORS),
            width=24,
            help=gettext_lazy("多个议题用“；”分隔。"),
        ),
        Column(
            "attended",
            gettext_lazy("出席人员"),
            parser=_list(PEOPLE_SEPARATORS),
            width=30,
            text_format=True,
            help=gettext_lazy("姓名或身份证号，用“、”分隔；同名时填身份证号。"),
            example="张伟、李娜",
        ),
        Column(
            "leave",
            gettext_lazy("请假人员"),
            parser=_list(PEOPLE_SEPARATORS),
            width=14,
            text_format=True,
        ),
        Column(
            "absent",
            gettext_lazy("缺席人员"),
            parser=_list(PEOPLE_SEPARATORS),
            width=14,
            text_format=True,
            help=gettext_lazy("党员大会等全体活动中，名单上未列出的应到党员按缺席登记。"),
        ),
        Column(
            "hours",
            gettext_lazy("学时"),
            parser=_hours,
            width=6,
            help=gettext_lazy("出席人员每人学时，0–24。"),
        ),
        Column("minutes", gettext_lazy("会议记录"), parser=excel.text(20000), width=30),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "activities.add_activity"):
            return [RowError(0, "", _("您没有登记组织生活的权限。"))]
        col = {c.key: c.title for c in self.columns}
        errors: list[RowError] = []
        self._user = user
        self._revealed: list[Any] = []
        orgs = orgs_by_reference(
            Organization.objects.holding(user, "activities.add_activity"), {r["org"] for r in rows}
        )
        found = [o for lst in orgs.values() for o in lst]
        pools = {o.pk: kinds.attendee_pool(o) for o in found if o.kind != OrgKind.LEADING_GROUP}
        pools.update(
            self._leading_group_pools([o for o in found if o.kind == OrgKind.LEADING_GROUP])
        )
        roster = Roster(pools.values())
        roster.load_posts(o for o in found)
        with_group = self._with_leading_group(found)
        tags = self._tags(rows)
        existing = self._existing(rows, orgs)
        seen: dict[tuple, int] = {}
        self._planned: list[_Planned] = []

        for row in rows:
            row_errors: list[RowError] = []

            def fail(column: str, message: str, row=row, row_errors=row_errors) -> None:
                row_errors.append(RowError(row.number, col.get(column, ""), message))

            candidates = orgs.get(row["org"], [])
            if not candidates:
                fail(
                    "org",
                    _(
                        "未找到党组织「%(r)s」，或不在您的管辖范围内：请填写您管辖范围内党组织的名称或组织编码。"
                    )
                    % {"r": row["org"]},
                )
                errors.extend(row_errors)
                continue
            if len(candidates) > 1:
                fail(
                    "org",
                    _("有 %(n)s 个党组织名为「%(r)s」，请改填组织编码。")
                    % {"n": len(candidates), "r": row["org"]},
                )
                errors.extend(row_errors)
                continue
            org = candidates[0]
            pool = pools[org.pk]
            kind, day = row["kind"], row["held_on"]
            problem = kinds.kind_error(
                org,
                kind,
                day,
                full_members=roster.full_count(org, day) if org.kind == OrgKind.BRANCH else None,
                leading_group=org.pk in with_group,
            )
            if problem:
                fail("kind", problem)
            if row["training_type"] and kind != ActivityKind.TRAINING:
                fail("training_type", _("只有培训班需要填写培训类型。"))
            if row["service_type"] and kind != ActivityKind.VOLUNTEER:
                fail("service_type", _("只有志愿服务需要填写服务类型。"))
            key = (org.pk, kind, day, row["title"])
            if key in seen:
                fail(
                    "title",
                    _("与第 %(n)s 行是同一次活动（组织、类型、日期、主题相同）。")
                    % {"n": seen[key]},
                )
            elif key in existing:
                fail("title", _("该活动已登记过（组织、类型、日期、主题相同），请删除此行。"))
            seen.setdefault(key, row.number)

            row_tags = []
            for token in row["tags"] or []:
                tag = tags.get(token)
                if tag is None:
                    fail("tags", _("没有名为「%(t)s」的标签。") % {"t": token})
                else:
                    row_tags.append(tag)

            people = self._people(roster, pool, day, row, fail)
            host = None
            if row["host"]:
                matched = self._match(
                    roster.members_on(pool, day), [row["host"]], pool, fail, "host"
                )
                host = matched[0] if matched else None

            if row_errors:
                errors.extend(row_errors)
                continue
            listed = {m.pk for m, _s in people}
            if kind in FULL_ATTENDANCE_KINDS:
                for h in roster.expected(org, pool, kind == ActivityKind.COMMITTEE_MEETING, day):
                    if h.member.pk not in listed:
                        status = S.EXEMPT if h.exemption_on(day) else S.ABSENT
                        people.append((h.member, status))
                        listed.add(h.member.pk)
            committee = (
                roster.committee_ids(org, day) if kind == ActivityKind.COMMITTEE_MEETING else None
            )
            quorum = attendance.quorum(org, kind, day, people, committee)
            agenda = (
                [AgendaItem(order=1, title=row["first_topic"], is_first_topic=True)]
                if row["first_topic"]
                else []
            )
            agenda += [
                AgendaItem(order=len(agenda) + i, title=t[:200])
                for i, t in enumerate(row["agenda"] or [], start=1)
            ]
            activity = Activity(
                org=org,
                kind=kind,
                held_on=day,
                title=row["title"],
                training_type=row["training_type"] or "",
                service_type=row["service_type"] or "",
                starts_at=row["starts_at"],
                place=row["place"] or "",
                host=host,
                minutes=row["minutes"] or "",
                quorum_met=quorum.met if quorum else None,
                recorded_by=user if getattr(user, "pk", None) else None,
            )
            self._planned.append(
                _Planned(
                    activity,
                    people,
                    agenda,
                    list({t.pk: t for t in row_tags}.values()),
                    row["hours"],
                )
            )
        return errors

    # --- lookups, each once for the whole file -------------------------------------------
    @staticmethod
    def _leading_group_pools(groups: list[Organization]) -> dict[int, Organization]:
        """A 党组's attendees come from its unit-level parent: all parents in one query."""
        steplen = Organization.steplen
        parents = {o.path[:-steplen]: o for o in groups}
        found = {p.path: p for p in Organization.objects.filter(path__in=list(parents))}
        return {o.pk: found.get(o.path[:-steplen], o) for o in groups}

    @staticmethod
    def _with_leading_group(orgs: list[Organization]) -> set[int]:
        """Unit-level orgs of the file that have a 党组 node under them (one query)."""
        units = [o for o in orgs if o.kind == OrgKind.UNIT_PARTY]
        if not units:
            return set()
        below = Q()
        for u in units:
            below |= Q(path__startswith=u.path, depth=u.depth + 1)
        steplen = Organization.steplen
        parents = {
            path[:-steplen]
            for path in Organization.objects.filter(below, kind=OrgKind.LEADING_GROUP).values_list(
                "path", flat=True
            )
        }
        return {u.pk for u in units if u.path in parents}

    @staticmethod
    def _tags(rows: list[Row]) -> dict[str, Tag]:
        tokens = sorted({t for r in rows for t in (r["tags"] or [])})
        if not tokens:
            return {}
        found = Tag.objects.filter(Q(code__in=tokens) | Q(name__in=tokens))
        return {key: t for t in found for key in (t.code, t.name)}

    @staticmethod
    def _existing(rows: list[Row], orgs: dict[str, list[Organization]]) -> set[tuple]:
        org_ids = sorted({o.pk for lst in orgs.values() for o in lst})
        days = [r["held_on"] for r in rows]
        if not org_ids or not days:
            return set()
        found: set[tuple] = set()
        for chunk in chunks(org_ids):
            found.update(
                Activity.objects.filter(
                    org_id__in=chunk, held_on__range=(min(days), max(days))
                ).values_list("org_id", "kind", "held_on", "title")
            )
        return found

    # --- people --------------------------------------------------------------------
    def _people(
        self, roster: Roster, pool: Organization, day: dt.date, row: Row, fail
    ) -> list[tuple[Any, str]]:
        on_day = roster.members_on(pool, day)
        people: list[tuple[Any, str]] = []
        first_seen: dict[int, str] = {}
        for key, status in (("attended", S.ATTENDED), ("leave", S.LEAVE), ("absent", S.ABSENT)):
            for member in self._match(on_day, row[key] or [], pool, fail, key):
                if member.pk in first_seen:
                    fail(
                        key,
                        _("%(n)s 重复出现（已在「%(c)s」中），每人只能登记一次。")
                        % {"n": member.name, "c": first_seen[member.pk]},
                    )
                    continue
                first_seen[member.pk] = str(self._title(key))
                people.append((member, status))
        return people

    def _title(self, key: str) -> str:
        return next(c.title for c in self.columns if c.key == key)

    def _match(self, on_day, tokens: list[str], pool: Organization, fail, key: str) -> list[Any]:
        by_name: dict[str, list[Any]] = defaultdict(list)
        for h in on_day:
            by_name[h.member.name].append(h.member)
        # A full ID number is a reveal (members.identifiers): it matches only members the
        # importer may reveal, audited after the run; without the right, the same answer
        # for every number.
        by_id = identifiers.match_id_numbers(self._user, (h.member for h in on_day), tokens)
        found = []
        for token in tokens:
            if looks_like_id_number(token):
                member = by_id.get(token.upper())
                if not identifiers.reveals_anywhere(self._user):
                    fail(key, identifiers.NEEDS_REVEAL_FOR_ATTENDANCE)
                elif member is None:
                    fail(
                        key,
                        _("身份证号 %(i)s 不是「%(o)s」在活动当日的党员。")
                        % {"i": mask_id_number(token.upper()), "o": pool.name},
                    )
                else:
                    found.append(member)
                    self._revealed.append(member)
                continue
            matches = by_name.get(token, [])
            if not matches:
                fail(
                    key,
                    _("「%(n)s」不是「%(o)s」在活动当日的党员，请核对姓名。")
                    % {"n": token, "o": pool.name},
                )
            elif len(matches) > 1:
                fail(
                    key,
                    _("「%(o)s」有 %(c)s 名党员叫「%(n)s」，请改填身份证号。")
                    % {"o": pool.name, "c": len(matches), "n": token},
                )
            else:
                found.append(matches[0])
        return found

    def run(self, user: Any, upload: Any):
        result = super().run(user, upload)
        # Audited after the run: a refused import rolls back everything written inside it.
        if getattr(self, "_revealed", None):
            identifiers.audit_lookup(self._revealed, "id_number", "attendance")
        return result

    # --- write -------------------------------------------------------------------------
    def write(self, user: Any, rows: list[Row]) -> int:
        planned = self._planned
        activities = Activity.objects.bulk_create(
            [p.activity for p in planned], batch_size=self.batch_size
        )
        participations: list[Participation] = []
        agenda: list[AgendaItem] = []
        links: list[Any] = []
        Through = Activity.tags.through
        for p, activity in zip(planned, activities, strict=True):
            for member, status in p.people:
                hours = p.hours if status == S.ATTENDED else None
                participations.append(
                    Participation(activity=activity, member=member, status=status, hours=hours)
                )
            for item in p.agenda:
                item.activity = activity
                agenda.append(item)
            links.extend(Through(activity_id=activity.pk, tag_id=t.pk) for t in p.tags)
        Participation.objects.bulk_create(participations, batch_size=self.batch_size)
        AgendaItem.objects.bulk_create(agenda, batch_size=self.batch_size)
        Through.objects.bulk_create(links, batch_size=self.batch_size)
        return len(activities)


class ActivityExporter(Exporter):
    label = gettext_lazy("组织生活")
    columns = [
        ExportColumn(gettext_lazy("召开日期"), "held_on", 12),
        ExportColumn(gettext_lazy("计划日期"), "planned_on", 12),
        ExportColumn(gettext_lazy("党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("活动类型"), "get_kind_display", 16),
        ExportColumn(gettext_lazy("主题"), "title", 30),
        ExportColumn(gettext_lazy("地点"), "place", 14),
        ExportColumn(gettext_lazy("标签"), lambda a: "、".join(getattr(a, "tag_names", [])), 16),
        ExportColumn(gettext_lazy("出席"), "n_attended", 8),
        ExportColumn(gettext_lazy("请假"), "n_leave", 8),
        ExportColumn(gettext_lazy("缺席"), "n_absent", 8),
        ExportColumn(gettext_lazy("免于参加"), "n_exempt", 8),
        ExportColumn(
            gettext_lazy("出席率"),
            lambda a: f"{a.attendance_rate:.0%}" if a.attendance_rate is not None else "",
            8,
        ),
        ExportColumn(
            gettext_lazy("法定人数"),
            lambda a: {True: "达到", False: "未达到"}.get(a.quorum_met, ""),
            10,
        ),
    ]

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        # Tag names of the chunk in one query (the rows are streamed with iterator()).
        names: dict[int, list[str]] = defaultdict(list)
        links = Activity.tags.through.objects.filter(activity_id__in=[o.pk for o in objs])
        for activity_id, name in links.values_list("activity_id", "tag__name"):
            names[activity_id].append(name)
        for obj in objs:
            obj.tag_names = names.get(obj.pk, [])

    def response(self, user: Any, queryset: Any, filters: dict[str, Any] | None = None):
        qs = queryset.select_related("org").prefetch_related(None)  # tags: prepare_chunk
        if "n_attended" not in qs.query.annotations:
            qs = qs.with_attendance()
        return super().response(user, qs, filters)


importers.register(ActivityImporter.name, ActivityImporter)
