"""The org list's xlsx export: the columns the list shows (换届状态, 党员数) and its filters."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.testing.querycount import check_baseline
from dangjian.orgs.models import OrgKind

from .helpers import child, make_members, make_term
from .test_query_counts import BASELINES

pytestmark = pytest.mark.django_db


def export(client, **params) -> list[dict]:
    resp = client.get(reverse("orgs:organization_list"), {**params, "export": "xlsx"})
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def orgs(tree):
    today = timezone.localdate()
    # 甲局第一党支部: elected 4 years ago (a branch's term is 3 years) → overdue.
    make_term(tree.branch_a, today - dt.timedelta(days=4 * 366))
    # 乙局第一党支部: elected last year → normal.
    make_term(tree.branch_b, today - dt.timedelta(days=300))
    late = child(tree.unit_b, OrgKind.BRANCH, "乙局第二党支部")
    make_term(late, today - dt.timedelta(days=5 * 366))
    make_members(tree.branch_a, 3)
    make_members(tree.group_a, 2)
    make_members(late, 4)
    return late


def test_export_has_term_status_and_member_count(client, tree, make_user, orgs):
    client.force_login(make_user("committee_admin", tree.root))
    rows = {r["组织名称"]: r for r in export(client)}
    assert "换届状态" in rows["甲局第一党支部"] and "党员数" in rows["甲局第一党支部"]
    assert rows["甲局第一党支部"]["换届状态"] == "已超期"
    assert rows["乙局第一党支部"]["换届状态"] == "正常"
    # Members of the whole subtree, as the list shows: the branch's 3 and its group's 2.
    assert rows["甲局第一党支部"]["党员数"] == 5
    assert rows["甲局机关党委"]["党员数"] == 5
    assert rows["乙局机关党委"]["党员数"] == 4


def test_export_honours_the_term_status_filter(client, tree, make_user, orgs):
    client.force_login(make_user("committee_admin", tree.root))
    page = client.get(reverse("orgs:organization_list"), {"term_status": "overdue"})
    listed = {row.record.name for row in page.context["table"].rows}
    rows = export(client, term_status="overdue")
    assert {r["组织名称"] for r in rows} == listed == {"甲局第一党支部", "乙局第二党支部"}
    assert all(r["换届状态"] == "已超期" for r in rows)
    assert {r["组织名称"]: r["党员数"] for r in rows} == {"甲局第一党支部": 5, "乙局第二党支部": 4}
    within = export(client, term_status="overdue", within=tree.unit_b.pk)
    assert [r["组织名称"] for r in within] == ["乙局第二党支部"]


def test_export_query_count_does_not_grow_with_rows(client, tree, make_user, orgs):
    client.force_login(make_user("committee_admin", tree.root))

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = export(client)
        return len(ctx.captured_queries), len(rows)

    first, shown = count()
    for i in range(15):
        branch = child(tree.unit_a, OrgKind.BRANCH, f"新支部{i}")
        make_members(branch, 2)
    second, shown_after = count()
    assert shown_after == shown + 15
    assert second == first
    check_baseline(BASELINES, "orgs:organization_list?export=xlsx", second)
