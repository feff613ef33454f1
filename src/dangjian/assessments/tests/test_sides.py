"""Writes by side (DESIGN §4): what the checking side wrote, the checked side cannot rewrite.

Hole 1 of issue 8: the unit admin of a checked unit could PATCH the text of a finding the
工委 raised against the unit, and DELETE it (its rectification went with it), because the
finding's scope was the org with the problem. The generic cases for every model declaring
`write_sides` are in test_side_rules.py; these are the hole's own, as the attacker tried it.
"""

from __future__ import annotations

import pytest

from dangjian.assessments.models import Finding, Rectification

from . import factories
from .factories import make_finding

pytestmark = pytest.mark.django_db
people = factories.people


@pytest.fixture
def raised(tree):
    """A finding the 工委 raised against 甲局第一党支部 (and its open rectification)."""
    return make_finding(tree.branch_a, raised_by=tree.root, text="三会一课记录不全")


def test_checked_unit_admin_cannot_patch_or_put_the_committees_finding(client, raised, people):
    client.force_login(people.unit_admin)
    url = f"/api/findings/{raised.pk}/"
    assert client.get(url).status_code == 200  # the unit sees what was found in it
    resp = client.patch(url, {"text": "已改写"}, content_type="application/json")
    assert resp.status_code in (403, 404), resp.content
    body = {"org": raised.org_id, "category": "其他", "text": "已改写", "found_on": "2024-06-01"}
    resp = client.put(url, body, content_type="application/json")
    assert resp.status_code in (403, 404), resp.content
    raised.refresh_from_db()
    assert raised.text == "三会一课记录不全" and raised.category == "三会一课"


def test_checked_unit_admin_cannot_delete_the_committees_finding(client, raised, people):
    client.force_login(people.unit_admin)
    resp = client.delete(f"/api/findings/{raised.pk}/")
    assert resp.status_code in (403, 404), resp.content
    assert Finding.objects.filter(pk=raised.pk).exists()
    assert Rectification.objects.filter(finding=raised).exists()


def test_checked_unit_admin_answers_the_rectification_instead(client, raised, people):
    """The checked side's part is the answer: submitting the rectification still works."""
    client.force_login(people.unit_admin)
    r = raised.rectification
    resp = client.post(
        f"/api/rectifications/{r.pk}/submit/",
        {"measures": "已补开主题党日"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "submitted"


def test_raising_side_still_edits_and_deletes(client, raised, people):
    client.force_login(people.committee)
    url = f"/api/findings/{raised.pk}/"
    resp = client.patch(
        url, {"text": "三会一课记录不全，缺少签到"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    raised.refresh_from_db()
    assert raised.text == "三会一课记录不全，缺少签到"
    assert client.delete(url).status_code == 204
    assert not Finding.objects.filter(pk=raised.pk).exists()
    assert not Rectification.objects.filter(finding_id=raised.pk).exists()


def test_restrict_gives_the_checked_side_no_write_on_the_finding(raised, people):
    for action in ("change", "delete"):
        assert not Finding.objects.restrict(people.unit_admin, action).filter(pk=raised.pk).exists()
        assert Finding.objects.restrict(people.committee, action).filter(pk=raised.pk).exists()
    # reading is the ordinary tree rule: the unit sees the findings of its branches
    assert Finding.objects.restrict(people.unit_admin, "view").filter(pk=raised.pk).exists()


def test_a_units_own_finding_against_its_branch_is_the_units_to_edit(client, tree, people):
    """The side is the raising org, not "the 工委": a unit checking its own branch edits
    what it found; the branch's secretary (who answers) does not."""
    own = make_finding(tree.branch_a, raised_by=tree.unit_a, text="支部台账不全")
    client.force_login(people.unit_admin)
    resp = client.patch(
        f"/api/findings/{own.pk}/", {"text": "支部台账不全（补）"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert not Finding.objects.restrict(people.secretary, "change").filter(pk=own.pk).exists()


def test_the_assessment_page_offers_writes_to_the_checking_side_only(client, tree, people):
    """The page's buttons follow the same declaration as the services: the checked unit
    reads its released results without 提出问题 or an upload form; the 工委 gets both."""
    from .factories import checklist_framework, make_campaign

    campaign = make_campaign(
        checklist_framework(), tree.root, [tree.branch_a], results_released=True
    )
    url = f"/assessments/targets/{campaign.assessments.get().pk}/"
    client.force_login(people.unit_admin)
    page = client.get(url).content.decode()
    assert "data-raise" not in page and 'id="evidence-form"' not in page
    client.force_login(people.committee)
    page = client.get(url).content.decode()
    assert "data-raise" in page and 'id="evidence-form"' in page


def test_the_raising_side_edits_through_the_same_checks_as_raising(client, raised, people):
    """An edit is validated like the raise: no blank text or category, no future date."""
    client.force_login(people.committee)
    url = f"/api/findings/{raised.pk}/"
    for body, message in (
        ({"text": "  "}, "text"),
        ({"category": ""}, "请填写问题类别"),
        ({"found_on": "2099-01-01"}, "发现日期不能晚于今天"),
        ({"severity": "fatal"}, "severity"),
    ):
        resp = client.patch(url, body, content_type="application/json")
        assert resp.status_code == 400 and message in str(resp.json()), (body, resp.content)
    raised.refresh_from_db()
    assert (raised.text, raised.category) == ("三会一课记录不全", "三会一课")
    resp = client.patch(url, {"severity": "serious"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["severity"] == "serious"
