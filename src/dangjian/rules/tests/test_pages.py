"""Rules pages: the library with switches, the heatmap and its drill-down, the org panel."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.testing.querycount import assert_query_count_constant
from dangjian.orgs.models import OrgKind
from dangjian.rules.models import RuleSetting
from dangjian.web.context_processors import build_navigation

from .helpers import act, exempt

D = dt.date
LECTURE = "branch.party_lecture.quarterly"


@pytest.mark.django_db
def test_rule_list_shows_citations_badges_and_switches(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    html = client.get(reverse("rules:rule_list")).content.decode()
    assert "第十一条" in html and "《中国共产党支部工作条例（试行）》（2018）" in html
    assert 'data-verified="false"' in html and 'data-verified="true"' in html
    assert "地方性" in html
    assert reverse("rules:rule_switch", args=[LECTURE]) not in html  # a viewer cannot switch
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(reverse("rules:rule_list")).content.decode()
    assert reverse("rules:rule_switch", args=[LECTURE]) in html
    assert reverse("rules:rule_switch", args=["branch.member_assembly.quarterly"]) not in html


@pytest.mark.django_db
def test_committee_admin_switches_a_local_rule_audited(client, tree, make_user):
    admin = make_user("committee_admin", tree.root)
    client.force_login(admin)
    resp = client.post(
        reverse("rules:rule_switch", args=[LECTURE]), {"enabled": "0", "note": "本地不要求"}
    )
    assert resp.status_code == 302
    setting = RuleSetting.objects.get(rule_id=LECTURE)
    assert setting.enabled is False and setting.changed_by == admin
    event = AuditEvent.objects.get(object_type="rules.rulesetting", action="create")
    assert event.actor_id == admin.pk and event.after["enabled"] is False
    client.post(reverse("rules:rule_switch", args=[LECTURE]), {"enabled": "1"})
    assert RuleSetting.objects.get(rule_id=LECTURE).enabled is True
    assert AuditEvent.objects.filter(object_type="rules.rulesetting", action="update").count() == 1


@pytest.mark.django_db
def test_switching_is_refused_below_the_committee_and_for_national_rules(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert (
        client.post(reverse("rules:rule_switch", args=[LECTURE]), {"enabled": "0"}).status_code
        == 403
    )
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.post(
        reverse("rules:rule_switch", args=["branch.member_assembly.quarterly"]),
        {"enabled": "0"},
        follow=True,
    )
    assert "全国性规定" in resp.content.decode()
    assert not RuleSetting.objects.exists()


@pytest.mark.django_db
def test_rule_detail(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    html = client.get(
        reverse("rules:rule_detail", args=["branch.life_meeting.yearly"])
    ).content.decode()
    assert "第四季度" in html and "第十七条" in html and "落实情况" in html
    assert client.get(reverse("rules:rule_detail", args=["no.such"])).status_code == 404


def seed(tree, year):
    act(tree.branch_a, "theme_day", D(year, 1, 10))
    act(tree.branch_a, "member_assembly", D(year, 2, 10))
    act(tree.group_a, "group_meeting", D(year, 1, 10))
    act(tree.branch_b, "theme_day", D(year, 1, 11))


@pytest.mark.django_db
def test_heatmap_rows_cells_and_drilldown(client, tree, make_user):
    seed(tree, 2024)
    exempt(tree.branch_b, "branch.theme_day.monthly", D(2024, 2, 1), D(2024, 2, 29))
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("rules:compliance") + "?year=2024")
    assert resp.status_code == 200
    html = resp.content.decode()
    chart = resp.context["chart"]
    # The 工委's map has one row per unit (the city view), worst first: 乙局 (theme day
    # once in 12 months) above 甲局; the chart draws the first row at the top.
    assert [r.name for r in resp.context["rows"]] == ["乙局机关党委", "甲局机关党委"]
    assert resp.context["levels"] == "children"
    assert chart["series"][0]["type"] == "heatmap" and chart["yAxis"]["data"] == [
        "甲局机关党委",
        "乙局机关党委",
    ]
    rows = {r.name: r for r in resp.context["rows"]}
    jan = rows["甲局机关党委"].cells[0]
    # January for 甲局: theme day ✓, group meeting ✓ (monthly rules judged in January).
    assert jan.counts["compliant"] == 2 and jan.counts["noncompliant"] == 0 and jan.percent == 100
    feb_b = rows["乙局机关党委"].cells[1]
    assert feb_b.counts["exempt"] == 1 and feb_b.counts["compliant"] == 0
    assert 'id="compliance-heatmap"' in html and "vendor/echarts/echarts.min.js" in html
    # Clicking a cell goes to the drill-down, which lists the rule, its citation and the records.
    cell = client.get(jan.url)
    assert cell.status_code == 200
    body = cell.content.decode()
    assert "党支部每月开展1次主题党日" in body and "未核实" in body
    assert (
        f"/activities/?org={tree.branch_a.pk}&amp;date_after=2024-01-01&amp;date_before=2024-01-31"
        in body
    )
    # The next level: 甲局 → every org below it (the branch and its 党小组), own results.
    inner = client.get(reverse("rules:compliance") + f"?year=2024&within={tree.unit_a.pk}")
    assert inner.context["levels"] == "all"
    assert {r.name for r in inner.context["rows"]} == {"甲局第一党支部", "第一党小组"}


@pytest.mark.django_db
def test_heatmap_is_scoped(client, tree, make_user):
    seed(tree, 2024)
    client.force_login(make_user("viewer", tree.unit_a))
    resp = client.get(reverse("rules:compliance") + "?year=2024")
    assert {r.name for r in resp.context["rows"]} == {"甲局第一党支部", "第一党小组"}
    assert client.get(reverse("rules:compliance") + f"?within={tree.unit_b.pk}").status_code == 404
    cell = reverse("rules:compliance_cell") + f"?org={tree.branch_b.pk}&year=2024&month=1"
    assert client.get(cell).status_code == 404
    client.force_login(make_user("audit_admin"))
    assert client.get(reverse("rules:compliance")).status_code == 403


@pytest.mark.django_db
def test_heatmap_query_count_does_not_grow_with_orgs(client, tree, make_user):
    seed(tree, 2024)
    client.force_login(make_user("committee_admin", tree.root))

    def more():
        for i in range(4):
            branch = tree.unit_b.add_child(kind=OrgKind.BRANCH, name=f"新支部{i}")
            branch.add_child(kind=OrgKind.PARTY_GROUP, name=f"新小组{i}")
            act(branch, "theme_day", D(2024, 3, 3))

    assert_query_count_constant(
        client,
        reverse("rules:compliance") + f"?year=2024&within={tree.unit_b.pk}",
        more,
        rows=lambda resp: len(resp.context["rows"]),
    )


@pytest.mark.django_db
def test_compliance_panel_on_the_org_page(client, tree, make_user):
    year = timezone.localdate().year
    act(tree.branch_a, "theme_day", D(year, 1, 10))
    client.force_login(make_user("viewer", tree.unit_a))
    html = client.get(reverse("orgs:organization_detail", args=[tree.branch_a.pk])).content.decode()
    assert 'id="compliance-panel"' in html and "党支部每月开展1次主题党日" in html
    assert 'data-status="compliant"' in html
    unit = client.get(reverse("orgs:organization_detail", args=[tree.unit_a.pk])).content.decode()
    assert "下级组织：达标率" in unit


@pytest.mark.django_db
def test_navigation_entry(tree, make_user):
    menu = build_navigation(make_user("viewer", tree.unit_a))
    rules = next(item for item in menu if item.label == "制度落实")
    assert [c.label for c in rules.children] == ["落实情况", "规则库", "规则豁免"]
    assert all(item.label != "制度落实" for item in build_navigation(make_user("audit_admin")))
    member_menu = build_navigation(make_user("party_member", tree.branch_a))
    entry = next(item for item in member_menu if item.label == "制度落实")
    # A member-level exemption names a member and why: not for other members (decisions/0011).
    assert [c.label for c in entry.children] == ["落实情况", "规则库"]


@pytest.mark.django_db
def test_heatmap_option_is_valid_json(client, tree, make_user):
    seed(tree, 2024)
    client.force_login(make_user("committee_admin", tree.root))
    html = client.get(reverse("rules:compliance") + "?year=2024").content.decode()
    start = html.index('<script id="compliance-chart" type="application/json">') + len(
        '<script id="compliance-chart" type="application/json">'
    )
    option = json.loads(html[start : html.index("</script>", start)])
    assert all("url" in item for item in option["series"][0]["data"])
