"""The org picker (core.orgpicker): a bounded select, a scoped name search, scoped validation."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from dangjian.activities.forms import ActivityForm
from dangjian.core import orgpicker
from dangjian.orgs.models import Organization, OrgKind, Unit

pytestmark = pytest.mark.django_db

PICK = "/orgs/pick/"


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the select named `name`."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert select, f"no select {name}"
    return [
        (value, label, bool(sel))
        for value, sel, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(0)
        )
    ]


@pytest.fixture
def big(tree):
    """Twelve more branches under unit_a: more than the picker's limit in the tests."""
    unit = Organization.objects.get(pk=tree.unit_a.pk)
    for i in range(12):
        unit = Organization.objects.get(pk=unit.pk)
        unit.add_child(kind=OrgKind.BRANCH, name=f"甲局第{i + 2}号支部")
    return tree


def test_short_choices_show_whole_levels_and_the_chosen_org(big, monkeypatch):
    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 6)
    # A unit created last: breadth first by the tree, not by id, it is still an upper level.
    unit_c = Organization.objects.get(pk=big.root.pk).add_child(
        kind=OrgKind.UNIT_PARTY, name="丙局机关党委"
    )
    qs = Organization.objects.all()
    choices, truncated = orgpicker.short_choices(qs, [])
    # 工委 and the three units fit; the branches do not fit whole, so none is shown.
    assert truncated
    assert [pk for pk, _ in choices] == [big.root.pk, big.unit_a.pk, big.unit_b.pk, unit_c.pk]
    assert dict(choices)[big.unit_a.pk] == "　甲局机关党委"  # indented one level
    deep, _ = orgpicker.short_choices(qs, [str(big.group_a.pk), "x"])
    assert big.group_a.pk in dict(deep)  # a chosen org deeper down is always shown
    every, cut = orgpicker.short_choices(qs.filter(path__startswith=big.branch_a.path), [])
    assert not cut and [pk for pk, _ in every] == [big.branch_a.pk, big.group_a.pk]


def test_member_list_of_the_committee_admin_renders_a_bounded_picker(
    client, big, make_user, monkeypatch
):
    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 6)
    client.force_login(make_user("committee_admin", big.root))
    html = client.get(reverse("members:member_list")).content.decode()
    for name in ("within", "org"):
        values = [v for v, _label, _sel in options(html, name)]
        assert values == ["", str(big.root.pk), str(big.unit_a.pk), str(big.unit_b.pk)]
    assert html.count("data-dj-orgpicker-search") == 2
    # A deeper org arriving by link is shown chosen and filters.
    html = client.get(reverse("members:member_list"), {"within": big.group_a.pk}).content
    assert (str(big.group_a.pk), "　　　第一党小组", True) in options(html.decode(), "within")


def test_an_org_outside_the_scope_or_a_bad_id_is_a_chinese_error_never_a_500(
    client, tree, make_user
):
    client.force_login(make_user("unit_admin", tree.unit_a))
    for bad in (tree.branch_b.pk, "abc", "99999999999999999999", "1.5"):
        page = client.get(reverse("members:member_list"), {"within": bad})
        assert page.status_code == 200
        assert orgpicker.OUT_OF_RANGE in page.content.decode()
        api = client.get("/api/members/", {"within": bad})
        assert api.status_code == 400


def test_a_secretary_with_one_branch_gets_it_chosen(client, tree, make_user):
    lone = make_user("branch_secretary", tree.branch_b)  # a branch without 党小组
    html = str(ActivityForm(user=lone)["org"])
    assert options(html, "org") == [(str(tree.branch_b.pk), "乙局第一党支部", True)]
    assert "data-dj-orgpicker-search" not in html  # nothing left out, nothing to search
    # With a 党小组 below, the record page still starts at the branch (activities.record).
    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(reverse("activities:activity_add")).content.decode()
    assert (str(tree.branch_a.pk), "甲局第一党支部", True) in options(page, "org")


def test_a_form_outside_the_scope_is_refused_in_chinese(tree, make_user):
    secretary = make_user("branch_secretary", tree.branch_a)
    form = ActivityForm(user=secretary, data={"org": tree.branch_b.pk})
    assert not form.is_valid()
    assert form.errors["org"] == [orgpicker.OUT_OF_RANGE]


