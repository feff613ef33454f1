"""我的 (/me/): a member's own record, reminders and upcoming meetings — and nobody else's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags as visible_text

from dangjian.activities.models import Activity, NoticeReceipt, Participation
from dangjian.members.models import Member, MemberStatus
from dangjian.orgs.termrules import add_years

from .conftest import open_for

pytestmark = pytest.mark.django_db


def sign_in_as(client, member):
    """Open `member`'s account (as the operator) and sign in with it, past the first change."""
    open_for([member])
    member.refresh_from_db()
    account = member.account
    account.must_change_password = False
    account.save(update_fields=["must_change_password"])
    client.force_login(account)
    return account


def held(org, title, day, **fields):
    return Activity.objects.create(org=org, kind="theme_day", title=title, held_on=day, **fields)


def notice(org, title, day, invitees, **fields):
    activity = Activity.objects.create(
        org=org, kind="member_assembly", title=title, planned_on=day, **fields
    )
    NoticeReceipt.objects.bulk_create(NoticeReceipt(activity=activity, member=m) for m in invitees)
    return activity


def test_my_page_shows_my_record_hours_by_year_and_my_own_reason(client, people, tree):
    me, peer = people.a1, people.a2
    last_year = timezone.localdate().year - 1
    first = held(tree.branch_a, "上年主题党日", dt.date(last_year, 3, 5))
    second = held(tree.branch_a, "上年党课", dt.date(last_year, 9, 5))
    Participation.objects.create(activity=first, member=me, status="attended", hours=Decimal("2.5"))
    Participation.objects.create(activity=second, member=me, status="leave", reason="出差在外地")
    Participation.objects.create(activity=second, member=peer, status="leave", reason="病假住院")
    sign_in_as(client, me)
    resp = client.get(reverse("selfservice:me"))
    assert resp.status_code == 200
    text = visible_text(resp.content.decode())
    assert me.name in text and me.org.name in text
    assert f"{last_year} 年" in text and "2.5" in text  # 学时 of the year
    assert "出席 1 · 请假 1 · 缺席 0" in text
    assert "出差在外地" in text  # my own reason
    assert "病假住院" not in text and peer.name not in text  # never another member's


def test_upcoming_meetings_are_the_notices_sent_to_me(client, people, tree):
    me, peer = people.a1, people.a2
    today = timezone.localdate()
    mine = notice(
        tree.branch_a,
        "支部党员大会（通知）",
        today + dt.timedelta(days=7),
        [me, peer],
        place="三楼会议室",
        starts_at=dt.time(15, 0),
    )
    notice(tree.branch_a, "只发给张伟的通知", today + dt.timedelta(days=3), [peer])
    notice(tree.branch_a, "已经过去的通知", today - dt.timedelta(days=3), [me])
    sign_in_as(client, me)
    html = client.get(reverse("selfservice:me")).content.decode()
    text = visible_text(html)
    assert "支部党员大会（通知）" in text and "三楼会议室" in text and "15:00" in text
    assert "未读" in text
    assert reverse("activities:activity_detail", args=[mine.pk]) in html
    assert "只发给张伟的通知" not in text and "已经过去的通知" not in text


def test_reminders_political_birthday_and_probation(client, people, tree):
    today = timezone.localdate()
    me = people.a1
    Member.objects.filter(pk=me.pk).update(
        joined_on=add_years(today.replace(day=1), -5), status=MemberStatus.FULL
    )
    me.refresh_from_db()
    sign_in_as(client, me)
    text = visible_text(client.get(reverse("selfservice:me")).content.decode())
    assert "政治生日" in text and "入党 5 周年" in text
    assert "预备期" not in text

    Member.objects.filter(pk=me.pk).update(
        joined_on=add_years(today, -1) + dt.timedelta(days=10),
        status=MemberStatus.PROBATIONARY,
        full_member_on=None,
    )
    text = visible_text(client.get(reverse("selfservice:me")).content.decode())
    assert "预备期满" in text and "还有 10 天" in text and "转正申请" in text


def test_no_reminders_section_when_nothing_is_due(client, people, tree):
    today = timezone.localdate()
    other_month = 1 if today.month != 1 else 2
    Member.objects.filter(pk=people.a1.pk).update(
        joined_on=dt.date(2001, other_month, 3), status=MemberStatus.FULL
    )
    people.a1.refresh_from_db()
    sign_in_as(client, people.a1)
    html = client.get(reverse("selfservice:me")).content.decode()
    assert 'id="me-reminders"' not in html  # no empty placeholder
    assert 'id="me-upcoming"' in html and 'id="me-life"' in html


def test_an_account_without_a_member_record_is_told_so(client, make_user, tree):
    client.force_login(make_user("party_member", tree.branch_a))
    text = visible_text(client.get(reverse("selfservice:me")).content.decode())
    assert "还没有关联党员信息" in text


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get(reverse("selfservice:me"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_my_history_page_opens_for_me_and_only_for_me(client, people, tree):
    """The member-history page 404ed for members (no link); now it opens one's own record."""
    day = dt.date(timezone.localdate().year, 1, 9)
    activity = held(tree.branch_a, "一月主题党日", day)
    Participation.objects.create(activity=activity, member=people.a1, status="leave", reason="出差")
    Participation.objects.create(activity=activity, member=people.a2, status="leave", reason="病假")
    sign_in_as(client, people.a1)
    own = client.get(reverse("activities:member_history", args=[people.a1.pk]))
    assert own.status_code == 200
    text = visible_text(own.content.decode())
    assert "我的组织生活记录" in text and "一月主题党日" in text and "出差" in text
    other = client.get(reverse("activities:member_history", args=[people.a2.pk]))
    assert other.status_code in (403, 404)
    assert "病假" not in other.content.decode()


def test_the_nav_offers_my_page_to_member_accounts(client, people):
    sign_in_as(client, people.a1)
    nav = client.get(reverse("selfservice:me")).context["nav"]
    assert "我的" in [item.label for item in nav]


def test_the_api_gives_my_page_as_json_and_nothing_of_others(client, people, tree):
    me, peer = people.a1, people.a2
    today = timezone.localdate()
    activity = held(tree.branch_a, "三月主题党日", dt.date(today.year, 1, 9))
    Participation.objects.create(activity=activity, member=me, status="leave", reason="出差在外地")
    Participation.objects.create(activity=activity, member=peer, status="leave", reason="病假住院")
    notice(tree.branch_a, "下周党员大会", today + dt.timedelta(days=6), [me, peer])
    assert client.get("/api/me/").status_code in (401, 403)
    sign_in_as(client, me)
    data = client.get("/api/me/").json()
    assert data["member"]["id"] == me.pk and data["member"]["org_name"] == me.org.name
    assert [n["title"] for n in data["upcoming"]] == ["下周党员大会"]
    assert data["upcoming"][0]["read"] is False
    assert [(r["title"], r["reason"]) for r in data["recent"]] == [("三月主题党日", "出差在外地")]
    assert data["years"][0]["leave"] == 1
    assert "病假住院" not in str(data) and peer.name not in str(data)
    # ids in the query string aim nowhere: the answer is the signed-in member's own
    assert client.get(f"/api/me/?member={peer.pk}&id={peer.pk}").json() == data


def test_the_api_says_when_an_account_has_no_member_record(client, make_user, tree):
    client.force_login(make_user("party_member", tree.branch_a))
    data = client.get("/api/me/").json()
    assert data == {"member": None, "reminders": [], "upcoming": [], "years": [], "recent": []}
