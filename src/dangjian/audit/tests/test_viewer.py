import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record
from dangjian.core.context import RequestContext, use
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")
LIST = "/audit/"  # audit:event_list (a literal: reversing at import would hide URL errors)


@pytest.fixture
def auditor(make_user):
    return make_user("audit_admin", username="auditor")


def _ids(client, query=""):
    resp = client.get(LIST + query)
    assert resp.status_code == 200
    return [row.record.id for row in resp.context["table"].rows]


def test_anonymous_goes_to_login(client):
    resp = client.get(LIST)
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "role", ["committee_admin", "system_admin", "security_admin", "branch_secretary"]
)
def test_others_get_403_and_the_denial_is_audited(client, tree, make_user, role):
    is_global = role in {"system_admin", "security_admin"}
    user = make_user(role, None if is_global else tree.root)
    event = record("login", user=user)
    client.force_login(user)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("audit:event_detail", args=[event.pk])).status_code == 403
    denied = AuditEvent.objects.filter(action="permission_denied", actor_id=user.pk)
    assert denied.count() == 2 and denied.first().detail["path"].startswith("/audit/")


def test_auditor_sees_the_log(client, auditor):
    assert reverse("audit:event_list") == LIST
    event = record("login", user=auditor)
    client.force_login(auditor)
    resp = client.get(LIST)
    assert resp.status_code == 200
    assert "审计日志" in resp.content.decode()
    assert event.id in _ids(client)
    assert client.get(reverse("audit:event_detail", args=[event.pk])).status_code == 200
    assert client.get(reverse("audit:event_detail", args=[999999])).status_code == 404


def test_filters(client, auditor, make_user):
    other = make_user(username="zhangsan")
    with use(RequestContext(source_address="10.1.2.3", request_id="req-aaa", channel="web")):
        login = record("login", user=other, obj=other)
    with use(RequestContext(source_address="192.168.0.9", request_id="req-bbb", channel="web")):
        failed = record("login_failed", outcome="failure", actor_name="ghost")
        update = record(
            "update", user=other, obj=other, before={"email": ""}, after={"email": "z@x.cn"}
        )
    client.force_login(auditor)
    assert _ids(client, "?actor=zhang") == [update.id, login.id]
    assert _ids(client, "?action=login_failed") == [failed.id]
    assert failed.id in _ids(client, "?outcome=failure")
    assert login.id not in _ids(client, "?outcome=failure")
    assert _ids(client, "?object_type=accounts.user&actor=zhang") == [update.id, login.id]
    assert _ids(client, "?request_id=req-aaa") == [login.id]
    assert _ids(client, "?source_address=192.168.") == [update.id, failed.id]
    today = timezone.localdate()
    assert login.id in _ids(client, f"?date_from={today}&date_to={today}")
    assert _ids(client, f"?date_to={today - dt.timedelta(days=1)}") == []
    assert _ids(client, f"?date_from={today + dt.timedelta(days=1)}") == []


def test_detail_highlights_changed_fields(client, auditor, make_user):
    user = make_user(username="lisi", display_name="李四")
    before = {"username": "lisi", "display_name": "李四", "email": ""}
    after = {"username": "lisi", "display_name": "李四", "email": "li@x.cn"}
    event = record("update", user=auditor, obj=user, before=before, after=after)
    client.force_login(auditor)
    resp = client.get(reverse("audit:event_detail", args=[event.pk]))
    rows = {row["field"]: row for row in resp.context["rows"]}
    assert rows["email"]["changed"] and rows["email"]["label"] == "电子邮件地址"
    assert not rows["display_name"]["changed"] and rows["display_name"]["label"] == "姓名"
    html = resp.content.decode()
    highlighted = re.findall(r'<tr class="table-warning">\s*<td>([^<]+)', html)
    assert [h.strip() for h in highlighted] == ["电子邮件地址"]
    assert "li@x.cn" in html


def test_list_query_count_is_constant(client, auditor, make_user):
    client.force_login(auditor)

    def add_rows():
        for i in range(10):
            record("login_failed", outcome="failure", actor_name=f"u{i}")

    count = assert_query_count_constant(client, LIST, add_rows)
    check_baseline(BASELINES, "audit:event_list", count)