def test_search_finds_by_name_within_the_users_scope(client, big, make_user):
    client.force_login(make_user("unit_admin", big.unit_a))
    found = client.get(PICK, {"q": "支部"}).json()
    names = [row["name"] for row in found["results"]]
    assert "甲局第一党支部" in names and "甲局第5号支部" in names
    assert "乙局第一党支部" not in names  # another unit's branch is outside the scope
    assert found["more"] is False
    assert client.get(PICK, {"q": "乙局"}).json()["results"] == []


def test_search_is_capped_and_says_there_is_more(client, big, make_user, monkeypatch):
    monkeypatch.setattr(orgpicker, "SEARCH_LIMIT", 5)
    client.force_login(make_user("committee_admin", big.root))
    found = client.get(PICK, {"q": "支部"}).json()
    assert len(found["results"]) == 5 and found["more"] is True


def test_search_of_a_form_field_searches_what_the_form_accepts(client, tree, make_user):
    """The record form's org is where the user may record (holding add_activity): a viewer
    of the unit finds nothing there, though the same name is found in a filter."""
    viewer = make_user("viewer", tree.unit_a)
    source = ActivityForm(user=viewer).fields["org"].widget.source
    client.force_login(viewer)
    assert client.get(PICK, {"q": "支部"}).json()["results"]  # a filter: the view scope
    assert client.get(PICK, {"q": "支部", "source": source}).json()["results"] == []
    secretary = make_user("branch_secretary", tree.branch_a)
    client.force_login(secretary)
    rows = client.get(PICK, {"q": "甲局", "source": source}).json()["results"]
    assert [row["id"] for row in rows] == [tree.branch_a.pk]


def test_search_refuses_bad_input_with_400_and_needs_a_login(client, tree, make_user):
    assert client.get(PICK, {"q": "支部"}).status_code == 302  # to the login page
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get(PICK, {"q": "支" * 51}).status_code == 400
    assert client.get(PICK, {"q": "支部", "source": "forged"}).status_code == 400
    assert client.get(PICK, {"q": ""}).json() == {"results": [], "more": False}


def test_every_org_choice_field_of_a_scoped_form_uses_the_picker(tree, make_user):
    from dangjian.members.forms import MemberForm, TransferForm

    user = make_user("unit_admin", tree.unit_a)
    for form in (MemberForm(user=user), TransferForm(user=user), ActivityForm(user=user)):
        for field in form.fields.values():
            if orgpicker.is_org_field(field):
                assert isinstance(field.widget, orgpicker.OrgPicker), form


def test_units_are_picked_the_same_way(client, tree, make_user, monkeypatch):
    """机关单位 have no tree: the first SHORT_LIMIT in their order and the chosen ones, and a
    search of the units the user may view (a province has 850)."""
    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 1)
    qs = Unit.objects.all()
    first, truncated = orgpicker.short_choices(qs, [])
    assert truncated and len(first) == 1
    other = ({tree.dept_a.pk, tree.dept_b.pk} - {first[0][0]}).pop()
    both, _ = orgpicker.short_choices(qs, [str(other)])
    assert {pk for pk, _ in both} == {tree.dept_a.pk, tree.dept_b.pk}  # the chosen one too
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(reverse("orgs:organization_list")).content.decode()
    assert len(options(html, "unit")) == 2  # 全部 and one unit
    source = re.search(r'data-noun="单位" data-source="([^"]+)"', html).group(1)
    found = client.get(PICK, {"q": "乙局", "source": source}).json()["results"]
    assert [row["id"] for row in found] == [tree.dept_b.pk]
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get(PICK, {"q": "乙局", "source": source}).json()["results"] == []
    bad = client.get(reverse("orgs:organization_list"), {"unit": tree.dept_b.pk})
    assert orgpicker.UNIT_OUT_OF_RANGE in bad.content.decode()


def test_a_multiple_choice_reads_every_org_posted(tree, make_user):
    from dangjian.assessments.forms import AddTargetsForm
    from dangjian.assessments.tests.factories import checklist_framework, make_campaign

    campaign = make_campaign(checklist_framework(), tree.root, [tree.branch_a])
    branch_c = Organization.objects.get(pk=tree.unit_a.pk).add_child(
        kind=OrgKind.BRANCH, name="甲局第三党支部"
    )
    admin = make_user("committee_admin", tree.root)
    form = AddTargetsForm(
        user=admin,
        campaign=campaign,
        data=QueryDict(f"targets={tree.branch_b.pk}&targets={branch_c.pk}"),
    )
    assert isinstance(form.fields["targets"].widget, orgpicker.OrgPickerMultiple)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["targets"]) == {tree.branch_b, branch_c}
