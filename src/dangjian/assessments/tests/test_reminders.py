"""整改逾期提醒 through `dangjian remind`: who receives them, and a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from dangjian.rules import notifications
from dangjian.rules.models import Notification, NotificationKind

from .factories import make_finding

D = dt.date
K = NotificationKind.RECTIFICATION_OVERDUE


def received(user):
    return list(Notification.objects.filter(user=user, kind=K).order_by("id"))


def test_overdue_rectifications_reach_the_owner_and_a_digest_the_raiser(tree, people):
    late = make_finding(tree.branch_a, raised_by=tree.root, deadline=D(2024, 7, 1))
    returned = make_finding(
        tree.branch_b, raised_by=tree.root, deadline=D(2024, 6, 1), status="returned"
    )
    make_finding(tree.branch_a, raised_by=tree.root, deadline=D(2024, 6, 1), status="submitted")
    make_finding(tree.branch_a, raised_by=tree.root, deadline=D(2024, 6, 1), status="closed")
    make_finding(tree.branch_a, raised_by=tree.root, deadline=D(2024, 7, 10))  # due today
    assert "rectifications" in notifications.SOURCES

    result = notifications.run(D(2024, 7, 10), sources=["rectifications"])
    assert result.drafts["rectifications"] == 3  # two rectifications + one digest
    secretary = received(people.secretary)
    assert len(secretary) == 1
    assert secretary[0].org == tree.branch_a and "逾期9天" in secretary[0].title
    assert secretary[0].due_on == D(2024, 7, 1)
    assert [n.org for n in received(people.unit_admin)] == [tree.branch_a]
    assert [n.org for n in received(people.unit_b_admin)] == [tree.branch_b]
    digest = received(people.committee)
    assert len(digest) == 1 and "2项整改已逾期" in digest[0].title
    assert late.text[:10] in digest[0].body and returned.text[:10] in digest[0].body
    assert received(people.viewer) == []

    again = notifications.run(D(2024, 7, 10), sources=["rectifications"])
    assert again.total_created == 0
    assert Notification.objects.filter(kind=K).count() == result.total_created == 4

    # next month: the two again, plus the one that was due on 07-10 (to two users), once
    assert notifications.run(D(2024, 8, 2), sources=["rectifications"]).total_created == 6
    assert notifications.run(D(2024, 8, 2), sources=["rectifications"]).total_created == 0


def test_remind_command_twice_for_a_day_adds_nothing(tree, people):
    make_finding(tree.branch_a, raised_by=tree.unit_a, deadline=D(2024, 7, 1))
    out = io.StringIO()
    call_command("remind", "--date", "2024-07-05", "--only", "rectifications", stdout=out)
    assert "整改逾期：2 项，新增提醒" in out.getvalue()
    first = Notification.objects.filter(kind=K).count()
    assert first > 0
    out = io.StringIO()
    call_command("remind", "--date", "2024-07-05", "--only", "rectifications", stdout=out)
    assert "共新增提醒 0 条" in out.getvalue()
    assert Notification.objects.filter(kind=K).count() == first
    # the raising unit's own admins get the digest
    assert [n.title for n in received(people.unit_admin) if "项整改已逾期" in n.title]
