"""Heatmaps and lists for many orgs: every level, worst first, the list behind 未达标, export."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules.evaluator import Status, evaluate

from .helpers import act

D = dt.date
YEAR = 2024
THEME_DAY = "branch.theme_day.monthly"
BASELINES = Path(__file__).with_name("query_counts.json")
STATIC = Path(__file__).resolve().parents[1] / "static" / "rules"

pytestmark = pytest.mark.django_db


@pytest.fixture
def deep(tree):
    """甲局 gets a 党总支 with a branch and its 党小组: four levels under the unit."""
    general = tree.unit_a.add_child(kind=OrgKind.GENERAL_BRANCH, name="甲局第一党总支")
    branch = Organization.objects.get(pk=general.pk).add_child(
        kind=OrgKind.BRANCH, name="甲局总支第一党支部"
    )
    group = Organization.objects.get(pk=branch.pk).add_child(
        kind=OrgKind.PARTY_GROUP, name="总支第一党小组"
    )
    for month in range(1, 13):
        act(tree.branch_a, "theme_day", D(YEAR, month, 8))  # the good branch
        act(tree.group_a, "group_meeting", D(YEAR, month, 9))
    act(branch, "theme_day", D(YEAR, 1, 8))  # the poor one: once
    act(group, "group_meeting", D(YEAR, 2, 9))
    return {"general": general, "branch": branch, "group": group}


def page(client, **params):
    resp = client.get(reverse("rules:compliance"), {"year": YEAR, **params})
    assert resp.status_code == 200
    return resp


def table_orgs(html: str) -> list[int]:
    table = html[html.index('id="compliance-table"') :]
    table = table[: table.index("</table>")]
    return [int(pk) for pk in re.findall(r'<tr data-org="(\d+)"', table)]


def shares(rows) -> list[float]:
    return [r.total.share for r in rows if r.total.share is not None]


def test_unit_admin_sees_every_level_worst_first(client, tree, make_user, deep):
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = page(client)
    rows = resp.context["rows"]
    assert resp.context["levels"] == "all"
    listed = table_orgs(resp.content.decode())
    # Every org of the subtree with results, down to the 党小组 under the 党总支's branch.
    for org in (tree.branch_a, tree.group_a, deep["branch"], deep["group"]):
        assert org.pk in listed
    assert tree.unit_b.pk not in listed and tree.branch_b.pk not in listed
    # Worst first: the yearly rates never go down the page, the poor branch above the good.
    assert shares(rows) == sorted(shares(rows))
    assert listed.index(deep["branch"].pk) < listed.index(tree.branch_a.pk)
    # A 党小组 row says whose group it is; each row opens its own subtree's map.
    group_row = next(r for r in rows if r.org_id == deep["group"].pk)
    assert group_row.label == "总支第一党小组（甲局总支第一党支部）"
    assert f"within={deep['branch'].pk}" in next(
        r.url for r in rows if r.org_id == deep["branch"].pk
    )
    # In tree order on request.
    tree_rows = page(client, sort="tree").context["rows"]
    assert [r.path for r in tree_rows] == sorted(r.path for r in tree_rows)


def test_city_view_is_one_row_per_unit_each_a_drill_down(client, tree, make_user, deep):
    client.force_login(make_user("committee_admin", tree.root))
    resp = page(client)
    assert resp.context["levels"] == "children"
    rows = resp.context["rows"]
    # 乙局's branch held nothing: it has results too (all missed), so both units are rows.
    assert {r.org_id for r in rows} == {tree.unit_a.pk, tree.unit_b.pk}
    unit_a = next(r for r in rows if r.org_id == tree.unit_a.pk)
    assert f"within={tree.unit_a.pk}" in unit_a.url
    # The unit's subtree totals: every cell below it counted once.
    evaluation = evaluate(make_user("committee_admin", tree.root), YEAR, within=tree.unit_a)
    judged = [c for c in evaluation.cells if c.status != Status.NOT_APPLICABLE]
    assert sum(sum(c.counts.values()) for c in unit_a.cells) == len(judged)
    # Unfolded to every level on request; the drill-down shows the unit's every level.
    everything = page(client, levels="all").context["rows"]
    assert deep["group"].pk in {r.org_id for r in everything}
    inner = client.get(unit_a.url).context["rows"]
    assert deep["group"].pk in {r.org_id for r in inner}


def test_every_level_of_a_large_subtree_falls_back_to_children(
    client, tree, make_user, deep, monkeypatch
):
    from dangjian.rules import views

    monkeypatch.setattr(views, "ALL_LEVELS_MAX", 2)
    client.force_login(make_user("committee_admin", tree.root))
    resp = page(client, levels="all")
    assert resp.context["levels"] == "children" and resp.context["too_many"]
    assert {r.org_id for r in resp.context["rows"]} == {tree.unit_a.pk, tree.unit_b.pk}
    assert "组织较多，已按下级汇总显示" in resp.content.decode()


def test_sticky_month_header_and_the_table_folded(client, tree, make_user, deep):
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = page(client).content.decode()
    head = re.search(r'<div class="dj-heat-head"[^>]*>(.*?)</div>', html).group(1)
    assert re.findall(r"<span>(\d+月)</span>", head) == [f"{m}月" for m in range(1, 13)]
    details = re.search(r"<details[^>]*id=\"compliance-table-details\"[^>]*>", html).group(0)
    assert " open" not in details  # folded by default: the chart shows the same figures
    assert html.index('id="compliance-heatmap"') < html.index('id="compliance-table"')
    assert "rules/rules.css" in html and "rules/compliance.js" in html
    assert " style=" not in html  # the policy refuses inline styles
    css = (STATIC / "rules.css").read_text()
    block = css[css.index(".dj-heat-head {") :]
    assert "position: sticky" in block[: block.index("}")]
    assert "220px repeat(12" in block  # the chart's label column (heatmap.LABEL_WIDTH)


def noncompliant_orgs(user, root, rule_id=None) -> set[int]:
    evaluation = evaluate(user, YEAR, within=root)
    return {
        c.org_id
        for c in evaluation.cells
        if c.status == Status.NONCOMPLIANT and (rule_id is None or c.rule_id == rule_id)
    }


def test_noncompliant_counts_link_to_the_orgs_behind(client, tree, make_user, deep):
    user = make_user("unit_admin", tree.unit_a)
    client.force_login(user)
    html = page(client).content.decode()
    link = re.search(
        rf'<a class="text-danger" href="([^"]+)" data-behind="{THEME_DAY}">(\d+)</a>', html
    )
    assert link is not None, "the summary's 未达标 count is a link"
    behind = client.get(link.group(1).replace("&amp;", "&"))
    assert behind.status_code == 200
    expected = noncompliant_orgs(user, tree.unit_a, THEME_DAY)
    assert {r.org_id for r in behind.context["rows"]} == expected
    assert deep["branch"].pk in expected and tree.branch_a.pk not in expected
    assert sum(r.missed for r in behind.context["rows"]) == int(link.group(2))
    # A heatmap row's 未达标 count opens the same list for that org's subtree.
    row = next(r for r in page(client).context["rows"] if r.org_id == deep["branch"].pk)
    assert row.noncompliant > 0
    listed = client.get(row.behind_url).context["rows"]
    assert {r.org_id for r in listed} <= {deep["branch"].pk, deep["group"].pk}
    # All rules: every org that missed anything, worst first, with titles — never ids.
    everything = client.get(reverse("rules:compliance_behind"), {"year": YEAR})
    assert {r.org_id for r in everything.context["rows"]} == noncompliant_orgs(user, tree.unit_a)
    missed = [r.missed for r in everything.context["rows"]]
    assert missed == sorted(missed, reverse=True)
    body = everything.content.decode()
    assert "党支部每月开展1次主题党日" in body and THEME_DAY not in body


def test_lists_are_scoped(client, tree, make_user, deep):
    client.force_login(make_user("viewer", tree.unit_b))
    behind = reverse("rules:compliance_behind")
    assert client.get(behind, {"within": tree.unit_a.pk}).status_code == 404
    assert (
        client.get(
            reverse("rules:compliance"), {"within": tree.unit_a.pk, "export": "xlsx"}
        ).status_code
        == 404
    )
    rows = client.get(behind, {"year": YEAR}).context["rows"]
    assert all(r.path.startswith(tree.unit_b.path) for r in rows)
    client.force_login(make_user("audit_admin"))
    assert client.get(behind).status_code == 403


def workbook(client, url, **params):
    resp = client.get(url, {"year": YEAR, "export": "xlsx", **params})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(resp.streaming_content)))


@pytest.mark.parametrize("level", ["root", "unit_a", "branch"])
def test_export_at_every_level(client, tree, make_user, deep, level):
    user = make_user("committee_admin", tree.root)
    client.force_login(user)
    org = {"root": tree.root, "unit_a": tree.unit_a, "branch": deep["branch"]}[level]
    wb = workbook(client, reverse("rules:compliance"), within=org.pk)
    assert wb.sheetnames == ["各组织达标率", "未达标组织", "未达标明细", "说明"]
    rates = list(wb["各组织达标率"].iter_rows(values_only=True))
    assert rates[0][:4] == ("组织名称", "上级组织", "组织类别", "全年达标率")
    evaluation = evaluate(user, YEAR, within=org)
    with_results = {
        evaluation.orgs[c.org_id].name
        for c in evaluation.cells
        if c.status != Status.NOT_APPLICABLE
    }
    assert {r[0] for r in rates[1:]} == with_results  # every level, not only the children
    missed = [c for c in evaluation.cells if c.status == Status.NONCOMPLIANT]
    assert len(list(wb["未达标明细"].iter_rows())) - 1 == len(missed)
    texts = [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not any("branch." in t or "party_group." in t for t in texts)  # titles, no rule ids
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.detail["model"] == "rules.compliance" and event.detail["rows"] == len(rates) - 1
    # The list behind exports the same workbook.
    again = workbook(client, reverse("rules:compliance_behind"), within=org.pk)
    assert again.sheetnames == wb.sheetnames


def test_the_org_panel_links_its_shortfalls(client, tree, make_user, deep):
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(reverse("orgs:organization_detail", args=[tree.unit_a.pk])).content.decode()
    link = re.search(r'href="([^"]+)" id="compliance-panel-behind">(\d+)</a>', html)
    assert link is not None, "the panel's 未达标 count is a link"
    resp = client.get(link.group(1).replace("&amp;", "&"))
    assert resp.status_code == 200 and resp.context["root"] == tree.unit_a


def test_a_cell_of_an_own_row_shows_only_that_org(client, tree, make_user, deep):
    client.force_login(make_user("unit_admin", tree.unit_a))
    branch = next(r for r in page(client).context["rows"] if r.org_id == deep["branch"].pk)
    cell = next(c for c in branch.cells if c.url)
    assert "only=1" in cell.url
    rows = client.get(cell.url).context["rows"]
    assert rows and {r["org"].id for r in rows} == {deep["branch"].pk}
    whole = client.get(cell.url.replace("&only=1", "")).context["rows"]
    assert {r["org"].id for r in whole} > {deep["branch"].pk}


# --- query counts ---------------------------------------------------------------------


def grow(tree, n: int) -> None:
    """Branches with a 党小组 under both units, one meeting each: more rows everywhere."""
    for i in range(n):
        unit = Organization.objects.get(pk=(tree.unit_a if i % 2 else tree.unit_b).pk)
        branch = unit.add_child(
            kind=OrgKind.BRANCH, name=f"新增支部{unit.pk}-{i}-{Organization.objects.count()}"
        )
        group = Organization.objects.get(pk=branch.pk).add_child(
            kind=OrgKind.PARTY_GROUP, name=f"新增党小组{branch.pk}"
        )
        act(branch, "theme_day", D(YEAR, 1 + i % 12, 3))
        act(group, "group_meeting", D(YEAR, 1 + i % 12, 4))


def _rows(resp) -> int:
    return len(resp.context["rows"])


def _behind(resp) -> int:
    return resp.context["total"]


PAGES = {
    "rules:compliance(city)": ("committee_admin", "root", "rules:compliance", {}),
    "rules:compliance(city,all)": (
        "committee_admin",
        "root",
        "rules:compliance",
        {"levels": "all"},
    ),
    "rules:compliance(unit)": ("unit_admin", "unit_a", "rules:compliance", {}),
    "rules:compliance(branch)": ("branch_secretary", "branch_a", "rules:compliance", {}),
    "rules:compliance_behind(city)": (
        "committee_admin",
        "root",
        "rules:compliance_behind",
        {},
    ),
    "rules:compliance_behind(unit)": (
        "unit_admin",
        "unit_a",
        "rules:compliance_behind",
        {},
    ),
}


@pytest.mark.parametrize("key", list(PAGES))
def test_compliance_query_counts(key, client, tree, make_user, deep):
    role, where, name, params = PAGES[key]
    client.force_login(make_user(role, getattr(tree, where)))
    query = "&".join(f"{k}={v}" for k, v in {"year": YEAR, **params}.items())
    url = f"{reverse(name)}?{query}"
    grow(tree, 2)
    shown = _behind if "behind" in key else _rows
    if key == "rules:compliance(branch)":
        # A branch's every level: more 党小组 under it make more rows.
        def add():
            for i in range(6):
                group = Organization.objects.get(pk=tree.branch_a.pk).add_child(
                    kind=OrgKind.PARTY_GROUP, name=f"新增党小组{i}-{Organization.objects.count()}"
                )
                act(group, "group_meeting", D(YEAR, 1 + i, 4))
    elif key == "rules:compliance(city)":
        # One row per unit: more units, not more branches, make more rows.
        def add():
            for i in range(3):
                unit = Organization.objects.get(pk=tree.root.pk).add_child(
                    kind=OrgKind.UNIT_PARTY, name=f"新增单位{i}"
                )
                b = Organization.objects.get(pk=unit.pk).add_child(
                    kind=OrgKind.BRANCH, name=f"新增单位{i}支部"
                )
                act(b, "theme_day", D(YEAR, 2, 2))
    else:

        def add():
            grow(tree, 6)

    count = assert_query_count_constant(client, url, add, rows=shown)
    check_baseline(BASELINES, key, count)


@pytest.mark.parametrize("role,where", [("committee_admin", "root"), ("unit_admin", "unit_a")])
def test_export_query_count_is_constant(client, tree, make_user, deep, role, where):
    client.force_login(make_user(role, getattr(tree, where)))
    grow(tree, 2)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            wb = workbook(client, reverse("rules:compliance"))
        return len(ctx.captured_queries), wb["各组织达标率"].max_row

    first, rows = measure()
    grow(tree, 6)
    second, rows_after = measure()
    assert rows_after > rows and second == first
    check_baseline(BASELINES, f"rules:compliance?export=xlsx({role})", second)
