"""A scheduled activity (会议通知) counts for nothing until it is recorded as held.

Every figure is computed from activities that took place: the metrics registry, the rules
evaluator (compliance and auto-evidence), member inactivity and a member's history. The
test builds notices that would move every one of them — past dates in the evaluated year,
participations with 学时, the 党纪学习教育 tag — and checks nothing moves; then holds one of
them and checks the same snapshot does move (so the comparison can fail).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from dangjian.activities.models import (
    DISCIPLINE_EDUCATION_TAG,
    Activity,
    ActivityKind,
    Participation,
    Tag,
)
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.rules import inactivity
from dangjian.rules.evaluator import evaluate

YEAR = 2024
TODAY = dt.date(YEAR, 12, 31)


def _snapshot(client, member) -> dict:
    metrics = {m.id: m.value(MetricScope(SYSTEM, YEAR)) for m in registry.all()}
    evaluation = evaluate(SYSTEM, YEAR, today=TODAY)
    cells = sorted(
        (c.rule_id, c.org_id, c.period.key, str(c.status), c.count) for c in evaluation.cells
    )
    inactive = sorted(
        (r.member_id, r.last_attended, r.inactive_since)
        for r in inactivity.find_inactive(SYSTEM, TODAY)
    )
    page = client.get(reverse("activities:member_history", args=[member.pk]))
    assert page.status_code == 200
    history = [
        (y["year"], y["attended"], y["leave"], y["absent"], y["hours"])
        for y in page.context["years"]
    ]
    return {"metrics": metrics, "cells": cells, "inactive": inactive, "history": history}


def _notice(org, kind, day, members, **fields) -> Activity:
    notice = Activity.objects.create(
        org=org, kind=kind, title=f"{kind}通知", held_on=None, planned_on=day, **fields
    )
    # Written straight to the table (the services refuse attendance on a notice): the
    # aggregates must hold even against rows that got there another way (import, SQL).
    Participation.objects.bulk_create(
        [
            Participation(activity=notice, member=m, status="attended", hours=Decimal("3.0"))
            for m in members
        ]
    )
    return notice


def test_scheduled_activities_change_no_figure(branch, client, make_user, tree):
    client.force_login(make_user("unit_admin", tree.unit_a))
    member = branch.direct[3]
    before = _snapshot(client, member)

    tag = Tag.objects.get(code=DISCIPLINE_EDUCATION_TAG)
    notices = [
        _notice(branch.org, kind, dt.date(YEAR, month, 12), branch.everyone)
        for month, kind in (
            (3, ActivityKind.MEMBER_ASSEMBLY),
            (6, ActivityKind.PARTY_LECTURE),
            (9, ActivityKind.COMMITTEE_MEETING),
            (11, ActivityKind.THEME_DAY),
        )
    ]
    training = _notice(tree.root, ActivityKind.TRAINING, dt.date(YEAR, 10, 8), branch.everyone)
    training.tags.add(tag)
    seminar = _notice(tree.unit_a, ActivityKind.SEMINAR, dt.date(YEAR, 4, 8), [])
    seminar.tags.add(tag)
    notices += [training, seminar]
    assert Activity.objects.scheduled().count() == len(notices)
    assert not Activity.objects.held().exists()

    assert _snapshot(client, member) == before

    # The control: once held, the same rows do count — the snapshot is not blind.
    Activity.objects.filter(pk__in=[n.pk for n in notices]).update(held_on=dt.date(YEAR, 11, 12))
    after = _snapshot(client, member)
    assert after["metrics"] != before["metrics"]
    assert after["cells"] != before["cells"]
    assert after["history"] != before["history"]
    assert after["inactive"] != before["inactive"]
