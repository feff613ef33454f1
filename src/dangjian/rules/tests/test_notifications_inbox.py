"""The inbox page, the navbar badge and `/api/notifications/`: own rows only, constant queries."""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.testing.querycount import assert_query_count_constant, occurrences
from dangjian.rules.models import Notification, NotificationKind

_key = itertools.count(1)


def note(user, org=None, read=False, link="/orgs/", **fields) -> Notification:
    n = next(_key)
    return Notification.objects.create(
        user=user,
        kind=fields.pop("kind", NotificationKind.TERM_OVERDUE),
        title=fields.pop("title", f"提醒{n}"),
        body="请尽快换届。",
        link=link,
        rule_id="term.renewal.on_time",
        citation="《中国共产党基层组织选举工作条例》（2020）第三条（已核实）",
        org=org,
        dedupe_key=f"{user.pk}:test:{n}",
        read_at=timezone.now() if read else None,
        **fields,
    )


@pytest.fixture
def alice(tree, make_user):
    return make_user("branch_secretary", tree.branch_a)


@pytest.fixture
def bob(tree, make_user):
    return make_user("branch_secretary", tree.branch_b)


# --- API ------------------------------------------------------------------------------


class TestNotificationAPIPermissions:
    """The PermissionTestMixin checks, for a model whose scope is its owner."""

    def test_anonymous_is_401(self, client, alice):
        n = note(alice)
        assert client.get("/api/notifications/").status_code == 401
        assert client.get(f"/api/notifications/{n.pk}/").status_code == 401
        assert client.patch(f"/api/notifications/{n.pk}/", {}).status_code == 401

    def test_own_rows_only(self, client, tree, alice, bob):
        mine = note(alice, org=tree.branch_a)
        theirs = note(bob, org=tree.branch_b)
        client.force_login(alice)
        resp = client.get("/api/notifications/")
        assert resp.status_code == 200
        assert [r["id"] for r in resp.json()["results"]] == [mine.pk]
        row = resp.json()["results"][0]
        assert row["org_name"] == "甲局第一党支部" and row["read"] is False
        assert row["kind_label"] == "换届超期提醒" and "第三条" in row["citation"]
        assert client.get(f"/api/notifications/{mine.pk}/").status_code == 200
        assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
        resp = client.patch(
            f"/api/notifications/{theirs.pk}/", {"read": True}, content_type="application/json"
        )
        assert resp.status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_a_user_without_any_role_sees_an_empty_list(self, client, make_user, alice):
        note(alice)
        client.force_login(make_user("audit_admin"))
        resp = client.get("/api/notifications/")
        assert resp.status_code == 200 and resp.json()["results"] == []

    def test_no_create_or_delete(self, client, alice):
        n = note(alice)
        client.force_login(alice)
        assert client.post("/api/notifications/", {}).status_code == 405
        assert client.delete(f"/api/notifications/{n.pk}/").status_code == 405


