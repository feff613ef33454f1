"""The inbox that scales: groups by kind and org, filters, group read, digests by unit."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core import orgpicker
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules.models import Notification, NotificationKind

from .test_notifications_inbox import note

K = NotificationKind
BASELINES = Path(__file__).with_name("query_counts.json")
INBOX = "/rules/inbox/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


@pytest.fixture
def bob(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


def groups_of(resp) -> dict[tuple[str, int | None], tuple[int, int]]:
    return {(g.kind, g.org_id): (g.total, g.unread) for g in resp.context["groups"]}


def test_a_secretary_sees_groups_by_kind_and_org(client, tree, alice):
    for _ in range(3):
        note(alice, org=tree.branch_a, kind=K.TERM_OVERDUE)
    note(alice, org=tree.branch_a, kind=K.PROBATION_END, read=True)
    note(alice, org=tree.branch_a, kind=K.PROBATION_END)
    note(alice, org=tree.group_a, kind=K.TERM_OVERDUE, title="小组的提醒")
    client.force_login(alice)
    resp = client.get(INBOX)
    assert resp.context["view"] == "groups"
    assert groups_of(resp) == {
        (K.TERM_OVERDUE, tree.branch_a.pk): (3, 3),
        (K.PROBATION_END, tree.branch_a.pk): (2, 1),
        (K.TERM_OVERDUE, tree.group_a.pk): (1, 1),
    }
    html = resp.content.decode()
    assert html.count('class="list-group-item dj-inbox-group') == 3
    assert "小组的提醒" in html  # the group's newest title
    # No digest for a secretary: their views are groups and the list.
    assert [v[0] for v in resp.context["views"]] == ["groups", "list"]
    # 查看 opens the group's reminders one by one.
    group = next(
        g
        for g in resp.context["groups"]
        if g.kind == K.TERM_OVERDUE and g.org_id == tree.branch_a.pk
    )
    listed = client.get(f"{INBOX}?{group.drill}")
    assert listed.context["view"] == "list"
    assert {(n.kind, n.org_id) for n in listed.context["notifications"]} == {
        (K.TERM_OVERDUE, tree.branch_a.pk)
    }
    assert len(listed.context["notifications"]) == 3


def test_filters_kind_org_period_and_read_state(client, tree, alice):
    old = note(alice, org=tree.branch_a, kind=K.TERM_DUE, title="去年的提醒")
    Notification.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=200))
    note(alice, org=tree.branch_a, kind=K.TERM_DUE, title="支部的提醒")
    note(alice, org=tree.group_a, kind=K.INACTIVITY_WARNING, title="小组的提醒", read=True)
    note(alice, org=tree.branch_b, kind=K.TERM_DUE, title="乙局的提醒")
    client.force_login(alice)

    def titles(**params) -> set[str]:
        resp = client.get(INBOX, {"view": "list", **params})
        assert resp.status_code == 200
        return {n.title for n in resp.context["notifications"]}

    assert titles(kind=K.TERM_DUE) == {"去年的提醒", "支部的提醒", "乙局的提醒"}
    # An org filter covers its subtree: the branch and its 党小组.
    assert titles(org=tree.branch_a.pk) == {"去年的提醒", "支部的提醒", "小组的提醒"}
    assert titles(period="month") == {"支部的提醒", "小组的提醒", "乙局的提醒"}
    assert titles(status="read") == {"小组的提醒"}
    assert titles(status="unread", kind=K.TERM_DUE, period="quarter", org=tree.branch_a.pk) == {
        "支部的提醒"
    }
    # Bad values are dropped with a message in Chinese, never a 500.
    resp = client.get(INBOX, {"kind": "nope", "period": "x", "status": "y", "org": "²"})
    assert resp.status_code == 200
    assert len(resp.context["filters"].errors) == 4
    assert "提醒类型无效" in resp.content.decode()
    # An org outside the user's view scope is refused like a missing one (no peeking).
    resp = client.get(INBOX, {"org": tree.unit_b.pk})
    assert resp.context["filters"].org is None and resp.context["filters"].errors


def test_the_org_filter_is_a_short_select(client, tree, make_user, monkeypatch):
    monkeypatch.setattr(orgpicker, "SHORT_LIMIT", 10)  # a city's thousands, in miniature
    admin = make_user("committee_admin", tree.root)
    for i in range(12):
        Organization.objects.get(pk=tree.unit_a.pk).add_child(kind=OrgKind.BRANCH, name=f"支部{i}")
    client.force_login(admin)
    html = client.get(INBOX).content.decode()
    select = re.search(r'<select[^>]*id="f-org".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"', select)
    # The 工委 and its units only — not every branch of the city; the rest by name search.
    assert {int(o) for o in options} == {tree.root.pk, tree.unit_a.pk, tree.unit_b.pk}
    assert "data-dj-orgpicker-search" in html


def test_mark_a_group_read_is_one_update_of_own_rows(client, tree, alice, bob):
    mine = [note(alice, org=tree.branch_a, kind=K.TERM_OVERDUE) for _ in range(4)]
    other_kind = note(alice, org=tree.branch_a, kind=K.PROBATION_END)
    other_org = note(alice, org=tree.group_a, kind=K.TERM_OVERDUE)
    theirs = note(bob, org=tree.branch_a, kind=K.TERM_OVERDUE)  # same kind and org, bob's
    client.force_login(alice)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.post(
            reverse("rules:notification_read_group"),
            {
                "view": "groups",
                "group_kind": K.TERM_OVERDUE,
                "group_org": tree.branch_a.pk,
                "group_exact": "1",
            },
        )
    assert resp.status_code == 302 and resp["Location"] == f"{INBOX}?view=groups"
    writes = [q["sql"] for q in ctx.captured_queries if "rules_notification" in q["sql"]]
    updates = [w for w in writes if w.upper().startswith("UPDATE")]
    assert len(updates) == 1 and len(writes) == 1, writes
    assert (
        Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    )
    for n in (other_kind, other_org, theirs):
        n.refresh_from_db()
        assert n.read_at is None
    # The page's filters narrow the group: only last week's of a kind in the org's subtree.
    old = note(alice, org=tree.group_a, kind=K.TERM_DUE)
    Notification.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=60))
    new = note(alice, org=tree.group_a, kind=K.TERM_DUE)
    client.post(
        reverse("rules:notification_read_group"),
        {"period": "week", "group_kind": K.TERM_DUE, "group_org": tree.branch_a.pk},
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.read_at is not None and old.read_at is None
    other_org.refresh_from_db()
    assert other_org.read_at is None  # another kind
    # A group outside the user's view scope: 404, nothing marked.
    resp = client.post(reverse("rules:notification_read_group"), {"group_org": tree.unit_b.pk})
    assert resp.status_code == 404
    assert client.get(reverse("rules:notification_read_group")).status_code == 405


def spread(user, tree) -> None:
    """Reminders about orgs of both units and about the 工委 itself."""
    second = Organization.objects.get(pk=tree.unit_a.pk).add_child(
        kind=OrgKind.BRANCH, name="甲局第二党支部"
    )
    for org, kind, n in (
        (tree.branch_a, K.TERM_OVERDUE, 3),
        (tree.group_a, K.INACTIVITY_WARNING, 2),
        (second, K.TERM_DUE, 1),
        (tree.unit_a, K.RECTIFICATION_OVERDUE, 1),
        (tree.branch_b, K.TERM_NO_DATA, 4),
        (tree.root, K.HOLIDAY_BEFORE, 1),
    ):
        for _ in range(n):
            note(user, org=org, kind=kind)
    note(user, org=None, kind=K.HOLIDAY_AFTER)


def digest(resp) -> dict[str, tuple[int, int, bool]]:
    return {d.name: (d.total, d.unread, d.own) for d in resp.context["digests"]}


def test_the_committee_gets_a_digest_by_unit(client, tree, make_user):
    admin = make_user("committee_admin", tree.root)
    spread(admin, tree)
    client.force_login(admin)
    resp = client.get(INBOX)
    assert resp.context["view"] == "digest"
    assert digest(resp) == {
        "甲局机关党委": (7, 7, False),
        "乙局机关党委": (4, 4, False),
        "示例市委直属机关工委": (1, 1, True),
        "未关联党组织": (1, 1, False),
    }
    assert resp.context["views"][0][:2] == ("digest", "按单位汇总")
    unit_a = next(d for d in resp.context["digests"] if d.name == "甲局机关党委")
    assert {label for label, _t, _u in unit_a.kinds} == {
        "换届超期提醒",
        "党员4个月未参加组织生活",
        "换届到期提醒",
        "整改逾期提醒",
    }
    # Drill into a unit: its groups by kind and org.
    inner = client.get(f"{INBOX}?{unit_a.drill}")
    assert inner.context["view"] == "groups"
    assert {g.org_id for g in inner.context["groups"]} == {
        tree.branch_a.pk,
        tree.group_a.pk,
        tree.unit_a.pk,
        Organization.objects.get(name="甲局第二党支部").pk,
    }
    # Mark the unit read: its 7, nothing of 乙局 or the 工委's own.
    client.post(
        reverse("rules:notification_read_group"), {"view": "digest", "group_org": tree.unit_a.pk}
    )
    after = digest(client.get(INBOX))
    assert after["甲局机关党委"] == (7, 0, False) and after["乙局机关党委"] == (4, 4, False)
    # The row about the 工委 itself is marked exactly (not its whole subtree).
    client.post(
        reverse("rules:notification_read_group"),
        {"group_org": tree.root.pk, "group_exact": "1"},
    )
    after = digest(client.get(INBOX))
    assert after["示例市委直属机关工委"] == (1, 0, True) and after["乙局机关党委"] == (4, 4, False)


def test_a_unit_admin_gets_a_digest_by_the_level_below(client, tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    spread(admin, tree)
    client.force_login(admin)
    resp = client.get(INBOX)
    assert resp.context["view"] == "digest"
    assert resp.context["views"][0][:2] == ("digest", "按下级组织汇总")
    rows = digest(resp)
    assert rows["甲局第一党支部"] == (5, 5, False)  # the branch with its 党小组
    assert rows["甲局第二党支部"] == (1, 1, False)
    assert rows["甲局机关党委"] == (1, 1, True)  # about the unit itself


def test_reminders_cite_rule_titles_never_ids(client, tree, alice):
    note(alice, org=tree.branch_a)  # rule_id term.renewal.on_time
    client.force_login(alice)
    html = client.get(INBOX, {"view": "list"}).content.decode()
    assert "任期届满按期换届" in html and "第三条" in html
    assert "term.renewal.on_time" not in html
    resp = client.get("/api/notifications/")
    assert resp.json()["results"][0]["rule_title"].startswith("任期届满按期换届")


def test_an_empty_inbox_speaks_plainly(client, alice):
    client.force_login(alice)
    for view in ("groups", "list"):
        html = client.get(INBOX, {"view": view}).content.decode()
        assert "提醒由系统每日自动生成" in html
        assert "dangjian" not in html.split('id="inbox-list"')[1].split("</div>")[0]


# --- API ------------------------------------------------------------------------------


def test_api_filters_groups_and_filtered_read(client, tree, alice, bob):
    note(alice, org=tree.branch_a, kind=K.TERM_DUE)
    note(alice, org=tree.group_a, kind=K.TERM_DUE)
    note(alice, org=tree.branch_a, kind=K.PROBATION_END)
    theirs = note(bob, org=tree.branch_a, kind=K.TERM_DUE)
    client.force_login(alice)
    rows = client.get("/api/notifications/", {"kind": K.TERM_DUE}).json()["results"]
    assert len(rows) == 2
    rows = client.get("/api/notifications/", {"org": tree.group_a.pk}).json()["results"]
    assert len(rows) == 1
    assert client.get("/api/notifications/", {"kind": "nope"}).status_code == 400
    assert client.get("/api/notifications/", {"org": tree.unit_b.pk}).status_code == 400
    groups = client.get("/api/notifications/groups/").json()
    groups = groups["results"] if isinstance(groups, dict) else groups
    assert {(g["kind"], g["org"], g["total"]) for g in groups} == {
        (K.TERM_DUE, tree.branch_a.pk, 1),
        (K.TERM_DUE, tree.group_a.pk, 1),
        (K.PROBATION_END, tree.branch_a.pk, 1),
    }
    resp = client.post(
        "/api/notifications/read-all/", {"kind": K.TERM_DUE}, content_type="application/json"
    )
    assert resp.json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1


@pytest.mark.parametrize("body", ["0.5", "[1, 2]", '"unread"', '{"kind": ["a", "b"]}'])
def test_api_read_all_refuses_a_body_that_is_not_filters(client, alice, body):
    note(alice, org=None, kind=K.TERM_DUE)
    client.force_login(alice)
    resp = client.post("/api/notifications/read-all/", body, content_type="application/json")
    assert resp.status_code == 400
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1


def test_api_read_all_takes_an_org_id_as_a_json_number(client, tree, alice):
    note(alice, org=tree.branch_a, kind=K.TERM_DUE)
    note(alice, org=tree.unit_a, kind=K.TERM_DUE)
    client.force_login(alice)
    resp = client.post(
        "/api/notifications/read-all/", {"org": tree.branch_a.pk}, content_type="application/json"
    )
    assert resp.json() == {"marked": 1}


# --- query counts ---------------------------------------------------------------------


def _grow(user, tree, n: int, units: bool = False):
    """Reminders about new branches (or, for the 工委's digest, new units) and old orgs."""

    def add():
        orgs = [tree.branch_a, tree.group_a, tree.unit_a, tree.branch_b, tree.unit_b]
        for i in range(n):
            parent = tree.root if units else (tree.unit_a if i % 2 else tree.unit_b)
            extra = Organization.objects.get(pk=parent.pk).add_child(
                kind=OrgKind.UNIT_PARTY if units else OrgKind.BRANCH,
                name=f"新组织{Organization.objects.count()}",
            )
            for kind in (K.TERM_DUE, K.PROBATION_END):
                note(user, org=extra, kind=kind, read=i % 3 == 0)
            note(user, org=orgs[i % len(orgs)], kind=K.TERM_OVERDUE)

    return add


CASES = {
    "rules:inbox(groups)": ("branch_secretary", "branch_a", "groups", "dj-inbox-group"),
    "rules:inbox(list)": ("branch_secretary", "branch_a", "list", 'id="notification-'),
    "rules:inbox(digest,committee)": ("committee_admin", "root", "digest", "dj-inbox-group"),
    "rules:inbox(digest,unit)": ("unit_admin", "unit_a", "digest", "dj-inbox-group"),
    "rules:inbox(groups,filtered)": (
        "committee_admin",
        "root",
        "groups&period=year&status=unread",
        "dj-inbox-group",
    ),
}


@pytest.mark.parametrize("key", list(CASES))
def test_inbox_query_counts(key, client, tree, make_user):
    role, where, view, marker = CASES[key]
    user = make_user(role, getattr(tree, where))
    _grow(user, tree, 2)()
    client.force_login(user)
    more = _grow(user, tree, 10, units=key == "rules:inbox(digest,committee)")
    count = assert_query_count_constant(
        client, f"{INBOX}?view={view}", more, rows=occurrences(marker)
    )
    check_baseline(BASELINES, key, count)


def test_api_groups_query_count(client, tree, make_user):
    user = make_user("committee_admin", tree.root)
    _grow(user, tree, 2)()
    client.force_login(user)
    count = assert_query_count_constant(client, "/api/notifications/groups/", _grow(user, tree, 10))
    check_baseline(BASELINES, "api:notifications/groups", count)
