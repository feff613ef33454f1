"""Deadlines (talk, half-year review, training, approvals) against a naive reference that
reads each applicant's steps one by one; their place in 待办 and in dangjian remind."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.termrules import add_months
from dangjian.recruitment import deadlines, services
from dangjian.recruitment.models import Applicant, RecruitmentStep
from dangjian.rules import notifications, todo
from dangjian.rules.models_notifications import Notification, NotificationKind

from .factories import CALENDAR, new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


def naive(user, today: dt.date, ahead: int = deadlines.AHEAD_DAYS) -> set[tuple]:
    """The same items, computed per applicant from its own step rows."""
    out = set()
    horizon = today + dt.timedelta(days=ahead)
    for a in Applicant.objects.restrict(user, "view").filter(closed_on__isnull=True):
        steps = list(RecruitmentStep.objects.filter(applicant=a))
        done = {s.step for s in steps}
        last = max(done)

        def on(n, steps=steps):
            return max(s.done_on for s in steps if s.step == n)

        items = []
        if last == 1:
            items.append(("talk", add_months(a.applied_on, 1)))
        if 3 <= last <= 6:
            base = max([on(3)] + ([on(6)] if 6 in done else []))
            items.append(("review", add_months(base, 6)))
        if 7 <= last <= 10:
            items.append(("training", None))
        if last in (15, 16):
            items.append(("approval", add_months(on(15), 3)))
        if last == 23:
            items.append(("conversion", add_months(on(23), 3)))
        for kind, due in items:
            if due is None or due <= horizon:
                out.add((a.pk, kind, due, due is not None and due < today))
    return out


def as_set(items) -> set[tuple]:
    return {(i.applicant_id, i.kind, i.on, i.overdue) for i in items}


def test_edges_of_each_item(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a, applied_on=D(2022, 1, 31))
    # talk due 2022-02-28: on that day due, the day after overdue
    [item] = deadlines.due(user, D(2022, 2, 28))
    assert (item.kind, item.on, item.overdue) == ("talk", D(2022, 2, 28), False)
    assert deadlines.due(user, D(2022, 3, 1))[0].overdue
    # shown from 30 days ahead
    assert deadlines.due(user, D(2022, 1, 31), ahead_days=27) == []
    assert len(deadlines.due(user, D(2022, 1, 31), ahead_days=28)) == 1
    walk(user, a, 16, calendar={2: D(2022, 2, 10)})
    # 支部大会 2023-06-01: approval due 2023-09-01
    [item] = deadlines.due(user, D(2023, 9, 1))
    assert (item.kind, item.on, item.overdue) == ("approval", D(2023, 9, 1), False)
    assert deadlines.due(user, D(2023, 9, 2))[0].overdue
    walk(user, a, 17)
    assert deadlines.due(user, D(2023, 9, 2)) == []


def test_against_the_naive_reference(tree, make_user):
    rng = random.Random(11)
    user = make_user("unit_admin", tree.unit_a)
    for i in range(24):
        org = tree.branch_a if i % 3 else tree.branch_b
        a = new_applicant(SYSTEM, org, name=f"人{i}", applied_on=D(2022, 1, 10))
        walk(SYSTEM, a, rng.choice([1, 2, 3, 5, 6, 7, 9, 10, 11, 15, 16, 17, 23, 24]))
        if i % 7 == 0:
            services.close_applicant(SYSTEM, a, a.last_step_on, "本人撤回")
    for today in (D(2022, 2, 1), D(2022, 8, 20), D(2023, 3, 1), D(2023, 8, 20), D(2024, 9, 1)):
        for who in (user, SYSTEM):
            assert as_set(deadlines.due(who, today)) == naive(who, today), today
    # out of the unit admin's scope: branch_b's people
    assert all(i.org_id == tree.branch_a.pk for i in deadlines.due(user, D(2024, 9, 1)))


def test_one_query_whatever_the_rows(tree):
    for i in range(5):
        walk(SYSTEM, new_applicant(SYSTEM, tree.branch_a, name=f"甲{i}"), 3 + i)
    with CaptureQueriesContext(connection) as ctx:
        items = deadlines.due(SYSTEM, D(2022, 9, 1))
    assert items and len(ctx.captured_queries) == 1


def test_in_todo_red_when_overdue(tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(user, tree.branch_a, applied_on=D(2022, 1, 10))
    rows = [d for d in todo.upcoming(user, D(2022, 2, 20)) if d.kind == "recruitment"]
    assert [(d.pk, d.on, d.tone) for d in rows] == [(a.pk, D(2022, 2, 10), "red")]
    assert "入党谈话已超期 10 天" in rows[0].title


def test_remind_once_when_due_then_monthly_when_overdue(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    a = new_applicant(secretary, tree.branch_a, applied_on=D(2022, 1, 10))
    K = NotificationKind
    for day in (D(2022, 1, 20), D(2022, 1, 20), D(2022, 1, 25)):
        notifications.run(day, sources=["recruitment"])
    [due] = Notification.objects.filter(user=secretary, kind=K.RECRUITMENT_DUE)
    assert due.due_on == D(2022, 2, 10) and "第七条" in due.citation
    for day in (D(2022, 2, 11), D(2022, 2, 20)):
        notifications.run(day, sources=["recruitment"])
    assert Notification.objects.filter(user=secretary, kind=K.RECRUITMENT_OVERDUE).count() == 1
    notifications.run(D(2022, 3, 1), sources=["recruitment"])
    assert Notification.objects.filter(user=secretary, kind=K.RECRUITMENT_OVERDUE).count() == 2
    services.record_step(
        secretary,
        a,
        2,
        D(2022, 3, 2),
        exception_rules=["recruitment.talk"],
        exception_reason="本人外出",
        exception_approved_by="甲局机关党委",
    )
    notifications.run(D(2022, 4, 1), sources=["recruitment"])
    assert Notification.objects.filter(user=secretary, kind=K.RECRUITMENT_OVERDUE).count() == 2


def test_calendar_keeps_every_rule():
    assert CALENDAR[15] == D(2023, 6, 1)
