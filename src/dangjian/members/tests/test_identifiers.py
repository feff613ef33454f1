"""What a user may learn of an ID number (members.identifiers, decisions/0008), the other
side of test_inference.py: duplicates are refused plainly only where the user may reveal and
are otherwise kept for review; the reveal right keeps working and every exact lookup with it
is audited; the 组织委员 keeps maintaining members without seeing what is masked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse

from dangjian.members.models import Member

from .conftest import PLANT_AREA, PLANT_BIRTH, PLANT_ID, PLANT_PHONE, PROBES, WRONG_ID
from .factories import MemberFactory, make_id_number

pytestmark = pytest.mark.django_db


def _events(action: str):
    return apps.get_model("audit", "AuditEvent").objects.filter(action=action)


# --- duplicates: refused plainly where the user may reveal, kept for review elsewhere ------


def test_duplicate_outside_the_reveal_scope_is_kept_for_review(officer, tree, planted, login):
    resp = officer.post(
        "/api/members/",
        {
            "name": "陈志远",
            "org": tree.branch_a.pk,
            "joined_on": "2010-06-15",
            "id_number": PLANT_ID,
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    copy = Member.objects.get(pk=resp.json()["id"])
    assert copy.id_number == PLANT_ID and copy.id_number_clash
    # the officer's pages say nothing about it …
    page = officer.get(reverse("members:member_detail", args=[copy.pk])).content.decode()
    assert "重复" not in page
    assert officer.get("/api/members/?id_clash=true").json()["count"] == 0
    # … the secretary, who may reveal both, is told and pointed at the other record
    secretary = login("branch_secretary", tree.branch_a)
    page = secretary.get(reverse("members:member_detail", args=[copy.pk])).content.decode()
    assert "身份证号码与" in page and reverse("members:member_detail", args=[planted.pk]) in page
    listed = {r["id"] for r in secretary.get("/api/members/?id_clash=true").json()["results"]}
    assert listed == {planted.pk, copy.pk}


def test_duplicate_in_another_unit_is_not_confirmed_even_with_reveal(tree, planted, login):
    admin_b = login("unit_admin", tree.unit_b)
    resp = admin_b.post(
        "/api/members/",
        {
            "name": "陈志远",
            "org": tree.branch_b.pk,
            "joined_on": "2010-06-15",
            "id_number": PLANT_ID,
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    copy_pk = resp.json()["id"]
    page = admin_b.get(reverse("members:member_detail", args=[copy_pk])).content.decode()
    assert "身份证号码与" not in page
    # the 工委 sees both sides
    committee = login("committee_admin", tree.root)
    page = committee.get(reverse("members:member_detail", args=[copy_pk])).content.decode()
    assert "身份证号码与" in page


# --- the reveal right keeps working, and is audited ------------------------------------


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_exact_search_with_reveal_finds_and_is_audited(secretary, planted, field):
    right, wrong = PROBES[field]
    rows = secretary.get(f"/api/members/?q={right}").json()["results"]
    assert [r["id"] for r in rows] == [planted.pk]
    event = _events("reveal").get(object_id=str(planted.pk))
    assert event.outcome == "success" and event.actor_id == secretary.user.pk
    assert event.detail["field"] == field and event.detail["via"] == "search"
    assert right not in str(vars(event))
    assert secretary.get(f"/api/members/?q={wrong}").json()["results"] == []
    page = secretary.get(f"{reverse('members:member_list')}?q={right}").content.decode()
    assert "陈志远" in page
    assert _events("reveal").filter(object_id=str(planted.pk)).count() == 2


def test_exact_search_stops_at_the_reveal_scope(login, tree, planted):
    # Views the whole tree, reveals only in 乙局: 甲局's member is not found by number.
    client = login("viewer", tree.root, also=[("branch_secretary", tree.branch_b)])
    assert client.get(f"/api/members/?q={PLANT_ID}").json()["results"] == []


def test_secretary_sees_birth_date_and_duplicate_in_branch_plainly(secretary, tree, planted):
    row = secretary.get(f"/api/members/{planted.pk}/").json()
    assert row["birth_date"] == PLANT_BIRTH.isoformat() and row["birth_year"] == PLANT_BIRTH.year
    page = secretary.get(reverse("members:member_detail", args=[planted.pk])).content.decode()
    assert f"{PLANT_BIRTH:%Y-%m-%d}" in page
    resp = secretary.post(
        "/api/members/",
        {"name": "某人", "org": tree.branch_a.pk, "joined_on": "2010-06-15", "id_number": PLANT_ID},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "已登记" in resp.json()["id_number"][0]
    assert Member.objects.filter(name="某人").count() == 0
    event = _events("reveal").get(object_id=str(planted.pk))
    assert event.detail["via"] == "duplicate_check"


def test_attendance_by_id_number_with_reveal_is_audited(secretary, tree, planted):
    resp = secretary.post(
        reverse("activities:activity_add"),
        {
            "org": tree.branch_a.pk,
            "kind": "heart_talk",
            "held_on": "2024-05-10",
            "title": "谈心谈话",
            "extra_attendees": PLANT_ID,
        },
    )
    assert resp.status_code == 302
    event = _events("reveal").get(object_id=str(planted.pk))
    assert event.detail["via"] == "attendance"


# --- the officer keeps working without seeing --------------------------------------------


def test_officer_edits_a_member_without_touching_hidden_values(officer, tree, planted):
    form = {
        "name": "陈志远",
        "gender": "male",
        "ethnicity": "汉族",
        "org": tree.branch_a.pk,
        "job_title": "科长",
        "category": "in_service",
        "status": "full",
        "joined_on": "2010-06-15",
        "full_member_on": "2011-06-15",
        "membership": "normal",
    }
    page = officer.get(reverse("members:member_edit", args=[planted.pk])).content.decode()
    assert f"{PLANT_BIRTH:%Y-%m-%d}" not in page and "1986年" in page  # the year, as a hint
    resp = officer.post(reverse("members:member_edit", args=[planted.pk]), form)
    assert resp.status_code == 302, resp.context["form"].errors
    # the API way: echo back what was read, change one field
    row = officer.get(f"/api/members/{planted.pk}/").json()
    assert row["birth_date"] is None and row["birth_year"] == PLANT_BIRTH.year
    resp = officer.put(
        f"/api/members/{planted.pk}/", row | {"job_title": "处长"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    planted.refresh_from_db()
    assert (planted.id_number, planted.phone, planted.birth_date) == (
        PLANT_ID,
        PLANT_PHONE,
        PLANT_BIRTH,
    )
    assert planted.job_title == "处长"


def test_officer_may_replace_hidden_values_and_the_audit_names_them(officer, planted):
    new_id = make_id_number(dt.date(1987, 1, 2), male=True, region=PLANT_AREA, serial=3)
    resp = officer.patch(
        f"/api/members/{planted.pk}/",
        {"id_number": new_id, "phone": "13700001111"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    planted.refresh_from_db()
    assert planted.id_number == new_id and planted.birth_date == dt.date(1987, 1, 2)
    event = _events("update").get(object_id=str(planted.pk))
    assert event.before["birth_date"] == "1986年" and event.after["birth_date"] == "1987年"
    assert set(event.detail["sensitive_changed"]) == {"id_number", "phone", "birth_date"}
    assert new_id not in str(vars(event)) and "13700001111" not in str(vars(event))


def test_list_page_says_why_an_exact_search_finds_nothing(officer):
    for value in (PLANT_ID, WRONG_ID):
        page = officer.get(f"{reverse('members:member_list')}?q={value}").content.decode()
        assert "按完整身份证号码或手机号码查找需要" in page


def test_birth_date_sorts_only_for_those_who_may_reveal_every_row(tree, planted, login):
    MemberFactory(org=tree.branch_a, name="孙一鸣", birth_date=dt.date(1986, 1, 1))
    MemberFactory(org=tree.branch_a, name="钱二宝", birth_date=dt.date(1986, 12, 31))
    names = ["孙一鸣", "钱二宝", "陈志远"]
    page = reverse("members:member_list")

    def order(client, query=""):
        body = client.get(f"{page}?{query}").content.decode()
        return sorted(names, key=body.index)

    secretary = login("branch_secretary", tree.branch_a)
    assert order(secretary, "sort=birth_date") == ["孙一鸣", "陈志远", "钱二宝"]
    assert order(secretary, "sort=-birth_date") == ["钱二宝", "陈志远", "孙一鸣"]
    # the officer's list ignores the sort: the birthday is not placed among known dates
    officer = login("organization_officer", tree.branch_a)
    for sort in ("birth_date", "-birth_date", "birth_masked"):
        assert order(officer, f"sort={sort}") == order(officer)
