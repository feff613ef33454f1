"""Writes the demo's organizational life: 工委 staff, rule exemptions, activities.

The activity stream (`life.py`) is numbered here and written as plain rows (`bulk.py`):
explicit activity ids, so agenda items, tags, observers and participations can point at
them without reading anything back. Runs inside the loader's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.activities.models import (
    Activity,
    AgendaItem,
    Attachment,
    NoticeReceipt,
    Participation,
    Tag,
)
from dangjian.orgs.models import Organization
from dangjian.rules.loader import get_library
from dangjian.rules.models import RuleExemption

from . import bulk, citywide, life, shapes
from .plan import ACTIVITY_START, CityPlan
from .roster import UnitRoster

# 工委 staff who attend units' 中心组学习 (列席旁听): records of people, not login accounts.
STAFF: tuple[tuple[str, str], ...] = (
    ("gw_liujianhua", "刘建华（工委组织部）"),
    ("gw_chenmin", "陈敏（工委宣传部）"),
    ("gw_zhaoyongli", "赵永利（工委组织部）"),
    ("gw_sunjing", "孙静（工委办公室）"),
    ("gw_wanghaitao", "王海涛（工委宣传部）"),
)
STAFF_USERNAMES = tuple(u for u, _ in STAFF)
STAFF_ROLE = "viewer"

ACTIVITY_COLUMNS = (
    "id",
    "created",
    "updated",
    "org_id",
    "kind",
    "training_type",
    "service_type",
    "title",
    "planned_on",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "host_id",
    "recorder_id",
    "minutes",
    "external_observers",
    "quorum_met",
    "review_status",
    "recorded_by_id",
)
PARTICIPATION_COLUMNS = (
    "created",
    "updated",
    "activity_id",
    "member_id",
    "status",
    "reason",
    "hours",
)
AGENDA_COLUMNS = ("created", "updated", "activity_id", "order", "title", "is_first_topic")
TAG_NAMES = {  # created if a deployment removed the default tags of the activities app
    "discipline_education": "党纪学习教育",
    "integrity_education": "廉政教育",
    "new_member_training": "新党员培训",
}


def reset_activities() -> None:
    """Delete every activity and its rows, rule exemptions and the 工委 staff records.

    The activity tables are emptied with the database's flush statements (TRUNCATE on
    PostgreSQL, DELETE on SQLite): the ORM's collector would take minutes over a million
    participations, and PostgreSQL's DELETE would leave them all as dead rows.
    """
    Attachment.objects.all().delete()  # stored files are kept; only demo rows go
    tables = [
        NoticeReceipt._meta.db_table,  # 会议通知's receipts (selfservice_loader) point at activities
        Participation._meta.db_table,
        AgendaItem._meta.db_table,
        Attachment._meta.db_table,
        Activity.tags.through._meta.db_table,
        Activity.observers.through._meta.db_table,
        Activity._meta.db_table,
    ]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # TRUNCATE is refused while rows written earlier in this transaction (a reset
            # right after a load, as in one test) have deferred key checks pending: run them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # CASCADE: the registers (integrity, training, volunteers) keep foreign keys to
        # activities; their rows are gone already (reset first), but PostgreSQL refuses to
        # TRUNCATE a table another table references unless that one goes with it.
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    RuleExemption.objects.all().delete()
    User.objects.filter(username__in=STAFF_USERNAMES).delete()


def staff_users(root: Organization) -> list[int]:
    """The 工委 staff records with a read-only role at the 工委; returns their user ids."""
    now = timezone.now()
    users = [
        User(
            username=username,
            display_name=name,
            password=make_password(None),  # unusable: nobody logs in as them
            password_changed_at=now,
        )
        for username, name in STAFF
    ]
    User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=STAFF_ROLE, org=root) for u in users
    )
    return [u.pk for u in users]


def rule_exemptions(plan: CityPlan, orgs: list[Organization]) -> list[shapes.ExemptionPlan]:
    known = {rule.id for rule in get_library()}
    plans = shapes.exemptions(plan, ACTIVITY_START, known)
    approver = plan.orgs[0].short_name
    RuleExemption.objects.bulk_create(
        RuleExemption(
            org=orgs[e.org],
            rule_id=e.rule_id,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            expires_on=e.ends_on,
            reason=e.reason,
            approved_by=approver,
            approval_document=e.document,
        )
        for e in plans
    )
    return plans


def _tag_ids() -> dict[str, int]:
    ids = dict(Tag.objects.values_list("code", "pk"))
    for code, name in TAG_NAMES.items():
        if code not in ids:
            ids[code] = Tag.objects.create(code=code, name=name).pk
    return ids


class ActivityWriter:
    """Numbers activities and writes them with their agenda, tags, observers and attendance."""

    def __init__(self, orgs: list[Organization]) -> None:
        self.org_pk = [o.pk for o in orgs]
        self.tags = _tag_ids()
        self.now = bulk.now_value()
        self.next_id = bulk.next_id(Activity)
        self.activities = bulk.RowWriter.for_model(Activity, ACTIVITY_COLUMNS, batch=5_000)
        self.participations = bulk.RowWriter.for_model(
            Participation, PARTICIPATION_COLUMNS, batch=20_000
        )
        self.agenda = bulk.RowWriter.for_model(AgendaItem, AGENDA_COLUMNS, batch=5_000)
        tags = Activity.tags.through._meta
        self.tag_rows = bulk.RowWriter(
            tags.db_table, (tags.get_field("activity").column, tags.get_field("tag").column)
        )
        observers = Activity.observers.through._meta
        self.observer_rows = bulk.RowWriter(
            observers.db_table,
            (observers.get_field("activity").column, observers.get_field("user").column),
        )

    def write(self, acts: Iterable[life.Act]) -> None:
        now, iso = self.now, bulk.iso
        for act in acts:
            aid = self.next_id
            self.next_id += 1
            self.activities.add(
                (
                    aid,
                    now,
                    now,
                    self.org_pk[act.org],
                    act.kind,
                    act.training_type,
                    act.service_type,
                    act.title,
                    iso(act.planned),
                    iso(act.held),
                    act.start,
                    act.end,
                    act.place,
                    act.host,
                    act.recorder,
                    "",
                    "",
                    act.quorum,
                    "",
                    None,
                )
            )
            if act.rows:
                self.participations.extend(
                    [
                        (now, now, aid, pk, status, reason, hours)
                        for pk, status, reason, hours in act.rows
                    ]
                )
            for order, (title, first) in enumerate(act.agenda, start=1):
                self.agenda.add((now, now, aid, order, title, first))
            for code in act.tags:
                self.tag_rows.add((aid, self.tags[code]))
            for user in act.observers:
                self.observer_rows.add((aid, user))

    def close(self) -> Counter:
        writers = {
            "activity": self.activities,
            "participation": self.participations,
            "agendaitem": self.agenda,
            "activity_tag": self.tag_rows,
            "activity_observer": self.observer_rows,
        }
        for w in writers.values():
            w.flush()
        bulk.reset_sequences(Activity)
        return Counter({name: w.count for name, w in writers.items()})


def write_activities(
    plan: CityPlan,
    orgs: list[Organization],
    rosters: list[UnitRoster],
    staff: list[int],
    exemptions: list[shapes.ExemptionPlan],
    stages,
) -> Counter:
    """Every org's activities from ACTIVITY_START to the plan's today, then the 工委's own."""
    shape = shapes.year_shape(plan)
    people = {p.pk: p for r in rosters for p in r.people}
    ctx = life.Context(plan, shape, staff, life.with_exemptions(exemptions), people)
    seats = [(shape.city_of[r.unit], i, seat) for r in rosters for i, seat in r.secretary_seats()]
    tables = (Activity._meta.db_table, Participation._meta.db_table)
    with bulk.loading(), bulk.deferred_indexes(*tables):
        writer = ActivityWriter(orgs)
        with stages.stage("组织生活", len(rosters) + 1) as advance:
            for roster in rosters:
                writer.write(life.UnitLife(ctx, roster).activities())
                advance()
            writer.write(citywide.committee_activities(ctx, seats))
            advance()
            counts = writer.close()
    counts["rule_exemption"] = len(exemptions)
    return counts
