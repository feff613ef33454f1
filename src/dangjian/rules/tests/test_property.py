"""Property: on random trees and activities, the set-based evaluator equals a naive per-org one.

The naive evaluator below reads the generated plan (plain Python data, not the database)
and applies each rule org by org, period by period, as docs/rules.md states it. Run on
SQLite and PostgreSQL (DATABASE_URL) like the rest of the suite.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.activities.models import Activity, AgendaItem
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules.evaluator import Status, evaluate
from dangjian.rules.loader import load_library
from dangjian.rules.models import RuleExemption

YEAR = 2024
# Every local rule switched on, the fixed theme day on the 5th so that it can be met.
LIBRARY = load_library(params={"local.theme_day.fixed_day": {"day_of_month": 5}})
RULES = [r for r in LIBRARY if r.kind == "frequency"]
KINDS = sorted({k for r in RULES for k in r.frequency.activity_kinds})

# Month and quarter boundaries are where off-by-one mistakes live: draw them often.
EDGES = sorted(
    {dt.date(YEAR, m, 1) for m in range(1, 13)}
    | {dt.date(YEAR, m, calendar.monthrange(YEAR, m)[1]) for m in range(1, 13)}
    | {dt.date(YEAR - 1, 12, 31), dt.date(YEAR + 1, 1, 1)}
)
edges = st.sampled_from(EDGES)
dates = edges | st.dates(dt.date(2023, 11, 1), dt.date(2025, 1, 31))
maybe_date = st.none() | edges | st.dates(dt.date(2022, 1, 1), dt.date(2024, 12, 31))


@dataclass
class OrgSpec:
    kind: str
    parent: int | None  # index into the plan's orgs
    established_on: dt.date | None = None
    dissolved_on: dt.date | None = None


@dataclass
class Plan:
    orgs: list[OrgSpec] = field(default_factory=list)
    members: list[tuple[int, str, dt.date, dt.date | None]] = field(default_factory=list)
    activities: list[tuple[int, str, dt.date, bool | None]] = field(default_factory=list)
    exemptions: list[tuple[int, str, dt.date, dt.date | None, dt.date | None, bool]] = field(
        default_factory=list
    )
    today: dt.date = dt.date(2025, 1, 15)
    within: int | None = None


@st.composite
def plans(draw) -> Plan:
    plan = Plan(orgs=[OrgSpec(OrgKind.COMMITTEE, None)])
    for _ in range(draw(st.integers(1, 2))):
        unit = len(plan.orgs)
        plan.orgs.append(OrgSpec(OrgKind.UNIT_PARTY, 0, draw(maybe_date)))
        if draw(st.booleans()):
            plan.orgs.append(OrgSpec(OrgKind.LEADING_GROUP, unit, draw(maybe_date)))
        for _ in range(draw(st.integers(0, 3))):
            branch = len(plan.orgs)
            dissolved = draw(
                st.none() | edges | st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
            )
            plan.orgs.append(OrgSpec(OrgKind.BRANCH, unit, draw(maybe_date), dissolved))
            for _ in range(draw(st.integers(0, 2))):
                plan.orgs.append(OrgSpec(OrgKind.PARTY_GROUP, branch, draw(maybe_date)))
    n = len(plan.orgs)
    member = st.tuples(
        st.integers(1, n - 1),
        st.sampled_from(["full", "full", "probationary"]),
        edges | st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31)),
        st.none() | edges | st.dates(dt.date(2021, 1, 1), dt.date(2025, 6, 30)),
    )
    plan.members = draw(st.lists(member, max_size=25))
    activity = st.tuples(
        st.integers(1, n - 1), st.sampled_from(KINDS), dates, st.none() | st.booleans()
    )
    plan.activities = draw(st.lists(activity, max_size=60))
    exemption = st.tuples(
        st.integers(1, n - 1),
        st.sampled_from([r.id for r in RULES]),
        dates,
        st.none() | dates,
        st.none() | dates,
        st.booleans(),  # for one member instead of the org
    )
    plan.exemptions = draw(st.lists(exemption, max_size=6))
    plan.today = draw(
        st.just(dt.date(2025, 1, 15)) | edges | st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    )
    plan.within = draw(st.none() | st.integers(1, n - 1))
    return plan


def build(plan: Plan) -> list[Organization]:
    orgs: list[Organization] = []
    for spec in plan.orgs:
        fields = {
            "kind": spec.kind,
            "name": f"{spec.kind}{len(orgs)}",
            "established_on": spec.established_on,
        }
        if spec.parent is None:
            org = Organization.add_root(**fields)
        else:
            parent = Organization.objects.get(pk=orgs[spec.parent].pk)
            org = parent.add_child(**fields)
        if spec.dissolved_on:
            Organization.objects.filter(pk=org.pk).update(
                status="dissolved", dissolved_on=spec.dissolved_on
            )
        orgs.append(org)
    members = []
    for i, (org_i, status, joined, full) in enumerate(plan.members):
        m = Member(
            org=orgs[org_i],
            name=f"党员{i}",
            gender="male",
            status=status,
            joined_on=joined,
            full_member_on=full,
        )
        m.prepare()
        members.append(m)
    Member.objects.bulk_create(members)
    for i, (org_i, kind, day, first_topic) in enumerate(plan.activities):
        a = Activity.objects.create(org=orgs[org_i], kind=kind, title=f"活动{i}", held_on=day)
        if first_topic is not None:
            AgendaItem.objects.create(activity=a, title="议题", is_first_topic=first_topic)
    some_member = Member.objects.first()
    for org_i, rule_id, start, end, expires, for_member in plan.exemptions:
        if end is None and expires is None:
            end = start
        RuleExemption.objects.create(
            org=orgs[org_i],
            member=some_member if for_member else None,
            rule_id=rule_id,
            starts_on=start,
            ends_on=end,
            expires_on=expires,
            reason="测试",
            approved_by="工委",
        )
    return orgs


# --- the naive evaluator -------------------------------------------------------------------


def period_list(kind: str) -> list[tuple[str, int, dt.date, dt.date]]:
    def last(m):
        return dt.date(YEAR, m, calendar.monthrange(YEAR, m)[1])

    if kind == "month":
        return [(f"{YEAR}-{m:02d}", m, dt.date(YEAR, m, 1), last(m)) for m in range(1, 13)]
    if kind == "quarter":
        return [(f"{YEAR}-Q{q}", q, dt.date(YEAR, 3 * q - 2, 1), last(3 * q)) for q in range(1, 5)]
    return [(str(YEAR), 1, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))]


def naive(plan: Plan, orgs: list[Organization]) -> set[tuple]:
    paths = [o.path for o in orgs]
    scope = paths[plan.within] if plan.within is not None else ""
    result = set()
    for rule in RULES:
        f = rule.frequency
        for i, spec in enumerate(plan.orgs):
            if spec.kind not in rule.applies_to or not paths[i].startswith(scope):
                continue
            for key, _index, start, end in period_list(f.period):
                status, count, warning = naive_cell(plan, paths, i, rule, start, end)
                result.add((rule.id, orgs[i].pk, key, status, count, warning))
    return result


def naive_cell(plan, paths, i, rule, start, end):
    f, spec = rule.frequency, plan.orgs[i]
    if spec.established_on and spec.established_on > start:
        return Status.NOT_APPLICABLE, 0, ""
    if spec.dissolved_on and spec.dissolved_on <= end:
        return Status.NOT_APPLICABLE, 0, ""
    if f.min_full_members:
        full = sum(
            1
            for org_i, status, joined, full_on in plan.members
            if paths[org_i].startswith(paths[i])
            and status == "full"
            and joined <= end
            and (full_on is None or full_on <= end)
        )
        if full < f.min_full_members:
            return Status.NOT_APPLICABLE, 0, ""
    if start > plan.today:
        return Status.NOT_DUE, 0, ""
    held = [
        (day, first_topic)
        for org_i, kind, day, first_topic in plan.activities
        if org_i == i
        and kind in f.activity_kinds
        and start <= day <= end
        and day <= plan.today
        and (f.day_of_month is None or day.day == f.day_of_month)
    ]
    count = len(held)
    if f.every_activity_has and f.min_count == 0 and count == 0:
        return Status.NOT_APPLICABLE, 0, ""
    all_ok = not f.every_activity_has or all(ft is True for _d, ft in held)
    if count >= f.min_count and all_ok:
        warning = ""
        if f.preferred_quarter and not any(
            (d.month - 1) // 3 + 1 == f.preferred_quarter for d, _ in held
        ):
            warning = "未在第四季度召开"
        return Status.COMPLIANT, count, warning
    for org_i, rule_id, e_start, e_end, e_expires, for_member in plan.exemptions:
        if org_i != i or rule_id != rule.id or (for_member and plan.members):
            continue
        if e_end is None and e_expires is None:
            e_end = e_start
        ends = [d for d in (e_end, e_expires) if d is not None]
        if e_start <= end and min(ends) >= start:
            return Status.EXEMPT, count, ""
    # The deadline: the period's end, or the fixed day of a fixed-day monthly rule.
    deadline = start.replace(day=f.day_of_month) if f.day_of_month else end
    if deadline >= plan.today:
        return Status.NOT_DUE, count, ""
    return Status.NONCOMPLIANT, count, ""


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plan=plans())
def test_set_based_equals_naive(plan):
    with transaction.atomic():
        orgs = build(plan)
        within = orgs[plan.within] if plan.within is not None else None
        evaluation = evaluate(SYSTEM, YEAR, within=within, rules=RULES, today=plan.today)
        got = {
            (c.rule_id, c.org_id, c.period.key, c.status, c.count, c.warning)
            for c in evaluation.cells
        }
        expected = naive(plan, orgs)
        transaction.set_rollback(True)
    assert got == expected
