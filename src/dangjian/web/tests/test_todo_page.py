"""The 待办 page (web.todo) for each level, its export, scope, bad input and query counts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.orgs.models import OrgKind
from dangjian.rules.tests.helpers import act

pytestmark = [pytest.mark.django_db, pytest.mark.urls("dangjian.urls")]

TODAY = dt.date(2026, 11, 25)  # November's last third: what is still due is at risk
BASELINES = Path(__file__).parent / "query_counts.json"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def world(tree, make_user):
    deep = tree.group_a.add_child(kind=OrgKind.PARTY_GROUP, name="甲局第一党支部第二小组")
    act(tree.branch_a, "theme_day", dt.date(2026, 11, 3))
    act(tree.branch_a, "theme_day", dt.date(2026, 10, 3))
    act(tree.group_a, "group_meeting", dt.date(2026, 10, 9))
    return tree, deep


def todo_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("web:todo"), params)


def test_secretary_sees_her_requirements_with_record_buttons(client, world, make_user):
    tree, deep = world
    resp = todo_page(client, make_user("branch_secretary", tree.branch_a))
    assert resp.status_code == 200
    page = resp.context["page"]
    assert page.level == "branch"
    assert {o.org.id for o in page.todo.orgs} == {tree.branch_a.pk, tree.group_a.pk, deep.pk}
    html = resp.content.decode()
    record = reverse("activities:activity_add")
    # The November group meeting of 第一党小组 is still due: one click opens the form filled in.
    assert f"{record}?kind=group_meeting&amp;org={tree.group_a.pk}&amp;held_on=2026-11-25" in html
    # The branch's November theme day is done: listed as such, with no button.
    assert f"kind=theme_day&amp;org={tree.branch_a.pk}&amp;held_on=2026-11-25" not in html
    done = [i for i in page.todo.settled_items if i.rule.id == "branch.theme_day.monthly"]
    assert [i.state for i in done] == ["done"]
    assert page.todo.summary in html
    assert tree.branch_b.name not in html


def test_secretary_cannot_open_another_branch(client, world, make_user):
    tree, _deep = world
    client.force_login(make_user("branch_secretary", tree.branch_a))
    url = reverse("web:todo")
    assert client.get(url, {"org": tree.branch_b.pk}).status_code == 404
    for bad in ("abc", "²", "0", "-3", str(10**20)):
        assert client.get(url, {"org": bad}).status_code == 404
    assert client.get(url, {"org": tree.group_a.pk}).status_code == 200


def test_unit_admin_sees_every_level_behind_or_at_risk_worst_first(client, world, make_user):
    tree, deep = world
    resp = todo_page(client, make_user("unit_admin", tree.unit_a))
    page = resp.context["page"]
    assert page.level == "unit"
    ids = [o.org.id for o in page.attention]
    # Every level below the unit, worst first: the branch (Q3's 党员大会 and 党课 missed,
    # the year's three meetings in their last quarter), the sub-group (October missed,
    # November at risk), the group (October met, November at risk).
    assert ids == [tree.branch_a.pk, deep.pk, tree.group_a.pk]
    counts = [(o.overdue, o.at_risk) for o in page.attention]
    assert counts == [(2, 3), (1, 1), (0, 1)]
    html = resp.content.decode()
    for org_id in ids:
        assert f'href="{reverse("web:todo")}?org={org_id}"' in html
    assert tree.branch_b.name not in html
    # Clicking an org opens its own 待办, with record buttons for the unit admin.
    resp = todo_page(client, resp.wsgi_request.user, org=deep.pk)
    assert resp.context["page"].level == "branch"
    assert f"kind=group_meeting&amp;org={deep.pk}" in resp.content.decode()


def test_unit_export_lists_every_org_and_is_audited(client, world, make_user):
    from dangjian.audit.models import AuditEvent

    tree, deep = world
    user = make_user("unit_admin", tree.unit_a)
    resp = todo_page(client, user, export="xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    rows = list(wb["落后或有风险的组织"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [tree.branch_a.name, deep.name, tree.group_a.name]
    deep_row = next(r for r in rows if r[0] == deep.name)
    assert deep_row[1] == tree.group_a.name and deep_row[2] == tree.unit_a.name
    assert (deep_row[6], deep_row[7]) == (1, 1)  # one overdue, one at risk
    assert deep_row[8].startswith("党小组会每月召开1次（2026年10月，已逾期")
    event = AuditEvent.objects.filter(action="export", actor_id=user.pk).get()
    assert event.detail["model"] == "rules.todo" and event.detail["rows"] == 3


def test_committee_sees_units_campaigns_and_rectifications_due(client, world, make_user):
    from dangjian.assessments.models import CampaignStatus
    from dangjian.assessments.tests.factories import (
        checklist_framework,
        make_campaign,
        make_finding,
    )

    tree, _deep = world
    campaign = make_campaign(
        checklist_framework(),
        tree.root,
        [tree.branch_a, tree.branch_b],
        status=CampaignStatus.ACTIVE,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
    )
    late = make_finding(tree.branch_b, raised_by=tree.root, found_on=dt.date(2026, 10, 1))
    soon = make_finding(
        tree.branch_a, raised_by=tree.root, found_on=TODAY, deadline=TODAY + dt.timedelta(days=9)
    )
    make_finding(  # due in two months: not yet listed
        tree.branch_a, raised_by=tree.root, found_on=TODAY, deadline=TODAY + dt.timedelta(days=60)
    )
    resp = todo_page(client, make_user("committee_admin", tree.root))
    page = resp.context["page"]
    assert page.level == "committee"
    assert [u.name for u in page.units] == [tree.unit_a.name, tree.unit_b.name]
    assert [c.pk for c in page.campaigns] == [campaign.pk]
    assert page.campaigns[0].targets == 2
    due = page.rectifications
    assert (due.total, due.overdue) == (2, 1)
    assert [r.pk for r in due.rows] == [late.rectification.pk, soon.rectification.pk]
    html = resp.content.decode()
    assert f'href="{reverse("web:todo")}?org={tree.unit_a.pk}"' in html
    assert campaign.name in html


def test_roles_without_org_data_get_403(client, tree, make_user):
    client.force_login(make_user("audit_admin"))
    assert client.get(reverse("web:todo")).status_code == 403
    client.logout()
    assert client.get(reverse("web:todo")).status_code == 302


def test_party_member_sees_the_branch_without_record_buttons(client, world, make_user):
    tree, _deep = world
    resp = todo_page(client, make_user("party_member", tree.branch_a))
    assert resp.status_code == 200
    assert reverse("activities:activity_add") not in resp.content.decode()


def test_unit_page_query_count_is_constant(client, world, make_user):
    tree, _deep = world
    client.force_login(make_user("unit_admin", tree.unit_a))

    def add_rows():
        for i in range(3):
            b = tree.unit_a.add_child(kind=OrgKind.BRANCH, name=f"新设第{i}党支部")
            tree.unit_a.refresh_from_db()
            b.add_child(kind=OrgKind.PARTY_GROUP, name=f"新设第{i}支部党小组")

    count = assert_query_count_constant(
        client, reverse("web:todo"), add_rows, rows=occurrences('data-org="')
    )
    check_baseline(BASELINES, "web:todo(unit_admin)", count)


def test_branch_page_query_count_is_constant(client, world, make_user):
    tree, _deep = world
    client.force_login(make_user("branch_secretary", tree.branch_a))

    def add_rows():
        for i in range(3):
            tree.branch_a.add_child(kind=OrgKind.PARTY_GROUP, name=f"第{i + 3}党小组")
            tree.branch_a.refresh_from_db()

    count = assert_query_count_constant(
        client, reverse("web:todo"), add_rows, rows=occurrences("dj-todo-item")
    )
    check_baseline(BASELINES, "web:todo(branch_secretary)", count)


def test_committee_page_query_count_is_constant(client, world, make_user):
    tree, _deep = world
    client.force_login(make_user("committee_admin", tree.root))

    def add_rows():
        for i in range(3):
            unit = tree.root.add_child(kind=OrgKind.UNIT_PARTY, name=f"丙{i}局机关党委")
            tree.root.refresh_from_db()
            unit.add_child(kind=OrgKind.BRANCH, name=f"丙{i}局第一党支部")

    count = assert_query_count_constant(
        client, reverse("web:todo"), add_rows, rows=occurrences('data-org="')
    )
    check_baseline(BASELINES, "web:todo(committee_admin)", count)
