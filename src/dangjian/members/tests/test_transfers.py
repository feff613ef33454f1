"""Transfers and moves: history rows, scope re-checked, out-of-scope moves refused and rolled back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core.services import OutOfScope
from dangjian.members import services
from dangjian.members.models import Member, MembershipState, Transfer
from dangjian.orgs.models import OrgKind

from .factories import MemberFactory

pytestmark = pytest.mark.django_db


def _audit(action, **filters):
    return apps.get_model("audit", "AuditEvent").objects.filter(action=action, **filters)


@pytest.fixture
def branch_a2(tree):
    return tree.unit_a.add_child(kind=OrgKind.BRANCH, name="甲局第二党支部")


def test_transfer_within_scope(zhang, tree, make_user, branch_a2):
    user = make_user("unit_admin", tree.unit_a)
    transfer = services.transfer_member(
        user, zhang, branch_a2, dt.date(2024, 3, 1), letter_number="甲-12"
    )
    zhang.refresh_from_db()
    assert zhang.org == branch_a2
    assert (transfer.from_org, transfer.to_org, transfer.letter_number) == (
        tree.branch_a,
        branch_a2,
        "甲-12",
    )
    assert _audit("create", object_type="members.transfer", object_id=str(transfer.pk)).exists()
    update = _audit("update", object_type="members.member", object_id=str(zhang.pk)).get()
    assert update.before["org_id"] == tree.branch_a.pk and update.after["org_id"] == branch_a2.pk


def test_transfer_out_of_scope_is_rolled_back(zhang, tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    with pytest.raises(OutOfScope):
        services.transfer_member(user, zhang, tree.branch_b, dt.date(2024, 3, 1))
    zhang.refresh_from_db()
    assert zhang.org == tree.branch_a
    assert not Transfer.objects.exists()
    assert (
        not _audit("update").exists()
        and not _audit("create", object_type="members.transfer").exists()
    )


def test_transfer_out_of_the_system(zhang, tree, make_user):
    user = make_user("branch_secretary", tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.transfer_member(user, zhang, None, dt.date(2024, 3, 1))
    assert "系统外" in exc.value.message_dict["to_org"][0]
    transfer = services.transfer_member(
        user, zhang, None, dt.date(2024, 3, 1), external_org_name="外省某局机关党委"
    )
    zhang.refresh_from_db()
    assert zhang.membership == MembershipState.TRANSFERRED_OUT and zhang.org == tree.branch_a
    assert transfer.to_org is None and transfer.external_org_name == "外省某局机关党委"


def test_transfer_validation(zhang, tree, make_user, branch_a2):
    user = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError) as exc:
        services.transfer_member(user, zhang, tree.branch_a, dt.date(2024, 3, 1))
    assert "相同" in exc.value.message_dict["to_org"][0]
    with pytest.raises(ValidationError) as exc:
        services.transfer_member(
            user, zhang, tree.unit_a, dt.date(2000, 3, 1), dues_paid_until="2024/6"
        )
    errors = exc.value.message_dict
    assert {"to_org", "transferred_on", "dues_paid_until"} <= set(errors)


def test_update_changing_org_records_a_transfer(zhang, tree, make_user, branch_a2):
    user = make_user("unit_admin", tree.unit_a)
    services.update_member(user, zhang, org=branch_a2, job_title="科长")
    transfer = Transfer.objects.get(member=zhang)
    assert transfer.from_org == tree.branch_a and transfer.to_org == branch_a2


def test_api_move_out_of_change_scope_is_refused_and_rolled_back(zhang, tree, login):
    # Sees the whole tree, but may change members only in 甲局.
    client = login("viewer", tree.root, also=[("unit_admin", tree.unit_a)])
    resp = client.patch(
        f"/api/members/{zhang.pk}/",
        {"org": tree.branch_b.pk, "job_title": "处长"},
        content_type="application/json",
    )
    assert resp.status_code == 404
    zhang.refresh_from_db()
    assert zhang.org == tree.branch_a and zhang.job_title == ""
    assert not Transfer.objects.exists()
    assert not _audit("update").exists()
    resp = client.post(
        "/api/transfers/",
        {"member": zhang.pk, "to_org": tree.branch_b.pk, "transferred_on": "2024-03-01"},
        content_type="application/json",
    )
    assert resp.status_code == 404
    zhang.refresh_from_db()
    assert zhang.org == tree.branch_a and not Transfer.objects.exists()


def test_api_move_to_an_invisible_org_is_400(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.patch(
        f"/api/members/{zhang.pk}/", {"org": tree.branch_b.pk}, content_type="application/json"
    )
    assert resp.status_code == 400 and "org" in resp.json()
    zhang.refresh_from_db()
    assert zhang.org == tree.branch_a


def test_api_unknown_and_out_of_scope_are_404(zhang, tree, login):
    other = MemberFactory(org=tree.branch_b)
    client = login("unit_admin", tree.unit_a)
    assert client.get("/api/members/999999/").status_code == 404
    assert (
        client.patch(
            f"/api/members/{other.pk}/", {"job_title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/members/{other.pk}/").status_code == 404
    assert Member.objects.filter(pk=other.pk).exists()


def test_api_transfer_within_scope_and_history_is_read_only(zhang, tree, login, branch_a2):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        "/api/transfers/",
        {"member": zhang.pk, "to_org": branch_a2.pk, "transferred_on": "2024-03-01"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["from_org"] == tree.branch_a.pk and body["to_org_name"] == "甲局第二党支部"
    zhang.refresh_from_db()
    assert zhang.org == branch_a2
    assert client.delete(f"/api/transfers/{body['id']}/").status_code == 405
    assert (
        client.patch(
            f"/api/transfers/{body['id']}/", {}, content_type="application/json"
        ).status_code
        == 405
    )


def test_transfer_page(zhang, tree, login, branch_a2):
    client = login("unit_admin", tree.unit_a)
    url = reverse("members:member_transfer", args=[zhang.pk])
    page = client.get(url).content.decode()
    assert "甲局第二党支部" in page and "乙局第一党支部" not in page
    resp = client.post(url, {"to_org": branch_a2.pk, "transferred_on": "2024-03-01"})
    assert resp.status_code == 302
    zhang.refresh_from_db()
    assert zhang.org == branch_a2
    detail = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert "甲局第一党支部 → 甲局第二党支部" in detail


# --- 组织关系转入 from outside the system (issue 11) -----------------------------------


def test_arrival_from_outside_records_the_source_and_date(tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    member, transfer = services.receive_member(
        user,
        arrived_on=dt.date(2024, 9, 2),
        external_org_name=" 外省某厅机关第三党支部 ",
        letter_number="外-7",
        dues_paid_until="2024-08",
        org=tree.branch_a,
        name="刘转入",
        gender="female",
        joined_on=dt.date(2012, 7, 1),
    )
    assert member.org == tree.branch_a and member.membership == MembershipState.NORMAL
    assert transfer.from_org is None and transfer.to_org == tree.branch_a
    assert transfer.external_org_name == "外省某厅机关第三党支部"
    assert transfer.transferred_on == dt.date(2024, 9, 2)
    assert (transfer.letter_number, transfer.dues_paid_until) == ("外-7", "2024-08")
    assert _audit("create", object_type="members.transfer", object_id=str(transfer.pk)).exists()
    created = _audit("create", object_type="members.member", object_id=str(member.pk)).get()
    assert created.detail["operation"] == "transfer_in"


def test_arrival_bad_input_writes_nothing(tree, make_user):
    user = make_user("unit_admin", tree.unit_a)
    base = {
        "org": tree.branch_a,
        "name": "刘转入",
        "gender": "male",
        "joined_on": dt.date(2012, 7, 1),
    }
    cases = [
        ({"arrived_on": dt.date(2024, 9, 2), "external_org_name": "  "}, "arrived_from", "名称"),
        ({"arrived_on": None, "external_org_name": "外省某局"}, "arrived_on", "转入日期"),
        (
            {"arrived_on": dt.date(2011, 1, 1), "external_org_name": "外省某局"},
            "arrived_on",
            "早于入党日期",
        ),
        (
            {"arrived_on": dt.date(2999, 1, 1), "external_org_name": "外省某局"},
            "arrived_on",
            "晚于今天",
        ),
    ]
    for args, field, words in cases:
        with pytest.raises(ValidationError) as exc:
            services.receive_member(user, **args, **base)
        assert words in exc.value.message_dict[field][0]
    with pytest.raises(OutOfScope):  # into an org outside the user's scope
        services.receive_member(
            user,
            arrived_on=dt.date(2024, 9, 2),
            external_org_name="外省某局",
            **(base | {"org": tree.branch_b}),
        )
    assert not Member.objects.filter(name="刘转入").exists()
    assert not Transfer.objects.exists()


def test_arrival_through_the_form_and_the_api(tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        reverse("members:member_add"),
        {
            "name": "王转入",
            "gender": "male",
            "org": tree.branch_a.pk,
            "category": "in_service",
            "status": "full",
            "membership": "normal",
            "ethnicity": "汉族",
            "joined_on": "2010-07-01",
            "arrived_from": "外省某局机关党委",
            "arrived_on": "2024-05-06",
        },
    )
    assert resp.status_code == 302, resp.content.decode()
    member = Member.objects.get(name="王转入")
    [t] = Transfer.objects.filter(member=member)
    assert t.from_org is None and t.external_org_name == "外省某局机关党委"
    detail = client.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    assert "外省某局机关党委（系统外转入） → 甲局第一党支部" in detail
    resp = client.post(
        "/api/members/",
        {
            "name": "赵转入",
            "gender": "female",
            "org": tree.branch_a.pk,
            "joined_on": "2011-07-01",
            "arrived_from": "外省某局",
            "arrived_on": "2024-06-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    [t] = Transfer.objects.filter(member__name="赵转入")
    assert t.transferred_on == dt.date(2024, 6, 1) and t.from_org is None
    resp = client.post(
        "/api/members/",
        {
            "name": "钱",
            "gender": "male",
            "org": tree.branch_a.pk,
            "joined_on": "2011-07-01",
            "arrived_on": "2024-06-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400 and "名称" in resp.json()["arrived_from"][0]
    assert not Member.objects.filter(name="钱").exists()
