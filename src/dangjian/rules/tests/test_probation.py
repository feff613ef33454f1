"""Probation (预备期): the one extension of 6–12 months and the overdue alert when the end has
passed without 转正 (发展党员工作细则 第三十二条) — service, dates, `dangjian remind`, 待办."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.rules import deadlines, notifications, todo
from dangjian.rules.models import Notification, NotificationKind

D = dt.date
K = NotificationKind
_n = itertools.count(1)


def probationer(org, joined_on, **fields) -> Member:
    return Member.objects.create(
        org=org,
        name=f"预备{next(_n):03d}",
        gender="male",
        joined_on=joined_on,
        status="probationary",
        **fields,
    )


def overdue(day, **kw):
    return {m.member_id: m.on for m in deadlines.probation_overdue(SYSTEM, day, **kw)}


# --- the extension ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joined", "months", "end"),
    [
        (D(2023, 8, 31), 6, D(2025, 2, 28)),  # 2024-08-31 + 6 months: clamped to February's end
        (D(2023, 3, 1), 12, D(2025, 3, 1)),
        (D(2024, 2, 29), 6, D(2025, 8, 28)),  # 2025-02-28 + 6 months
    ],
)
def test_extension_moves_the_end(tree, joined, months, end):
    m = probationer(tree.branch_a, joined)
    services.extend_probation(
        SYSTEM, m, months, joined + dt.timedelta(days=300), "思想认识尚有差距"
    )
    m.refresh_from_db()
    assert m.probation_extension_months == months and m.probation_ends_on == end
    assert m.probation_extension_reason == "思想认识尚有差距"
    event = AuditEvent.objects.get(action="update", object_type="members.member")
    assert event.detail["operation"] == "extend_probation"


@pytest.mark.parametrize("months", [5, 13, 0])
def test_extension_outside_6_to_12_months_is_refused_citing_the_article(tree, months):
    m = probationer(tree.branch_a, D(2023, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(SYSTEM, m, months, D(2024, 2, 20))
    [msg] = exc.value.message_dict["months"]
    assert "6至12个月" in msg and "第三十二条" in msg
    m.refresh_from_db()
    assert m.probation_extension_months is None
    assert not AuditEvent.objects.filter(action="update").exists()


def test_second_extension_is_refused(tree):
    m = probationer(tree.branch_a, D(2023, 3, 1))
    services.extend_probation(SYSTEM, m, 6, D(2024, 2, 20))
    m.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(SYSTEM, m, 6, D(2024, 8, 20))
    [msg] = exc.value.message_dict["months"]
    assert "只能延长一次" in msg and "第三十二条" in msg
    m.refresh_from_db()
    assert m.probation_extension_months == 6 and m.probation_extended_on == D(2024, 2, 20)


def test_full_members_and_bad_dates_are_refused(tree, make_user):
    full = probationer(tree.branch_a, D(2020, 3, 1))
    Member.objects.filter(pk=full.pk).update(status="full", full_member_on=D(2021, 3, 1))
    full.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(SYSTEM, full, 6, D(2021, 2, 20))
    assert "预备党员" in exc.value.message_dict["months"][0]
    m = probationer(tree.branch_a, D(2023, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.extend_probation(SYSTEM, m, 6, D(2023, 3, 1))
    assert "晚于入党日期" in exc.value.message_dict["decided_on"][0]
    from dangjian.core.services import OutOfScope

    other = make_user("branch_secretary", tree.branch_b)
    with pytest.raises(OutOfScope):
        services.extend_probation(other, m, 6, D(2024, 2, 20))
    m.refresh_from_db()
    assert m.probation_extension_months is None


def test_extension_fields_are_not_writable_through_create_or_update(tree):
    with pytest.raises(ValueError):
        services.create_member(
            SYSTEM,
            org=tree.branch_a,
            name="甲",
            gender="male",
            joined_on=D(2023, 3, 1),
            status="probationary",
            probation_extension_months=24,
        )


# --- overdue ------------------------------------------------------------------------------


def test_overdue_on_both_edges(tree):
    plain = probationer(tree.branch_a, D(2023, 3, 1))  # ends 2024-03-01
    longer = probationer(tree.branch_a, D(2023, 3, 1))
    services.extend_probation(SYSTEM, longer, 6, D(2024, 2, 20))  # ends 2024-09-01
    converted = probationer(tree.branch_a, D(2023, 3, 1))
    Member.objects.filter(pk=converted.pk).update(status="full", full_member_on=D(2024, 3, 1))
    assert overdue(D(2024, 3, 1)) == {}  # ends today: not yet overdue
    assert overdue(D(2024, 3, 2)) == {plain.pk: D(2024, 3, 1)}
    assert overdue(D(2024, 9, 1)) == {plain.pk: D(2024, 3, 1)}
    assert overdue(D(2024, 9, 2)) == {plain.pk: D(2024, 3, 1), longer.pk: D(2024, 9, 1)}
    # the extended member is "ending" against the extended end, not the original one
    ending = {m.member_id for m in deadlines.probation_ending(SYSTEM, D(2024, 2, 25))}
    assert plain.pk in ending and longer.pk not in ending
    ending = {m.member_id: m.on for m in deadlines.probation_ending(SYSTEM, D(2024, 8, 20))}
    assert ending == {longer.pk: D(2024, 9, 1)}


def test_remind_overdue_monthly_and_idempotent(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    m = probationer(tree.branch_a, D(2023, 3, 1))
    for day in (D(2024, 3, 2), D(2024, 3, 2), D(2024, 3, 20)):
        notifications.run(day, sources=["probation"])
    [n] = Notification.objects.filter(user=secretary, kind=K.PROBATION_OVERDUE)
    assert n.org_id == tree.branch_a.pk and n.due_on == D(2024, 3, 1)
    assert "尚未办理转正" in n.title and "第三十二条" in n.citation
    notifications.run(D(2024, 4, 1), sources=["probation"])
    assert Notification.objects.filter(user=secretary, kind=K.PROBATION_OVERDUE).count() == 2
    Member.objects.filter(pk=m.pk).update(status="full", full_member_on=D(2024, 4, 5))
    notifications.run(D(2024, 5, 1), sources=["probation"])
    assert Notification.objects.filter(user=secretary, kind=K.PROBATION_OVERDUE).count() == 2


def test_todo_lists_overdue_probation_in_red(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    m = probationer(tree.branch_a, D(2023, 3, 1))
    rows = [d for d in todo.upcoming(secretary, D(2024, 3, 11)) if d.kind == "probation"]
    assert [(d.pk, d.tone, d.on) for d in rows] == [(m.pk, "red", D(2024, 3, 1))]
    assert "已满 10 天" in rows[0].title
    early = todo.upcoming(secretary, D(2024, 2, 20))
    assert next(d for d in early if d.kind == "probation").tone == ""  # ending, not overdue


def test_api_extends_once_and_the_page_shows_the_end(client, tree, make_user):
    m = probationer(tree.branch_a, D(2023, 3, 1))
    client.force_login(make_user("branch_secretary", tree.branch_a))
    url = f"/api/members/{m.pk}/extend-probation/"
    resp = client.post(
        url, {"months": 12, "decided_on": "2024-02-20"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["probation_ends_on"] == "2025-03-01"
    assert resp.json()["probation_extension_months"] == 12
    again = client.post(
        url, {"months": 6, "decided_on": "2024-02-21"}, content_type="application/json"
    )
    assert again.status_code == 400 and "只能延长一次" in again.json()["months"][0]
    page = client.get(f"/members/{m.pk}/").content.decode()
    assert "2025-03-01（2024-02-20延长12个月）" in page
    client.force_login(make_user("branch_secretary", tree.branch_b))
    assert (
        client.post(
            url, {"months": 6, "decided_on": "2024-02-20"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_page_records_one_extension_and_refuses_a_second(client, tree, make_user):
    from django.urls import reverse

    m = probationer(tree.branch_a, D(2023, 3, 1))
    client.force_login(make_user("branch_secretary", tree.branch_a))
    detail = client.get(m.get_absolute_url()).content.decode()
    url = reverse("members:probation_extend", args=[m.pk])
    assert url in detail and "2024-03-01" in client.get(url).content.decode()
    resp = client.post(url, {"months": "6", "decided_on": "2024-02-26", "reason": "考察不足"})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.probation_ends_on == D(2024, 9, 1)
    assert url not in client.get(m.get_absolute_url()).content.decode()  # no second offer
    again = client.post(url, {"months": "12", "decided_on": "2024-08-26"})
    assert again.status_code == 200 and "只能延长一次" in again.content.decode()
    bad = client.post(url, {"months": "3", "decided_on": "2024-02-26"})
    assert bad.status_code == 200  # not a choice: 6 to 12 months only
    m.refresh_from_db()
    assert m.probation_extension_months == 6
    client.force_login(make_user("branch_secretary", tree.branch_b))
    assert client.get(url).status_code == 404
