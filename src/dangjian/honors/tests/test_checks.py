"""The reviewer's record checks: set-based for the whole list, equal to a naive per-row
reference, a fixed number of queries, and "无权查看" where the user may not read a source."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.activities.models import Activity, Participation
from dangjian.core.scoping import scope_paths
from dangjian.dues.models import DuesDue
from dangjian.honors import checks, titles
from dangjian.members.models import Exit
from dangjian.members.tests.factories import MemberFactory
from dangjian.recruitment.models import PartyProbation

from .factories import make_nomination, make_round

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2024, 7, 15)


def naive(member, year: int) -> dict[str, str]:
    """The same facts, one member at a time, written plainly."""
    on_probation = any(
        p.decided_on <= TODAY and (p.restored_on is None or p.restored_on > TODAY)
        for p in PartyProbation.objects.filter(member=member)
    )
    left = Exit.objects.filter(member=member).first()
    unpaid = [
        d
        for d in DuesDue.objects.filter(member=member)
        if d.payment_id is None and d.amount > 0 and d.month < TODAY.replace(day=1)
    ]
    attended = [
        p
        for p in Participation.objects.filter(member=member).select_related("activity")
        if p.status == "attended" and p.activity.held_on and p.activity.held_on.year == year
    ]
    return {
        "党纪处分": "warn" if on_probation else "ok",
        "党籍": "warn" if left else "ok",
        "党费": "warn" if unpaid else "ok",
        "组织生活": "ok" if attended else "warn",
    }


def test_checks_match_the_naive_reference(tree, make_user):
    rng = random.Random(13)
    rnd = make_round(tree.root, year=2024)
    activities = [
        Activity.objects.create(org=tree.branch_a, kind="theme_day", title="主题党日", held_on=day)
        for day in (D(2023, 12, 20), D(2024, 3, 5), D(2024, 5, 9))
    ]
    nominations = []
    for i in range(24):
        member = MemberFactory(org=tree.branch_a)
        if rng.random() < 0.3:
            PartyProbation.objects.create(
                member=member,
                decided_on=D(2023, 9, 1) if i % 2 else D(2024, 8, 1),  # one in force, one later
                restored_on=rng.choice([None, D(2024, 1, 1), D(2025, 1, 1)]),
            )
        if rng.random() < 0.15:
            Exit.objects.create(member=member, kind="withdrawn", left_on=D(2024, 2, 1))
        for month in range(1, 8):
            if rng.random() < 0.2:
                DuesDue.objects.create(
                    member=member,
                    org=tree.branch_a,
                    month=D(2024, month, 1),
                    amount=Decimal(rng.choice(["0", "12.50"])),
                    category="in_service",
                    table_id="national.2008",
                )
        for activity in activities:
            if rng.random() < 0.4:
                Participation.objects.create(
                    activity=activity,
                    member=member,
                    status=rng.choice(["attended", "leave", "absent"]),
                )
        nominations.append(make_nomination(tree.branch_a, rnd=rnd, member=member))
    org_nomination = make_nomination(
        tree.branch_a, rnd=rnd, member=None, title=titles.ADVANCED_ORG, recipient_org=tree.branch_a
    )
    gongwei = make_user("committee_admin", tree.root)
    loaded = list(type(org_nomination).objects.filter(round=rnd).select_related("round", "member"))
    scope_paths(gongwei, "honors.view_nomination")  # the grants load once per request
    with CaptureQueriesContext(connection) as ctx:
        found = checks.for_nominations(gongwei, loaded, TODAY)
    assert len(ctx.captured_queries) == 5  # four member sources + the org's activities
    warned = 0
    for n in nominations:
        got = {c.label: c.state for c in found[n.pk].items}
        assert got == naive(n.member, 2024), n.member.name
        warned += found[n.pk].warnings
    assert warned  # the random world has something to flag
    org_check = found[org_nomination.pk].items
    assert [(c.label, c.state, c.text) for c in org_check] == [
        ("组织生活", "ok", "2024年开展活动 2 次")
    ]


def test_a_source_the_user_may_not_read_is_unknown(tree, make_user):
    rnd = make_round(tree.root, year=2024)
    n = make_nomination(tree.branch_a, rnd=rnd)
    reader = make_user("viewer", tree.root)
    found = checks.for_nominations(reader, [n], TODAY)[n.pk]
    states = {c.label: c.state for c in found.items}
    # the read-only role does not read dues rows (decisions/0015): never shown as paid
    assert states["党费"] == "unknown"
    assert "无权查看" in [c.text for c in found.items if c.label == "党费"]
