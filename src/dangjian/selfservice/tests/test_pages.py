"""The admin's member-account pages: open (drill-down, slips once), reset, list; bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.activities.models import Activity, NoticeReceipt, Participation
from dangjian.audit.models import AuditEvent
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.members.models import Member
from dangjian.members.tests.factories import MemberFactory

from .conftest import open_for
from .test_me import sign_in_as

BASELINES = Path(__file__).with_name("query_counts.json")
OPEN = reverse("selfservice:account_open")

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
        Member.objects.filter(account__isnull=False).count(),
    )


def test_open_page_lists_who_has_none_and_drills_into_children(client, people, tree):
    client.force_login(people.unit_admin)
    html = client.get(OPEN).content.decode()  # the admin's top org: 甲局机关党委
    assert "甲局机关党委及其下级有 3 名在册党员尚未开通账号" in html
    assert f'href="?org={tree.branch_a.pk}"' in html and "3 人未开通" in html
    assert people.b1.name not in html and tree.branch_b.name not in html
    html = client.get(OPEN + f"?org={tree.branch_a.pk}").content.decode()
    for m in (people.a1, people.a2, people.g1):
        assert f'name="members" value="{m.pk}"' in html


def test_open_posts_and_prints_the_slips_once(client, people, tree):
    client.force_login(people.secretary)
    resp = client.post(OPEN, {"org": tree.branch_a.pk, "members": [people.a1.pk, people.g1.pk]})
    assert resp.status_code == 200
    assert resp["Cache-Control"].startswith("no-store") or "no-store" in resp["Cache-Control"]
    html = resp.content.decode()
    assert "selfservice/slips.css" in html and "data-dj-print" in html
    for m in (people.a1, people.g1):
        m.refresh_from_db()
        assert m.account.username in html
        password = html.split(m.account.username, 1)[1].split('class="dj-slip-secret">', 1)[1]
        password = password.split("<", 1)[0]
        assert check_password(password, m.account.password)
    people.a2.refresh_from_db()
    assert people.a2.account is None  # left out by the secretary
    # Reloading the page posts again: nothing more is opened, the passwords are not shown again.
    again = client.post(OPEN, {"org": tree.branch_a.pk, "members": [people.a1.pk]})
    assert again.status_code == 400
    assert "已有登录账号，一名党员只能开通一个账号" in again.content.decode()


def test_open_everyone_of_a_big_subtree(client, people, tree):
    client.force_login(people.unit_admin)
    resp = client.post(OPEN, {"org": tree.unit_a.pk, "scope": "all"})
    assert resp.status_code == 200
    assert (
        Member.objects.filter(org__path__startswith=tree.unit_a.path, account__isnull=True).count()
        == 0
    )


@pytest.mark.parametrize("bad", ["²", "-1", "abc", "99999999999999999999999", "0"])
def test_hostile_member_ids_answer_a_chinese_400_and_write_nothing(client, people, tree, bad):
    client.force_login(people.secretary)
    before = counts()
    resp = client.post(OPEN, {"org": tree.branch_a.pk, "members": [people.a1.pk, bad]})
    assert resp.status_code == 400
    assert "编号不正确" in resp.content.decode()
    assert counts() == before


def test_a_member_of_another_branch_answers_400_and_writes_nothing(client, people, tree):
    client.force_login(people.secretary)
    before = counts()
    resp = client.post(OPEN, {"org": tree.branch_a.pk, "members": [people.a1.pk, people.b1.pk]})
    assert resp.status_code == 400
    assert "不存在或不在您的管辖范围内" in resp.content.decode()
    assert counts() == before


@pytest.mark.parametrize("org", ["branch_b", "unit_a", "root"])
def test_an_org_outside_scope_is_404(client, people, tree, org):
    client.force_login(people.secretary)
    before = counts()
    target = getattr(tree, org).pk
    assert client.get(OPEN + f"?org={target}").status_code == 404
    assert client.post(OPEN, {"org": target, "scope": "all"}).status_code == 404
    assert client.get(OPEN + "?org=²").status_code == 404
    assert counts() == before


def test_nothing_selected_is_a_chinese_400(client, people, tree):
    client.force_login(people.secretary)
    resp = client.post(OPEN, {"org": tree.branch_a.pk})
    assert resp.status_code == 400 and "请至少选择一名党员" in resp.content.decode()


def test_roles_that_do_not_open_accounts_get_403(client, tree, make_user):
    for role in ("viewer", "organization_officer", "party_member"):
        client.force_login(make_user(role, tree.branch_a))
        assert client.get(OPEN).status_code == 403
        assert client.post(OPEN, {"org": tree.branch_a.pk, "scope": "all"}).status_code == 403


def test_reset_gives_a_new_initial_password_once(client, people, tree):
    slip = open_for([people.a1])[0]
    people.a1.refresh_from_db()
    account = people.a1.account
    client.force_login(people.secretary)
    url = reverse("selfservice:account_reset", args=[people.a1.pk])
    html = client.post(url).content.decode()
    account.refresh_from_db()
    assert not check_password(slip.password, account.password)
    new = html.split('class="dj-slip-secret">', 2)[2].split("<", 1)[0]
    assert check_password(new, account.password) and account.must_change_password
    event = AuditEvent.objects.filter(action="password_change", object_id=str(account.pk)).last()
    assert event.actor_id == people.secretary.pk and event.detail["initial"] is True
    assert new not in str(event.detail)


def test_reset_is_refused_for_an_account_holding_another_role(client, people, tree):
    open_for([people.a2])
    people.a2.refresh_from_db()
    RoleAssignment.objects.create(user=people.a2.account, role="viewer", org=tree.branch_a)
    before = people.a2.account.password
    client.force_login(people.secretary)
    detail = client.get(reverse("selfservice:account_detail", args=[people.a2.pk]))
    assert "只能由系统管理员重置密码" in detail.content.decode()
    resp = client.post(reverse("selfservice:account_reset", args=[people.a2.pk]), follow=True)
    assert "只能由系统管理员重置密码" in resp.content.decode()
    people.a2.account.refresh_from_db()
    assert people.a2.account.password == before


def test_reset_out_of_scope_is_404(client, people):
    open_for([people.b1])
    people.b1.refresh_from_db()
    before = people.b1.account.password
    client.force_login(people.secretary)
    resp = client.post(reverse("selfservice:account_reset", args=[people.b1.pk]))
    assert resp.status_code == 404
    people.b1.account.refresh_from_db()
    assert people.b1.account.password == before


def test_account_list_query_count_is_constant(client, people, tree):
    client.force_login(people.unit_admin)
    open_for([people.a1])

    def add_rows():
        members = [MemberFactory(org=tree.group_a, name=f"新党员{i}") for i in range(12)]
        open_for(members[:6])

    url = reverse("selfservice:account_list") + f"?within={tree.unit_a.pk}"
    count = assert_query_count_constant(client, url, add_rows)
    check_baseline(BASELINES, "selfservice:account_list", count)


def test_account_list_filters(client, people, tree):
    open_for([people.a1])
    client.force_login(people.unit_admin)
    url = reverse("selfservice:account_list")
    opened = client.get(url + "?opened=yes").content.decode()
    assert people.a1.name in opened and people.a2.name not in opened
    waiting = client.get(url + "?opened=no").content.decode()
    assert people.a1.name not in waiting and people.a2.name in waiting
    elsewhere = client.get(url + f"?within={tree.branch_b.pk}")
    # An org outside the scope is refused in plain Chinese (the filter is left out).
    assert elsewhere.status_code == 200
    assert "所选组织不存在，或不在您可选择的范围内" in elsewhere.content.decode()
    assert elsewhere.context["filterset"].form.errors["within"]
    narrowed = client.get(url + f"?within={tree.group_a.pk}").content.decode()
    assert people.a1.name not in narrowed and people.g1.name in narrowed


def test_me_query_count_is_constant(client, people, tree):
    me = people.a1
    today = timezone.localdate()
    sign_in_as(client, me)

    def add(n: int):
        for i in range(n):
            day = today - dt.timedelta(days=40 * (i + 1))
            activity = Activity.objects.create(
                org=tree.branch_a, kind="theme_day", title=f"主题党日{i}", held_on=day
            )
            Participation.objects.create(activity=activity, member=me, status="attended", hours=1)
            soon = Activity.objects.create(
                org=tree.branch_a,
                kind="party_lecture",
                title=f"党课通知{i}",
                planned_on=today + dt.timedelta(days=i + 1),
            )
            NoticeReceipt.objects.create(activity=soon, member=me)

    add(1)

    def shown(resp) -> int:
        return occurrences("dj-me-notice")(resp) + occurrences("dj-me-life")(resp)

    count = assert_query_count_constant(
        client, reverse("selfservice:me"), lambda: add(3), rows=shown
    )
    check_baseline(BASELINES, "selfservice:me", count)

    def listed(resp) -> int:
        data = resp.json()
        return len(data["upcoming"]) + len(data["recent"])

    count = assert_query_count_constant(client, "/api/me/", lambda: add(1), rows=listed)
    check_baseline(BASELINES, "api:me", count)


def test_the_role_follows_a_transfer_and_leaves_with_the_member(people, tree, make_user):
    from dangjian.members import services as member_services

    open_for([people.a2])
    people.a2.refresh_from_db()
    account = people.a2.account
    admin = make_user("committee_admin", tree.root)
    member_services.transfer_member(admin, people.a2, tree.branch_b, timezone.localdate())
    roles = list(account.role_assignments.values_list("role", "org_id"))
    assert roles == [("party_member", tree.branch_b.pk)]
    actions = list(
        AuditEvent.objects.filter(object_type="accounts.roleassignment")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["role_revoke", "role_grant"]
    member = Member.objects.get(pk=people.a2.pk)
    member_services.transfer_member(
        admin, member, None, timezone.localdate(), external_org_name="外省某支部"
    )
    assert not account.role_assignments.exists()


def test_a_linked_secretary_keeps_her_roles_when_her_record_changes(people, tree, make_user):
    """Only the 党员 role follows the member; an account without it is left alone."""
    from dangjian.members import services as member_services

    Member.objects.filter(pk=people.a1.pk).update(account=people.secretary)
    people.a1.refresh_from_db()
    admin = make_user("committee_admin", tree.root)
    member_services.transfer_member(admin, people.a1, tree.branch_b, timezone.localdate())
    assert list(people.secretary.role_assignments.values_list("role", "org_id")) == [
        ("branch_secretary", tree.branch_a.pk)
    ]
