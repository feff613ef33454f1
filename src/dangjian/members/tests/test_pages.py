"""Member pages: add, edit (ID and phone kept when left empty), delete, exemptions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.members.models import Exemption, Member
from dangjian.orgs.models import CommitteePost, Term

from .conftest import ID_NUMBER, PHONE
from .factories import make_id_number

pytestmark = pytest.mark.django_db

FORM = {"category": "in_service", "status": "full", "membership": "normal", "ethnicity": "汉族"}


def test_add_page_creates_through_the_service(tree, login):
    client = login("branch_secretary", tree.branch_a)
    page = client.get(reverse("members:member_add")).content.decode()
    assert "甲局第一党支部" in page and "乙局第一党支部" not in page
    id_number = make_id_number(dt.date(1992, 8, 8), male=False)
    resp = client.post(
        reverse("members:member_add"),
        FORM
        | {
            "name": "孙丽",
            "org": tree.branch_a.pk,
            "id_number": id_number,
            "phone": "13700001234",
            "joined_on": "2016-05-04",
            "full_member_on": "2017-05-04",
        },
    )
    member = Member.objects.get()
    assert resp.status_code == 302 and resp["Location"] == member.get_absolute_url()
    assert (member.gender, member.birth_date, member.id_number) == (
        "female",
        dt.date(1992, 8, 8),
        id_number,
    )


def test_edit_keeps_identifiers_when_left_empty(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        reverse("members:member_edit", args=[zhang.pk]),
        FORM
        | {
            "name": "张伟",
            "org": tree.branch_a.pk,
            "id_number": "",
            "phone": "",
            "gender": "male",
            "joined_on": "2012-07-01",
            "full_member_on": "2013-07-01",
            "job_title": "副处长",
        },
    )
    assert resp.status_code == 302, resp.content.decode()
    zhang.refresh_from_db()
    assert (zhang.id_number, zhang.phone, zhang.job_title) == (ID_NUMBER, PHONE, "副处长")
    # and a new phone replaces the old one
    client.post(
        reverse("members:member_edit", args=[zhang.pk]),
        FORM
        | {
            "name": "张伟",
            "org": tree.branch_a.pk,
            "phone": "13600000000",
            "gender": "male",
            "joined_on": "2012-07-01",
            "full_member_on": "2013-07-01",
        },
    )
    zhang.refresh_from_db()
    assert zhang.phone == "13600000000" and zhang.id_number == ID_NUMBER


def test_viewer_cannot_edit_and_outsider_gets_404(zhang, tree, login, client):
    assert (
        login("viewer", tree.unit_a)
        .get(reverse("members:member_edit", args=[zhang.pk]))
        .status_code
        == 403
    )
    client.logout()
    assert (
        login("unit_admin", tree.unit_b)
        .get(reverse("members:member_edit", args=[zhang.pk]))
        .status_code
        == 404
    )


def test_delete(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    term = Term.objects.create(org=tree.branch_a, started_on=dt.date(2022, 1, 1))
    post = CommitteePost.objects.create(term=term, member=zhang, post="secretary")
    resp = client.post(reverse("members:member_delete", args=[zhang.pk]), follow=True)
    assert "班子任职" in resp.content.decode() and Member.objects.filter(pk=zhang.pk).exists()
    assert client.delete(f"/api/members/{zhang.pk}/").status_code == 400
    post.delete()
    resp = client.post(reverse("members:member_delete", args=[zhang.pk]))
    assert resp.status_code == 302 and not Member.objects.filter(pk=zhang.pk).exists()


def test_detail_shows_posts_exemptions_and_history(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    term = Term.objects.create(org=tree.branch_a, started_on=dt.date(2022, 1, 1))
    CommitteePost.objects.create(
        term=term, member=zhang, post="secretary", assigned_on=dt.date(2022, 1, 1)
    )
    resp = client.post(
        reverse("members:exemption_add", args=[zhang.pk]),
        {"reason": "long_absence", "starts_on": "2024-01-01", "ends_on": "2024-06-30"},
    )
    assert resp.status_code == 302
    assert Exemption.objects.get().member == zhang
    page = client.get(reverse("members:member_detail", args=[zhang.pk])).content.decode()
    assert "书记" in page and "长期外出" in page and "2024-06-30" in page


def test_exemption_end_before_start(zhang, tree, login):
    client = login("unit_admin", tree.unit_a)
    resp = client.post(
        reverse("members:exemption_add", args=[zhang.pk]),
        {"reason": "long_absence", "starts_on": "2024-06-01", "ends_on": "2024-01-01"},
    )
    assert resp.status_code == 200 and "结束日期不能早于开始日期" in resp.content.decode()
    resp = client.post(
        "/api/exemptions/",
        {
            "member": zhang.pk,
            "reason": "illness",
            "starts_on": "2024-06-01",
            "ends_on": "2024-01-01",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400 and "ends_on" in resp.json()
    assert not Exemption.objects.exists()


def test_branch_secretary_keeps_the_workplace_unit(tree, login):
    # 甲局 (the Unit) hangs on the unit-level org, outside a branch secretary's view scope.
    from .factories import MemberFactory

    member = MemberFactory(org=tree.branch_a, unit=tree.dept_a)
    client = login("branch_secretary", tree.branch_a)
    page = client.get(reverse("members:member_edit", args=[member.pk])).content.decode()
    assert f'<option value="{tree.dept_a.pk}" selected>甲局</option>' in page
    assert "乙局" not in page
    row = client.get(f"/api/members/{member.pk}/").json()
    resp = client.put(f"/api/members/{member.pk}/", row, content_type="application/json")
    assert resp.status_code == 200, resp.content
    resp = client.patch(
        f"/api/members/{member.pk}/", {"unit": tree.dept_b.pk}, content_type="application/json"
    )
    assert resp.status_code == 400 and "unit" in resp.json()
    member.refresh_from_db()
    assert member.unit == tree.dept_a
