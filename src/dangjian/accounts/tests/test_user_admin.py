import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")


def _pages(user_pk):
    return [
        reverse("accounts:user_list"),
        reverse("accounts:user_detail", args=[user_pk]),
        reverse("accounts:user_add"),
    ]


def test_anonymous_goes_to_login(client, make_user):
    for url in _pages(make_user().pk):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["branch_secretary", "committee_admin", "audit_admin"])
def test_others_get_403(client, tree, make_user, role, events):
    target = make_user()
    org = None if role == "audit_admin" else tree.branch_a
    client.force_login(make_user(role, org))
    for url in _pages(target.pk):
        assert client.get(url).status_code == 403
    posts = [
        (
            reverse("accounts:role_propose", args=[target.pk]),
            {"role": "viewer", "org": tree.root.pk},
        ),
        (reverse("accounts:user_set_active", args=[target.pk]), {"active": "0"}),
        (reverse("accounts:user_unlock", args=[target.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert not target.role_assignments.exists() and not target.role_proposals.exists()
    assert len(events("permission_denied")) == 6


def test_system_admin_sees_the_pages(client, tree, sysadmin, make_user):
    target = make_user("branch_secretary", tree.branch_a, display_name="张三")
    client.force_login(sysadmin)
    for url in _pages(target.pk):
        assert client.get(url).status_code == 200
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "张三" in listing and "支部书记 @ 甲局第一党支部" in listing
    detail = client.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    # the grant form offers the whole tree to an account admin
    for org in (tree.root, tree.branch_a, tree.branch_b, tree.group_a):
        assert f'value="{org.pk}"' in detail


def test_security_admin_reads_but_does_not_write(client, sysadmin):
    client.force_login(User.objects.get(pk=sysadmin.pk))
    from dangjian.accounts import services
    from dangjian.core.scoping import SYSTEM

    secadmin = services.create_user(
        SYSTEM, username="sec", password="Sec!ure123", roles=[("security_admin", None)]
    )
    User.objects.filter(pk=secadmin.pk).update(must_change_password=False)
    client.force_login(secadmin)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.get(reverse("accounts:user_add")).status_code == 403


def test_filters(client, tree, sysadmin, make_user):
    make_user("viewer", tree.unit_a, username="viewer1")
    make_user(username="idle1", is_active=False)
    client.force_login(sysadmin)

    def names(query):
        resp = client.get(reverse("accounts:user_list") + query)
        return {row.record.username for row in resp.context["table"].rows}

    assert names("?role=viewer") == {"viewer1"}
    assert names("?is_active=false") == {"idle1"}
    assert names("?q=view") == {"viewer1"}


def test_create_user(client, sysadmin, events):
    client.force_login(sysadmin)
    data = {
        "username": "newbie",
        "display_name": "新人",
        "email": "",
        "password1": "Init!pass12",
        "password2": "Init!pass12",
    }
    resp = client.post(reverse("accounts:user_add"), data)
    user = User.objects.get(username="newbie")
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "accounts:user_detail", args=[user.pk]
    )
    assert user.must_change_password and user.check_password("Init!pass12")
    (event,) = events("create")
    assert event.actor_name == "sysadmin" and event.object_type == "accounts.user"
    assert "password" not in event.after and event.after["username"] == "newbie"


def test_create_user_refuses_weak_password_and_duplicate(client, sysadmin, make_user):
    make_user(username="taken")
    client.force_login(sysadmin)
    weak = client.post(
        reverse("accounts:user_add"),
        {"username": "x1", "password1": "abcdefgh1", "password2": "abcdefgh1"},
    )
    assert weak.status_code == 200 and "至少 3 类" in weak.content.decode()
    dup = client.post(
        reverse("accounts:user_add"),
        {"username": "TAKEN", "password1": "Init!pass12", "password2": "Init!pass12"},
    )
    assert "已存在" in dup.content.decode()
    assert not User.objects.filter(username__in=["x1", "TAKEN"]).exists()


def test_propose_then_revoke_role(client, tree, sysadmin, make_user, events):
    from dangjian.accounts import services

    target = make_user()
    client.force_login(sysadmin)
    url = reverse("accounts:role_propose", args=[target.pk])
    client.post(url, {"role": "unit_admin", "org": tree.unit_a.pk, "note": "新任管理员"})
    assert not RoleAssignment.objects.filter(user=target).exists()
    (propose,) = events("role_propose")
    assert propose.after["role"] == "unit_admin" and propose.related_org_id == tree.unit_a.pk
    services.approve_role(make_user("security_admin"), target.role_proposals.get())
    assignment = RoleAssignment.objects.get(user=target)
    assert (assignment.role, assignment.org) == ("unit_admin", tree.unit_a)
    client.post(reverse("accounts:role_revoke", args=[target.pk]), {"assignment": assignment.pk})
    assert not RoleAssignment.objects.filter(user=target).exists()
    (revoke,) = events("role_revoke")
    assert revoke.before["org_id"] == tree.unit_a.pk and revoke.actor_name == "sysadmin"


@pytest.mark.parametrize(
    ("role", "org_name", "message"),
    [
        ("audit_admin", "root", "全局角色，不能指定组织"),
        ("viewer", None, "须指定所辖组织"),
    ],
)
def test_proposal_validation_on_the_page(
    client, tree, sysadmin, make_user, role, org_name, message
):
    target = make_user()
    client.force_login(sysadmin)
    data = {"role": role, "org": getattr(tree, org_name).pk if org_name else ""}
    resp = client.post(reverse("accounts:role_propose", args=[target.pk]), data, follow=True)
    assert message in resp.content.decode()
    assert not target.role_proposals.exists()


def test_separation_of_duties(client, tree, sysadmin, make_user):
    auditor = make_user("audit_admin")
    branch = make_user("branch_secretary", tree.branch_a)
    client.force_login(sysadmin)
    for user, role, org in (
        (auditor, "security_admin", None),
        (auditor, "viewer", tree.root.pk),
        (branch, "system_admin", None),
    ):
        resp = client.post(
            reverse("accounts:role_propose", args=[user.pk]),
            {"role": role, "org": org or ""},
            follow=True,
        )
        assert "三权分立" in resp.content.decode()
    assert not auditor.role_proposals.exists() and not branch.role_proposals.exists()
    # nor can an admin ask for roles of their own
    resp = client.post(
        reverse("accounts:role_propose", args=[sysadmin.pk]), {"role": "audit_admin", "org": ""}
    )
    assert resp.status_code == 403 and not sysadmin.role_proposals.exists()


def test_deactivate_and_reactivate(client, sysadmin, make_user, events):
    target = make_user()
    client.force_login(sysadmin)
    url = reverse("accounts:user_set_active", args=[target.pk])
    client.post(url, {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    (event,) = events("update")
    assert event.before["is_active"] is True and event.after["is_active"] is False
    client.post(url, {"active": "1"})
    target.refresh_from_db()
    assert target.is_active
    resp = client.post(
        reverse("accounts:user_set_active", args=[sysadmin.pk]), {"active": "0"}, follow=True
    )
    assert "不能停用自己的账号" in resp.content.decode()
    sysadmin.refresh_from_db()
    assert sysadmin.is_active


def test_system_admin_sees_no_member_data(client, tree, sysadmin):
    from dangjian.members.models import Member

    Member.objects.create(
        org=tree.branch_a, name="王五", gender="male", joined_on=dt.date(2010, 7, 1)
    )
    assert Member.objects.count() == 1
    assert not Member.objects.restrict(sysadmin, "view").exists()
    client.force_login(sysadmin)
    assert client.get(reverse("members:member_list")).status_code == 403
    assert client.get("/api/members/").status_code == 403


def test_user_list_query_count_is_constant(client, tree, sysadmin, make_user):
    client.force_login(sysadmin)

    def add_rows():
        for i in range(5):
            user = make_user("viewer", tree.unit_a)
            RoleAssignment.objects.create(user=user, role="party_member", org=tree.branch_b)
            if i % 2:
                make_user(is_active=False)

    count = assert_query_count_constant(client, reverse("accounts:user_list"), add_rows)
    check_baseline(BASELINES, "accounts:user_list", count)
