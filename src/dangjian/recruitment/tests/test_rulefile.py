"""timerules.yaml is validated at start-up: a broken file names the rule and the field."""

from __future__ import annotations

import copy

import pytest

from dangjian.core import yamlio
from dangjian.recruitment import timerules


@pytest.fixture
def data():
    return yamlio.load_path(timerules.PATH)


def broken(data, *words):
    with pytest.raises(timerules.TimeRuleError) as exc:
        timerules.parse(data)
    for word in words:
        assert word in str(exc.value), str(exc.value)


def _rule(data, rule_id):
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_the_shipped_file_is_valid(data):
    rules = timerules.parse(data)
    assert set(rules) == set(timerules.PARAMS)
    assert rules["recruitment.activist_year"]["min_years"] == 1
    assert sorted(timerules.exceptable_ids()) == [
        "recruitment.activist_year",
        "recruitment.approval",
        "recruitment.conversion",
        "recruitment.review",
        "recruitment.talk",
        "recruitment.training",
    ]


def test_missing_rule(data):
    data["rules"] = [r for r in data["rules"] if r["id"] != "recruitment.talk"]
    broken(data, "recruitment.talk", "缺少")


def test_unknown_rule_and_key(data):
    bad = copy.deepcopy(data)
    bad["rules"].append({**_rule(bad, "recruitment.age"), "id": "recruitment.nope"})
    broken(bad, "recruitment.nope")
    _rule(data, "recruitment.age")["severity"] = "error"
    broken(data, "severity", "未知字段")


@pytest.mark.parametrize("value", [0, 99, "18", True, None])
def test_parameter_out_of_range(data, value):
    _rule(data, "recruitment.age")["params"]["min_age_years"] = value
    broken(data, "recruitment.age", "params.min_age_years")


def test_verified_rule_needs_an_article(data):
    _rule(data, "recruitment.age")["citation"]["article"] = ""
    broken(data, "已核实的规则须写明条款")


def test_article_spelling(data):
    _rule(data, "recruitment.age")["citation"]["article"] = "Art. 5"
    broken(data, "citation.article")


def test_inconsistent_bounds(data):
    _rule(data, "recruitment.approval")["params"]["within_months"] = 7
    broken(data, "within_months 不能大于 max_months")
