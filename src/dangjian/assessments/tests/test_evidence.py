"""自动取证: the rules evaluator's compliance beside rule-linked items, on a hand-built calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assessments import evidence
from dangjian.assessments.models import ItemKind
from dangjian.rules.tests.helpers import act, exempt

from .factories import make_assessment, make_campaign, make_framework

THEME_DAY = "branch.theme_day.monthly"
ASSEMBLY = "branch.member_assembly.quarterly"


def framework(extra: int = 0):
    items = [
        {"code": "1", "kind": ItemKind.SCORE, "max_score": 10, "rule_id": THEME_DAY},
        {"code": "2", "kind": ItemKind.PASS_FAIL, "rule_id": THEME_DAY},
        {"code": "3", "kind": ItemKind.GRADED, "rule_id": ASSEMBLY},
        {"code": "4", "kind": ItemKind.SCORE, "max_score": 5},  # no rule: no suggestion
    ]
    items += [
        {"code": f"9.{i}", "kind": ItemKind.SCORE, "max_score": 3, "rule_id": ASSEMBLY}
        for i in range(extra)
    ]
    return make_framework(items)


@pytest.fixture
def calendar(tree):
    """甲局第一党支部 in 2024: 主题党日 in 11 months (not in August), 党员大会 in Q1–Q3."""
    for month in range(1, 13):
        if month != 8:
            act(tree.branch_a, "theme_day", dt.date(2024, month, 15))
    for month in (2, 5, 9):
        act(tree.branch_a, "member_assembly", dt.date(2024, month, 20))
    act(tree.branch_a, "theme_day", dt.date(2023, 8, 15))  # outside the period
    return tree


def by_code(assessment, result):
    codes = dict(assessment.campaign.framework.items.values_list("pk", "code"))
    return {codes[k]: v for k, v in result.items()}


def test_eleven_of_twelve_months(calendar):
    tree = calendar
    a = make_assessment(make_campaign(framework(), tree.root), tree.branch_a)
    s = by_code(a, evidence.suggestions(a))
    assert set(s) == {"1", "2", "3"}
    assert s["1"].text == "主题党日：12 个月中 11 个月达标"
    assert (s["1"].compliant, s["1"].total) == (11, 12)
    assert s["1"].result == "partial"
    assert s["1"].score == Decimal("9.0")  # 10 × 11/12 = 9.17 → 9.0
    assert s["2"].result == "nonconforming"  # pass/fail has no 部分符合
    assert s["2"].score is None
    assert s["3"].text == "支部党员大会：4 个季度中 3 个季度达标"
    assert s["3"].result == "partial"
    assert "支部工作条例" in s["1"].citation


def test_exempt_months_are_left_out(calendar):
    tree = calendar
    exempt(tree.branch_a, THEME_DAY, dt.date(2024, 8, 1), dt.date(2024, 8, 31))
    a = make_assessment(make_campaign(framework(), tree.root), tree.branch_a)
    s = by_code(a, evidence.suggestions(a))
    assert (s["1"].compliant, s["1"].total, s["1"].exempt) == (11, 11, 1)
    assert s["1"].result == "conforming" and s["1"].score == Decimal("10.0")
    assert s["1"].text == "主题党日：11 个月中 11 个月达标（另有 1 个月豁免）"


def test_only_periods_ending_in_the_campaign_period_count(calendar):
    tree = calendar
    campaign = make_campaign(
        framework(), tree.root, period_start=dt.date(2024, 7, 1), period_end=dt.date(2024, 9, 30)
    )
    a = make_assessment(campaign, tree.branch_a)
    s = by_code(a, evidence.suggestions(a))
    assert (s["1"].compliant, s["1"].total) == (2, 3)
    assert (s["3"].compliant, s["3"].total) == (1, 1)  # Q3 only


def test_few_compliant_months_suggest_nonconforming(tree):
    for month in (1, 2, 3, 4, 5):
        act(tree.branch_a, "theme_day", dt.date(2024, month, 10))
    a = make_assessment(make_campaign(framework(), tree.root), tree.branch_a)
    s = by_code(a, evidence.suggestions(a))
    assert s["1"].result == "nonconforming" and s["1"].score == Decimal("4.0")  # 4.17


def test_a_unit_target_sums_its_branches(calendar):
    tree = calendar
    for month in range(1, 13):
        act(tree.branch_b, "theme_day", dt.date(2024, month, 3))
    a = make_assessment(make_campaign(framework(), tree.root), tree.unit_a)
    s = by_code(a, evidence.suggestions(a))
    assert (s["1"].compliant, s["1"].total, s["1"].orgs) == (11, 12, 1)  # unit_b not in it


def test_one_evaluation_whatever_the_number_of_items(calendar):
    tree = calendar
    small = make_assessment(make_campaign(framework(), tree.root), tree.branch_a)
    large = make_assessment(make_campaign(framework(extra=20), tree.root), tree.branch_a)
    evidence.suggestions(small)  # warm the rule library cache
    with CaptureQueriesContext(connection) as q_small:
        evidence.suggestions(small)
    with CaptureQueriesContext(connection) as q_large:
        s = evidence.suggestions(large)
    assert len(s) == 23
    assert len(q_small) == len(q_large) <= 6


def test_no_rule_linked_items_no_queries_beyond_the_items(tree):
    a = make_assessment(make_campaign(make_framework([{"code": "1"}]), tree.root), tree.branch_a)
    assert evidence.suggestions(a) == {}