def test_api_mark_read_and_unread(client, alice):
    n = note(alice)
    client.force_login(alice)
    url = f"/api/notifications/{n.pk}/"
    resp = client.patch(url, {"read": True}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["read"] is True
    n.refresh_from_db()
    assert n.read_at is not None
    # only `read` is writable
    client.patch(url, {"title": "改掉", "read": False}, content_type="application/json")
    n.refresh_from_db()
    assert n.read_at is None and n.title != "改掉"


def test_api_unread_filter_and_read_all(client, alice, bob):
    note(alice, read=True)
    unread = note(alice)
    other = note(bob)
    client.force_login(alice)
    assert [r["id"] for r in client.get("/api/notifications/?unread=1").json()["results"]] == [
        unread.pk
    ]
    resp = client.post("/api/notifications/read-all/")
    assert resp.status_code == 200 and resp.json() == {"marked": 1}
    other.refresh_from_db()
    assert other.read_at is None


def test_api_list_unread_first(client, alice):
    old_unread = note(alice, title="旧的未读")
    note(alice, read=True, title="已读")
    new_unread = note(alice, title="新的未读")
    client.force_login(alice)
    titles = [r["title"] for r in client.get("/api/notifications/").json()["results"]]
    assert titles == [new_unread.title, old_unread.title, "已读"]


def test_api_list_query_count_is_constant(client, tree, alice):
    client.force_login(alice)
    note(alice, org=tree.branch_a)
    assert_query_count_constant(
        client,
        "/api/notifications/",
        lambda: [note(alice, org=tree.branch_a, read=i % 2 == 0) for i in range(12)],
    )


# --- the inbox page -------------------------------------------------------------------


def test_inbox_lists_own_unread_first_with_citation(client, tree, alice, bob):
    note(alice, read=True, title="已读的提醒")
    note(alice, org=tree.branch_a, title="未读的提醒")
    note(bob, title="别人的提醒")
    client.force_login(alice)
    resp = client.get(reverse("rules:inbox"), {"view": "list"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert html.index("未读的提醒") < html.index("已读的提醒")
    assert "别人的提醒" not in html
    assert "依据" in html and "第三条" in html
    assert html.count('id="nav-unread-count"') == 1  # the navbar's, not one per item
    assert resp.context["unread_total"] == 1
    only = client.get(reverse("rules:inbox"), {"unread": "1", "view": "list"})
    assert [n.title for n in only.context["notifications"]] == ["未读的提醒"]


def test_inbox_counts_the_unread_once(client, tree, alice):
    """The page's own total and the navbar's badge are one COUNT between them."""
    note(alice, org=tree.branch_a)
    note(alice, org=tree.branch_a)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("rules:inbox"))
    html = resp.content.decode()
    assert resp.context["unread_total"] == 2
    assert re.search(r'id="nav-unread-count">\s*2\s*<', html)
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(*)" in q["sql"] and "rules_notification" in q["sql"]
    ]
    assert len(counts) == 1, counts


def test_inbox_requires_login(client):
    resp = client.get(reverse("rules:inbox"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_inbox_query_count_is_constant(client, tree, alice):
    client.force_login(alice)
    note(alice, org=tree.branch_a)
    assert_query_count_constant(
        client,
        reverse("rules:inbox") + "?view=list",
        lambda: [note(alice, org=tree.branch_a, read=i % 2 == 0) for i in range(12)],
        rows=occurrences('id="notification-'),
    )


def test_mark_read_with_htmx_returns_the_item(client, alice, bob):
    n = note(alice)
    client.force_login(alice)
    url = reverse("rules:notification_read", args=[n.pk])
    resp = client.post(url, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    assert f'id="notification-{n.pk}"' in resp.content.decode()
    assert 'data-read="1"' in resp.content.decode()
    assert resp["HX-Trigger"] == "notifications-changed"
    assert (
        'id="nav-unread-count"' in resp.content.decode()
        and 'hx-swap-oob="true"' in resp.content.decode()
    )
    n.refresh_from_db()
    assert n.read_at is not None
    other = note(bob)
    assert client.post(reverse("rules:notification_read", args=[other.pk])).status_code == 404
    assert client.get(url).status_code == 405


def test_mark_all_read(client, alice, bob):
    note(alice)
    note(alice)
    other = note(bob)
    client.force_login(alice)
    resp = client.post(reverse("rules:notification_read_all"), HTTP_HX_REQUEST="true")
    assert resp.status_code == 204 and resp["HX-Refresh"] == "true"
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    resp = client.post(reverse("rules:notification_read_all"))
    assert resp.status_code == 302


def test_open_marks_read_and_follows_only_local_links(client, tree, alice, bob):
    n = note(alice, link=f"/orgs/{tree.branch_a.pk}/")
    client.force_login(alice)
    resp = client.get(reverse("rules:notification_open", args=[n.pk]))
    assert resp.status_code == 302 and resp["Location"] == f"/orgs/{tree.branch_a.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None
    evil = note(alice, link="https://evil.example/")
    resp = client.get(reverse("rules:notification_open", args=[evil.pk]))
    assert resp["Location"] == reverse("rules:inbox")
    assert client.get(reverse("rules:notification_open", args=[note(bob).pk])).status_code == 404


# --- the navbar badge -----------------------------------------------------------------


def _notification_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "rules_notification" in q["sql"]]


def test_navbar_badge_is_one_count_query(client, tree, alice):
    note(alice)
    note(alice)
    note(alice, read=True)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("web:home"))
    html = resp.content.decode()
    assert 'id="nav-unread-count"' in html
    assert html.split('id="nav-unread-count">')[1].startswith("2<")
    queries = _notification_queries(ctx)
    assert len(queries) == 1 and "COUNT(" in queries[0].upper()
    client.post(reverse("rules:notification_read_all"))
    assert 'id="nav-unread-count"' not in client.get(reverse("web:home")).content.decode()


def test_no_badge_query_for_anonymous_pages(client, db):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("accounts:login"))
    assert resp.status_code == 200
    assert _notification_queries(ctx) == []
    assert 'id="nav-inbox"' not in resp.content.decode()
