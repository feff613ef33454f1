"""`/api/rules/`, `/api/compliance/`, the `rules` command and the compliance metrics."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.rules.loader import get_library
from dangjian.rules.models import RuleSetting

from .helpers import act

D = dt.date


def seed(tree):
    act(tree.branch_a, "theme_day", D(2024, 1, 10))
    act(tree.branch_a, "theme_day", D(2024, 2, 10))
    act(tree.branch_b, "theme_day", D(2024, 1, 11))


@pytest.mark.django_db
def test_rules_api(client, tree, make_user):
    assert client.get("/api/rules/").status_code == 401
    client.force_login(make_user("party_member", tree.branch_a))
    rows = client.get("/api/rules/").json()
    assert len(rows) == len(get_library())
    assembly = next(r for r in rows if r["id"] == "branch.member_assembly.quarterly")
    assert (
        assembly["citation"]["article"] == "第十一条" and assembly["citation"]["verified"] is True
    )
    assert assembly["enabled"] is True and assembly["locked"] is True
    one = client.get("/api/rules/local.theme_day.fixed_day/").json()
    assert one["local"] is True and one["enabled"] is False and one["locked"] is False
    assert client.get("/api/rules/no.such/").status_code == 404
    assert {r["kind"] for r in client.get("/api/rules/?kind=term").json()} == {"term"}


@pytest.mark.django_db
def test_compliance_api(client, tree, make_user):
    seed(tree)
    client.force_login(make_user("viewer", tree.unit_a))
    data = client.get(
        "/api/compliance/?year=2024&rule=branch.theme_day.monthly&per_page=500"
    ).json()
    assert data["year"] == 2024 and data["count"] == 12
    assert {r["org"] for r in data["results"]} == {tree.branch_a.pk}
    by_period = {r["period"]: r for r in data["results"]}
    assert (
        by_period["2024-01"]["status"] == "compliant"
        and by_period["2024-03"]["status"] == "noncompliant"
    )
    (summary,) = data["summary"]
    assert (
        summary["compliant"] == 2
        and summary["noncompliant"] == 10
        and summary["rate"] == pytest.approx(2 / 12, abs=1e-4)
    )
    only = client.get(
        "/api/compliance/?year=2024&rule=branch.theme_day.monthly&status=compliant"
    ).json()
    assert only["count"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("year=1800", 400, "年度须为"),
        ("year=abc", 400, "年度须为"),
        ("year=2024&rule=no.such", 400, "不是按频次检查的规则"),
        ("year=2024&status=late", 400, "status"),
        ("year=2024&within=x", 400, "within"),
    ],
)
def test_compliance_api_bad_input(client, tree, make_user, query, status, text):
    client.force_login(make_user("viewer", tree.unit_a))
    resp = client.get(f"/api/compliance/?{query}")
    assert resp.status_code == status and text in resp.content.decode()


@pytest.mark.django_db
def test_compliance_api_scope(client, tree, make_user):
    assert client.get("/api/compliance/").status_code == 401
    client.force_login(make_user("viewer", tree.unit_a))
    assert client.get(f"/api/compliance/?within={tree.unit_b.pk}").status_code == 404
    client.force_login(make_user("audit_admin"))
    assert client.get("/api/compliance/").status_code == 403


def run(*args) -> str:
    out = StringIO()
    call_command("rules", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rules_list_command():
    text = run("list")
    assert "branch.member_assembly.quarterly" in text and "第十一条（已核实）" in text
    rows = json.loads(run("list", "--format", "json"))
    assert {r["id"] for r in rows} == set(get_library().rules)


@pytest.mark.django_db
def test_rules_check_command(tree, tmp_path):
    seed(tree)
    data = json.loads(
        run("check", "--year", "2024", "--format", "json", "--rule", "branch.theme_day.monthly")
    )
    assert data["year"] == 2024 and len(data["results"]) == 24
    assert data["summary"][0]["compliant"] == 3
    within = json.loads(
        run("check", "--year", "2024", "--format", "json", "--within", str(tree.unit_a.pk))
    )
    assert {r["org"] for r in within["results"]} <= {
        tree.branch_a.pk,
        tree.group_a.pk,
        tree.unit_a.pk,
    }
    table = run("check", "--year", "2024", "--details")
    assert "branch.theme_day.monthly" in table and "✗ 甲局第一党支部" in table
    path = tmp_path / "check.xlsx"
    run("check", "--year", "2024", "--format", "xlsx", "--output", str(path))
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["汇总", "明细"]
    assert next(wb["明细"].iter_rows(values_only=True))[0] == "组织编号"


@pytest.mark.django_db
def test_rules_check_command_errors(tree):
    with pytest.raises(CommandError, match="规则库中没有"):
        run("check", "--year", "2024", "--rule", "no.such")
    with pytest.raises(CommandError, match="不是按频次检查"):
        run("check", "--year", "2024", "--rule", "term.renewal.on_time")
    with pytest.raises(CommandError, match="年度"):
        run("check", "--year", "24")
    with pytest.raises(CommandError, match="不存在或不在权限范围内"):
        run("check", "--within", "999999")


@pytest.mark.django_db
def test_compliance_metrics(tree):
    seed(tree)
    metric = registry.get("compliance.branch.theme_day.monthly")
    assert metric.unit == "%"
    assert metric.value(MetricScope(SYSTEM, 2024)) == pytest.approx(round(300 / 24, 1))
    assert metric.value(MetricScope(SYSTEM, 2024, within=tree.branch_b)) == pytest.approx(
        round(100 / 12, 1)
    )
    drill = metric.drilldown(MetricScope(SYSTEM, 2024))
    assert set(drill.values_list("pk", flat=True)) == {tree.branch_a.pk, tree.branch_b.pk}
    # A switched-off local rule has no rate.
    RuleSetting.objects.create(rule_id="branch.party_lecture.quarterly", enabled=False)
    assert (
        registry.get("compliance.branch.party_lecture.quarterly").value(MetricScope(SYSTEM, 2024))
        is None
    )
    assert all(f"compliance.{r.id}" in registry for r in get_library() if r.kind == "frequency")


@pytest.mark.django_db
def test_compliance_metrics_within_an_org_read_the_rollups_and_equal_a_direct_evaluation(
    tree, make_user
):
    from dangjian.rules.evaluator import evaluate
    from dangjian.rules.switches import enabled_rules
    from dangjian.rules.tests.helpers import act

    seed(tree)
    user = make_user("committee_admin", tree.root)
    frequency = [r for r in enabled_rules() if r.kind == "frequency"]  # switched-off: None
    for within in (tree.root, tree.unit_a, tree.branch_b):
        direct = evaluate(user, 2024, within=within, rules=frequency).summaries()
        for rule in frequency:
            got = registry.get(f"compliance.{rule.id}").value(MetricScope(user, 2024, within))
            rate = direct[rule.id].rate if rule.id in direct else None
            assert got == (None if rate is None else round(rate * 100, 1)), (within, rule.id)
    # A recorded meeting shows at once (the roll-up's token moves with the write).
    metric = registry.get("compliance.branch.theme_day.monthly")
    before = metric.value(MetricScope(user, 2024, tree.branch_b))
    act(tree.branch_b, "theme_day", dt.date(2024, 12, 10))
    assert metric.value(MetricScope(user, 2024, tree.branch_b)) > before


@pytest.mark.django_db
def test_compliance_rates_computed_together_share_one_evaluation(tree, make_user, monkeypatch):
    # The user's whole reach (no org): one evaluation of every rule per year inside a
    # `together` block, each rate equal to its own evaluation; nothing kept after the block.
    from dangjian.core.metrics import together
    from dangjian.rules import metrics as rule_metrics
    from dangjian.rules.evaluator import evaluate
    from dangjian.rules.switches import enabled_rules
    from dangjian.rules.tests.helpers import act

    seed(tree)
    user = make_user("unit_admin", tree.unit_a)
    frequency = [r for r in enabled_rules() if r.kind == "frequency"]
    expected = {}
    for rule in frequency:
        summary = evaluate(user, 2024, rules=[rule]).summaries().get(rule.id)
        rate = summary.rate if summary else None
        expected[rule.id] = None if rate is None else round(rate * 100, 1)
    calls = []
    real = rule_metrics.evaluate
    monkeypatch.setattr(rule_metrics, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    with together():
        got = {
            r.id: registry.get(f"compliance.{r.id}").value(MetricScope(user, 2024))
            for r in frequency
        }
    assert got == expected
    assert len(calls) == 1
    metric = registry.get("compliance.branch.theme_day.monthly")
    before = metric.value(MetricScope(user, 2024))
    act(tree.branch_a, "theme_day", dt.date(2024, 12, 10))
    assert metric.value(MetricScope(user, 2024)) > before
    assert len(calls) == 3  # outside a block: evaluated on each call
