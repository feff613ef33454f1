"""evaluation.excellent_cases and evaluation.provincial_case_awards against a naive count,
scoped to the user and the year, with their drill-downs."""

from __future__ import annotations

import pytest

from dangjian.cases.models import AwardLevel, Rating
from dangjian.core.metrics import MetricScope, registry

from .factories import make_award, make_brand, make_case, make_rating

pytestmark = pytest.mark.django_db


def _world(tree):
    cases = {
        "a_ex": make_rating(make_case(tree.branch_a), Rating.EXCELLENT).case,
        "a_ex2": make_rating(make_case(tree.unit_a), Rating.EXCELLENT).case,
        "a_sel": make_rating(make_case(tree.branch_a), Rating.SELECTED).case,
        "b_ex": make_rating(make_case(tree.branch_b), Rating.EXCELLENT).case,
        "a_ex23": make_rating(make_case(tree.branch_a, year=2023), Rating.EXCELLENT).case,
        "draft": make_case(tree.branch_a, submitted=False),
    }
    make_award(cases["a_ex"], AwardLevel.PROVINCIAL_COMMITTEE, award="二等奖案例")
    make_award(cases["a_ex"], AwardLevel.PROVINCIAL, award="优秀案例")  # one case, counted once
    make_award(cases["b_ex"], AwardLevel.PROVINCIAL_COMMITTEE)
    make_award(cases["a_sel"], AwardLevel.CITY_COMMITTEE)  # not provincial
    make_award(cases["a_ex23"], AwardLevel.PROVINCIAL, year=2023)  # another year
    return cases


def _value(metric_id, user, year=2024, within=None):
    scope = MetricScope(user=user, year=year, within=within)
    metric = registry.get(metric_id)
    return metric.value(scope), set(metric.drilldown(scope).values_list("pk", flat=True))


def test_excellent_cases(tree, make_user):
    cases = _world(tree)
    gongwei = make_user("committee_admin", tree.root)
    value, rows = _value("evaluation.excellent_cases", gongwei)
    naive = {
        c.pk
        for c in cases.values()
        if c.year == 2024
        and getattr(getattr(c, "rating", None), "rating", None) == Rating.EXCELLENT
    }
    assert value == len(naive) == 3 and rows == naive
    unit = make_user("unit_admin", tree.unit_a)
    assert _value("evaluation.excellent_cases", unit)[0] == 2
    assert _value("evaluation.excellent_cases", gongwei, within=tree.unit_b)[0] == 1
    assert _value("evaluation.excellent_cases", gongwei, year=2023)[0] == 1


def test_provincial_case_awards(tree, make_user):
    cases = _world(tree)
    gongwei = make_user("committee_admin", tree.root)
    value, rows = _value("evaluation.provincial_case_awards", gongwei)
    assert value == 2 and rows == {cases["a_ex"].pk, cases["b_ex"].pk}
    assert _value("evaluation.provincial_case_awards", make_user("unit_admin", tree.unit_b))[0] == 1
    assert _value("evaluation.provincial_case_awards", gongwei, year=2023)[0] == 1


def test_submitted_and_brands(tree, make_user):
    _world(tree)
    make_brand(tree.branch_a)  # and its unit brand
    gongwei = make_user("committee_admin", tree.root)
    assert _value("cases.submitted", gongwei)[0] == 4  # 2024, not the draft
    assert _value("cases.brands", gongwei)[0] == 2
    assert _value("cases.unit_brands", gongwei)[0] == 1
    assert _value("cases.brands", gongwei, year=2019)[0] == 0  # established 2020
