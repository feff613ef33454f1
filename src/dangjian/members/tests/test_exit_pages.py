"""The 出党/减少 pages and API, both sides of an internal transfer, the arrival form and the
member list's default of members in register (在册)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.members import services
from dangjian.members.models import Exit, ExitKind, Member, MembershipState, Transfer

from .factories import ExitFactory, MemberFactory

BASELINES = Path(__file__).with_name("query_counts.json")
LEFT = dt.date(2024, 5, 10)

pytestmark = pytest.mark.django_db


def test_exit_form_records_the_exit(zhang, tree, login):
    client = login("branch_secretary", tree.branch_a)
    page = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert reverse("members:exit_add", args=[zhang.pk]) in page
    form = client.get(reverse("members:exit_add", args=[zhang.pk])).content.decode()
    assert "出党日期" in form and "甲局机关党委" in form  # the approving org: own or above
    resp = client.post(
        reverse("members:exit_add", args=[zhang.pk]),
        {
            "kind": "expelled",
            "left_on": "2024-05-10",
            "reason": "严重违纪",
            "approved_by_org": tree.unit_a.pk,
            "document_number": "甲纪〔2024〕3号",
        },
    )
    assert resp.status_code == 302
    exit_row = Exit.objects.get(member=zhang)
    assert (exit_row.kind, exit_row.left_on, exit_row.approved_by_org) == (
        ExitKind.EXPELLED,
        LEFT,
        tree.unit_a,
    )
    page = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert "2024-05-10 开除党籍" in page and "严重违纪" in page
    assert reverse("members:exit_add", args=[zhang.pk]) not in page  # not twice


def test_exit_form_shows_the_rule_and_writes_nothing(zhang, tree, login):
    client = login("branch_secretary", tree.branch_a)
    resp = client.post(
        reverse("members:exit_add", args=[zhang.pk]), {"kind": "deceased", "left_on": "2010-01-01"}
    )
    assert resp.status_code == 200
    assert "不能早于入党日期" in resp.content.decode()
    assert not Exit.objects.exists()
    assert Member.objects.get(pk=zhang.pk).membership == MembershipState.NORMAL


def test_only_roles_that_change_the_member_get_the_exit_form(zhang, tree, login):
    client = login("viewer", tree.unit_a)
    page = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert reverse("members:exit_add", args=[zhang.pk]) not in page
    assert client.get(reverse("members:exit_add", args=[zhang.pk])).status_code == 403


def test_exit_list_filters_by_year_kind_and_org(tree, login):
    a = ExitFactory(member=MemberFactory(org=tree.branch_a, name="甲甲"), kind="deceased")
    b = ExitFactory(
        member=MemberFactory(org=tree.branch_b, name="乙乙"),
        kind="expelled",
        left_on=dt.date(2023, 3, 1),
    )
    client = login("unit_admin", tree.root)
    url = reverse("members:exit_list")

    def shown(query=""):
        html = client.get(url + query).content.decode()
        return {e.member.name for e in (a, b) if e.member.get_absolute_url() in html}

    assert shown() == {"甲甲", "乙乙"}
    assert shown("?year=2024") == {"甲甲"}
    assert shown("?kind=expelled") == {"乙乙"}
    assert shown(f"?within={tree.unit_b.pk}") == {"乙乙"}
    assert client.get(url + "?year=99999").status_code == 200  # range-checked, ignored


def test_exit_api_refuses_bad_input_in_chinese(zhang, tree, login):
    client = login("branch_secretary", tree.branch_a)
    resp = client.post(
        "/api/exits/",
        {"member": zhang.pk, "kind": "struck_off", "left_on": "2024-05-10", "reason": "失联"},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert "须经党组织批准" in resp.json()["approved_by_org"][0]
    assert not Exit.objects.exists()


@pytest.mark.parametrize(
    ("key", "url"), [("members:exit_list", "/members/exits/"), ("api:exits", "/api/exits/")]
)
def test_exit_lists_query_counts(tree, login, key, url):
    client = login("unit_admin", tree.unit_a)
    ExitFactory(member=MemberFactory(org=tree.branch_a), approved_by_org=tree.unit_a)

    def add_rows():
        for i in range(30):
            ExitFactory(
                member=MemberFactory(org=tree.group_a if i % 2 else tree.branch_a),
                approved_by_org=tree.unit_a if i % 3 else None,
            )

    count = assert_query_count_constant(client, url, add_rows)
    check_baseline(BASELINES, key, count)


def test_member_list_shows_members_in_register_by_default(zhang, tree, login, secretary=None):
    gone = MemberFactory(org=tree.branch_a, name="李离")
    client = login("branch_secretary", tree.branch_a)
    services.record_exit(client.user, gone, ExitKind.DECEASED, LEFT)
    url = reverse("members:member_list")

    def names(query=""):
        html = client.get(url + query).content.decode()
        return {m.name for m in (zhang, gone) if m.get_absolute_url() in html}

    assert names() == {"张伟"}
    assert names("?membership=") == {"张伟", "李离"}
    assert names("?membership=left") == {"李离"}
    assert names("?membership=deceased") == {"李离"}


def test_both_sides_see_an_internal_transfer(zhang, tree, login, client, make_user):
    services.transfer_member(make_user("unit_admin", tree.root), zhang, tree.branch_b, LEFT)
    transfer = Transfer.objects.get(member=zhang)
    for org in (tree.branch_a, tree.branch_b):  # the source and the destination
        client.force_login(make_user("branch_secretary", org))
        ids = {row["id"] for row in client.get("/api/transfers/").json()["results"]}
        assert transfer.pk in ids, org
        page = client.get(reverse("members:member_detail", args=[zhang.pk]))
        assert page.status_code == 200, org
        html = page.content.decode()
        assert "甲局第一党支部" in html and "乙局第一党支部" in html
        listed = client.get(reverse("members:transfer_list")).content.decode()
        assert zhang.get_absolute_url() in listed, org
        within = client.get(reverse("members:transfer_list") + f"?within={org.pk}")
        assert zhang.get_absolute_url() in within.content.decode(), org
    # The source side reads, never writes: no edit, no transfer, no exit.
    client.force_login(make_user("branch_secretary", tree.branch_a))
    html = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    for name in ("member_edit", "member_transfer", "exit_add"):
        assert reverse(f"members:{name}", args=[zhang.pk]) not in html
        assert client.get(reverse(f"members:{name}", args=[zhang.pk])).status_code == 404
    # A third org sees neither.
    third = tree.unit_b.add_child(kind="branch", name="乙局第二党支部")
    client.force_login(make_user("branch_secretary", third))
    assert client.get(reverse("members:member_detail", args=[zhang.pk])).status_code == 404
    assert not client.get("/api/transfers/").json()["results"]


def test_transfer_into_an_org_outside_scope_is_refused(zhang, tree, login):
    client = login("branch_secretary", tree.branch_a)
    resp = client.post(
        reverse("members:member_transfer", args=[zhang.pk]),
        {"to_org": tree.branch_b.pk, "transferred_on": "2024-05-10"},
    )
    assert resp.status_code == 200
    assert "不在您可选择的范围内" in resp.content.decode()
    assert Member.objects.get(pk=zhang.pk).org == tree.branch_a
    assert not Transfer.objects.exists()


def test_transfer_forms_ask_for_the_letter_and_dues(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    out = client.get(reverse("members:member_transfer", args=[zhang.pk])).content.decode()
    assert "介绍信编号" in out and "党费交至" in out
    add = client.get(reverse("members:member_add")).content.decode()
    assert all(label in add for label in ("系统外转出组织", "转入日期", "介绍信编号", "党费交至"))
    resp = client.post(
        reverse("members:member_add"),
        {
            "name": "王来",
            "gender": "female",
            "ethnicity": "汉族",
            "org": tree.branch_a.pk,
            "category": "in_service",
            "status": "full",
            "joined_on": "2010-07-01",
            "full_member_on": "2011-07-01",
            "membership": "normal",
            "arrived_from": "外省某局机关党委",
            "arrived_on": "2024-03-01",
            "arrival_letter_number": "外转〔2024〕8号",
            "arrival_dues_paid_until": "2024-02",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:3000]
    arrival = Transfer.objects.get(member__name="王来")
    assert (arrival.from_org, arrival.to_org, arrival.external_org_name) == (
        None,
        tree.branch_a,
        "外省某局机关党委",
    )
    assert (arrival.letter_number, arrival.dues_paid_until) == ("外转〔2024〕8号", "2024-02")


def test_transfer_list_query_count(tree, login):
    client = login("unit_admin", tree.root)

    def move(n):
        for i in range(n):
            member = MemberFactory(org=tree.branch_a if i % 2 else tree.branch_b)
            to = tree.branch_b if i % 2 else tree.branch_a
            services.transfer_member(client.user, member, to, LEFT, letter_number=f"转{i}")

    move(1)
    count = assert_query_count_constant(client, "/members/transfers/", lambda: move(30))
    check_baseline(BASELINES, "members:transfer_list", count)
