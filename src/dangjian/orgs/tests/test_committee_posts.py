"""HTML pages for committee posts (班子成员): 任命, 修改/免职, 删除; scoped member choices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse

from dangjian.orgs.forms import CommitteePostForm
from dangjian.orgs.models import CommitteePost

from .helpers import make_member, make_term

pytestmark = pytest.mark.django_db
ADD = "orgs:committeepost_add"


@pytest.fixture
def term(tree):
    return make_term(tree.branch_a, dt.date(2023, 5, 1), number=3)


@pytest.fixture
def secretary(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


def test_member_choices_are_only_the_orgs_own_active_members(tree, term, secretary):
    own = make_member(tree.branch_a, name="本支部党员")
    grouped = make_member(tree.group_a, name="党小组党员")
    make_member(tree.branch_a, name="已出党", membership="expelled")
    make_member(tree.branch_b, name="乙局党员")
    make_member(tree.unit_a, name="机关党委直属党员")  # above the branch: not its member
    form = CommitteePostForm(initial={"term": term.pk}, user=secretary)
    offered = {m.pk for m in form.fields["member"].queryset}
    assert offered == {own.pk, grouped.pk}
    assert form.fields["member"].label_from_instance(grouped) == "党小组党员（第一党小组）"


def test_member_outside_the_org_is_refused_in_chinese(tree, term, secretary):
    outsider = make_member(tree.branch_b, name="乙局党员")
    form = CommitteePostForm(
        data={"term": term.pk, "member": outsider.pk, "post": "secretary"}, user=secretary
    )
    assert not form.is_valid()
    assert "不是该组织（含下级组织）的在册党员" in form.errors["member"][0]


def test_term_outside_scope_or_ended_is_refused(tree, make_user, secretary, term):
    other = make_term(tree.branch_b, dt.date(2023, 5, 1))
    member = make_member(tree.branch_b)
    form = CommitteePostForm(
        data={"term": other.pk, "member": member.pk, "post": "member"}, user=secretary
    )
    assert not form.is_valid() and "term" in form.errors
    ended = make_term(tree.branch_a, dt.date(2018, 1, 1), ended_on=dt.date(2021, 1, 1))
    form = CommitteePostForm(initial={"term": ended.pk}, user=secretary)
    assert not form.fields["term"].queryset.filter(pk=ended.pk).exists()


def test_appoint_from_the_org_page(client, tree, term, secretary):
    member = make_member(tree.branch_a, name="张书记")
    client.force_login(secretary)
    page = client.get(tree.branch_a.get_absolute_url()).content.decode()
    add_url = f"{reverse(ADD)}?term={term.pk}"
    assert add_url in page and "任命班子成员" in page
    resp = client.get(add_url)
    assert resp.status_code == 200 and "第3届" in resp.content.decode()
    resp = client.post(reverse(ADD), {"term": term.pk, "member": member.pk, "post": "secretary"})
    assert resp.status_code == 302 and resp["Location"] == tree.branch_a.get_absolute_url()
    post = CommitteePost.objects.get()
    assert (post.member, post.post, post.assigned_on) == (member, "secretary", term.started_on)
    AuditEvent = apps.get_model("audit", "AuditEvent")
    assert AuditEvent.objects.filter(action="create", object_id=str(post.pk)).exists()
    page = client.get(tree.branch_a.get_absolute_url()).content.decode()
    assert reverse("orgs:committeepost_edit", args=[post.pk]) in page


def test_second_secretary_is_refused_and_nothing_saved(client, tree, term, secretary):
    first = make_member(tree.branch_a, name="李书记")
    CommitteePost.objects.create(term=term, member=first, post="secretary")
    second = make_member(tree.branch_a)
    client.force_login(secretary)
    resp = client.post(reverse(ADD), {"term": term.pk, "member": second.pk, "post": "secretary"})
    assert resp.status_code == 200
    assert "本届已有书记（李书记），请先免去其职务。" in resp.content.decode()
    assert CommitteePost.objects.count() == 1


def test_add_without_a_term_goes_back_to_the_tree(client, secretary):
    client.force_login(secretary)
    resp = client.get(reverse(ADD), follow=True)
    assert resp.redirect_chain[-1][0] == reverse("orgs:tree")
    assert "请在党组织页面的“班子成员”栏目中任命班子成员" in resp.content.decode()


def test_edit_records_dismissal_and_validates_dates(client, tree, term, secretary):
    post = CommitteePost.objects.create(
        term=term,
        member=make_member(tree.branch_a),
        post="organization_member",
        assigned_on=dt.date(2023, 5, 1),
    )
    client.force_login(secretary)
    url = reverse("orgs:committeepost_edit", args=[post.pk])
    resp = client.post(
        url,
        {"post": "organization_member", "assigned_on": "2023-05-01", "dismissed_on": "2022-01-01"},
    )
    assert resp.status_code == 200 and "免职日期不能早于任职日期。" in resp.content.decode()
    post.refresh_from_db()
    assert post.dismissed_on is None
    resp = client.post(
        url,
        {"post": "organization_member", "assigned_on": "2023-05-01", "dismissed_on": "2024-03-01"},
    )
    assert resp.status_code == 302
    post.refresh_from_db()
    assert post.dismissed_on == dt.date(2024, 3, 1)
    page = client.get(tree.branch_a.get_absolute_url())
    assert post not in page.context["posts"]  # dismissed: no longer listed


def test_edit_to_secretary_when_one_is_in_office_is_refused(client, tree, term, secretary):
    CommitteePost.objects.create(
        term=term, member=make_member(tree.branch_a, name="李书记"), post="secretary"
    )
    other = CommitteePost.objects.create(
        term=term, member=make_member(tree.branch_a), post="member"
    )
    client.force_login(secretary)
    resp = client.post(
        reverse("orgs:committeepost_edit", args=[other.pk]),
        {"post": "secretary", "assigned_on": "2023-05-01"},
    )
    assert resp.status_code == 200
    assert "本届已有书记（李书记），请先免去其职务。" in resp.content.decode()
    other.refresh_from_db()
    assert other.post == "member"


def test_delete_is_scoped_and_audited(client, tree, term, secretary, make_user):
    post = CommitteePost.objects.create(term=term, member=make_member(tree.branch_a), post="member")
    url = reverse("orgs:committeepost_delete", args=[post.pk])
    client.force_login(make_user("branch_secretary", tree.branch_b))
    assert client.post(url).status_code == 404
    client.force_login(make_user("viewer", tree.root))
    assert client.post(url).status_code == 403
    client.force_login(secretary)
    assert client.get(url).status_code == 200
    resp = client.post(url)
    assert resp.status_code == 302 and resp["Location"] == tree.branch_a.get_absolute_url()
    assert not CommitteePost.objects.exists()
    AuditEvent = apps.get_model("audit", "AuditEvent")
    assert AuditEvent.objects.filter(action="delete", object_id=str(post.pk)).exists()


def test_viewer_sees_no_post_actions(client, tree, term, make_user):
    CommitteePost.objects.create(term=term, member=make_member(tree.branch_a), post="member")
    client.force_login(make_user("viewer", tree.unit_a))
    page = client.get(tree.branch_a.get_absolute_url()).content.decode()
    assert "任命班子成员" not in page and "修改 / 免职" not in page


def test_a_big_org_picks_members_by_a_short_list_and_a_name_search(
    client, tree, make_user, monkeypatch
):
    """A 机关党委 (or the 工委) chooses its 班子 from all its members: no select of every one."""
    import re

    from dangjian.core import orgpicker

    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 3)
    root_term = make_term(tree.unit_a, dt.date(2022, 6, 1))
    admin = make_user("committee_admin", tree.root)
    for i in range(5):
        make_member(tree.branch_a, name=f"甲支部党员{i}")
    wang = make_member(tree.group_a, name="王建国")
    make_member(tree.group_a, name="已出党王某", membership="expelled")
    make_member(tree.branch_b, name="王建军")  # another unit's: not this 机关党委's member
    client.force_login(admin)
    html = client.get(f"{reverse(ADD)}?term={root_term.pk}").content.decode()
    select = re.search(r'<select[^>]*name="member".*?</select>', html, re.S).group(0)
    assert select.count("<option") == 4  # the empty choice and SHORT_LIMIT members
    assert "王建国" not in select
    assert 'placeholder="输入姓名查找党员"' in html
    source = re.search(r'data-noun="党员" data-source="([^"]+)" data-key="姓名"', html).group(1)

    def search(q: str) -> list[str]:
        resp = client.get(reverse("org-pick"), {"q": q, "source": source})
        assert resp.status_code == 200
        return [row["name"] for row in resp.json()["results"]]

    assert search("建国") == ["王建国（第一党小组）"]  # labelled as the field labels them
    assert search("wjg") == ["王建国（第一党小组）"]  # pinyin initials
    assert search("王") == ["王建国（第一党小组）"]  # not the expelled one: the form's choices
    assert search("wj") == ["王建国（第一党小组）"]
    # A secretary's search through the same form finds only what her form offers.
    secretary = make_user("branch_secretary", tree.branch_b)
    client.force_login(secretary)
    assert search("建国") == []
    # What the search found is what the form accepts.
    client.force_login(admin)
    resp = client.post(reverse(ADD), {"term": root_term.pk, "member": wang.pk, "post": "member"})
    assert resp.status_code == 302
    assert CommitteePost.objects.get(term=root_term).member == wang
