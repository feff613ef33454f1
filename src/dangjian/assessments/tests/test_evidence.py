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


# --- 按期换届: the term records -------------------------------------------------------------

RENEWAL = "term.renewal.on_time"


def renewal_framework():
    return make_framework(
        [{"code": "5.1", "kind": ItemKind.GRADED, "rule_id": RENEWAL, "text": "任期届满按期换届"}]
    )


@pytest.fixture
def terms(tree):
    """甲局第一党支部: elected 2021-01-10, due 2024-01-10 (3 years), never renewed;
    乙局第一党支部: elected 2023-03-01, due 2026-03-01."""
    from dangjian.orgs.models import Term

    Term.objects.create(org=tree.branch_a, number=3, started_on=dt.date(2021, 1, 10))
    Term.objects.create(org=tree.branch_b, number=5, started_on=dt.date(2023, 3, 1))
    return tree


def renewal(assessment):
    (suggestion,) = evidence.suggestions(assessment).values()
    return suggestion


def test_an_overdue_term_is_shown_with_its_dates_and_a_link(terms):
    """The 按期换届 item said "无系统记录" although the platform keeps every term."""
    from django.urls import reverse

    campaign = make_campaign(renewal_framework(), terms.root)  # 2024
    s = renewal(make_assessment(campaign, terms.branch_a))
    assert s.text == (
        "换届：第3届，2021-01-10 选举，应于 2024-01-10 换届，已逾期 356 天（截至 2024-12-31）"
    )
    assert s.result == "nonconforming"
    assert s.links == [
        ("甲局第一党支部", reverse("orgs:organization_detail", args=[terms.branch_a.pk]))
    ]
    assert "选举工作条例" in s.citation


def test_a_term_not_yet_due_conforms(terms):
    campaign = make_campaign(renewal_framework(), terms.root)
    s = renewal(make_assessment(campaign, terms.branch_b))
    assert s.text == "换届：第5届，2023-03-01 选举，应于 2026-03-01 换届，未到期（截至 2024-12-31）"
    assert s.result == "conforming"


def test_the_day_judged_is_the_campaign_end(terms):
    """Checked for the first half of 2023, 甲局第一党支部 was not yet due."""
    campaign = make_campaign(
        renewal_framework(),
        terms.root,
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 6, 30),
    )
    s = renewal(make_assessment(campaign, terms.branch_a))
    assert s.result == "conforming" and "（截至 2023-06-30）" in s.text


def test_no_term_recorded_and_orgs_without_terms(terms):
    from dangjian.orgs.models import OrgKind

    campaign = make_campaign(renewal_framework(), terms.root)
    terms.unit_b.refresh_from_db()
    new = terms.unit_b.add_child(kind=OrgKind.BRANCH, name="乙局第二党支部")
    s = renewal(make_assessment(campaign, new))
    assert s.text == "换届：尚未录入届次信息，请核实后在组织页登记" and s.result == ""
    group = renewal(make_assessment(campaign, terms.group_a))  # 党小组: no term
    assert group.text == "换届：党小组不实行任期制" and group.result == "not_applicable"


def test_a_unit_target_lists_its_overdue_orgs(terms):
    campaign = make_campaign(renewal_framework(), terms.root)
    s = renewal(make_assessment(campaign, terms.unit_a))  # 甲局机关党委 (no term) + 第一党支部
    assert s.text == "换届：2 个组织中 1 个逾期未换届（甲局第一党支部），1 个无届次信息"
    assert s.result == "nonconforming"  # 0 of 1 judged on time
    assert [name for name, _url in s.links] == ["甲局第一党支部", "甲局机关党委"]


def test_the_assessment_page_shows_the_term_instead_of_no_record(client, terms, make_user):
    from django.urls import reverse

    campaign = make_campaign(renewal_framework(), terms.root)
    a = make_assessment(campaign, terms.branch_a)
    client.force_login(make_user("committee_admin", terms.root))
    html = client.get(a.get_absolute_url()).content.decode()
    assert "无系统记录" not in html and "已逾期 356 天" in html
    assert f'href="{reverse("orgs:organization_detail", args=[terms.branch_a.pk])}"' in html
