"""The rule library: the shipped rules, validation that stops start-up, switches and overrides."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from dangjian.rules import loader
from dangjian.rules.models import RuleSetting
from dangjian.rules.switches import settings_switches, switches

# regulations.md §A, §B, §C, §F: the rules that apply to organs, by the ids it names.
REGULATION_IDS = {
    "branch.member_assembly.quarterly",
    "branch.committee_meeting.monthly",
    "group.group_meeting.monthly",
    "branch.theme_day.monthly",
    "branch.life_meeting.yearly",
    "branch.democratic_appraisal.yearly",
    "branch.heart_talk.yearly",
    "branch.party_lecture.quarterly",
    "branch.term.length",
    "organ.party_committee.term",
    "organ.general_branch.term",
    "organ.branch.term",
    "organ.discipline_committee",
    "term.renewal.on_time",
    "member.inactive.six_months",
}

GOOD_RULE = {
    "id": "test.assembly.quarterly",
    "title": "测试规则",
    "kind": "frequency",
    "applies_to": ["branch"],
    "severity": "error",
    "citation": {"document": "《测试条例》", "article": "第一条", "quote": "", "verified": True},
    "params": {"activity_kinds": ["member_assembly"], "min_count": 1, "period": "quarter"},
}


def write(directory: Path, name: str, *rules: dict) -> Path:
    path = directory / name
    path.write_text(
        yaml.safe_dump({"version": 1, "rules": list(rules)}, allow_unicode=True), encoding="utf-8"
    )
    return path


def broken(**changes) -> dict:
    rule = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GOOD_RULE.items()}
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".", 1)
            if value is None:
                rule[outer].pop(inner)
            else:
                rule[outer][inner] = value
        elif value is None:
            rule.pop(key)
        else:
            rule[key] = value
    return rule


def test_shipped_library_holds_every_regulation_rule():
    library = loader.load_library()
    assert set(library.rules) >= REGULATION_IDS
    assert all(f.startswith("dangjian/rules/library/") for f in library.files)


def test_citations_carry_the_verification_status():
    library = loader.load_library()
    # Article numbers regulations.md does not confirm are left empty, never invented.
    for rule_id in (
        "branch.theme_day.monthly",
        "branch.party_lecture.quarterly",
        "local.leading_group.first_topic",
    ):
        rule = library.get(rule_id)
        assert rule.citation.article == "" and rule.citation.verified is False
    assert library.get("branch.member_assembly.quarterly").citation.article == "第十一条"
    assert library.get("branch.democratic_appraisal.yearly").citation.document.startswith(
        "《中国共产党党员教育管理工作条例》"
    )
    local = {r.id for r in library if r.local}
    assert {
        "branch.party_lecture.quarterly",
        "local.leading_group.first_topic",
        "local.theme_day.fixed_day",
    } <= local


def test_term_rules_reference_the_orgs_term_lengths_instead_of_repeating_them():
    library = loader.load_library()
    rule = library.get("organ.party_committee.term")
    assert rule.params == {"term_lengths": "orgs/library/term_lengths.yaml"}
    assert "党委 5 年" in rule.describe_params()[0]
    assert "years" not in Path(loader.PACKAGE_LIBRARY / "organs.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("rule", "field", "hint"),
    [
        (broken(title=None), "title", "必填"),
        (broken(kind="weekly"), "kind", "未知的规则类型"),
        (broken(**{"params.activity_kinds": ["tea_party"]}), "params.activity_kinds", "tea_party"),
        (broken(**{"citation.article": "第11条"}), "citation.article", "不要编写"),
        (broken(**{"citation.verified": "yes"}), "citation.verified", "true 或 false"),
        (broken(**{"citation.verified": None}), "citation.verified", "必填"),
        (broken(**{"citation.document": ""}), "citation.document", "必填"),
        (broken(applies_to=["village"]), "applies_to", "village"),
        (broken(**{"params.period": "week"}), "params.period", "week"),
        (broken(**{"params.preferred_quarter": 4}), "params.preferred_quarter", "按年"),
        (broken(severity="fatal"), "severity", "fatal"),
        (broken(colour="red"), "colour", "未知字段"),
        (broken(default_enabled=False), "default_enabled", "地方性"),
    ],
)
def test_an_invalid_rule_names_file_rule_and_field(tmp_path, rule, field, hint):
    write(tmp_path, "local_rules.yaml", rule)
    with pytest.raises(ImproperlyConfigured) as info:
        loader.load_library([tmp_path])
    message = str(info.value)
    assert "local_rules.yaml" in message and "test.assembly.quarterly" in message
    assert f"字段 {field} " in message and hint in message


def test_a_duplicate_id_names_both_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD_RULE)
    write(tmp_path, "b.yaml", GOOD_RULE)
    with pytest.raises(
        ImproperlyConfigured, match=r"b\.yaml.*test\.assembly\.quarterly.*字段 id .*a\.yaml"
    ):
        loader.load_library([tmp_path])


def test_a_deployment_rule_may_not_reuse_a_shipped_id(tmp_path):
    write(tmp_path, "ours.yaml", broken(id="branch.member_assembly.quarterly"))
    with (
        override_settings(DANGJIAN_RULES_LIBRARY_DIRS=[str(tmp_path)]),
        pytest.raises(ImproperlyConfigured, match="编号重复"),
    ):
        loader.load_library()


def test_yaml_syntax_errors_name_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("rules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"bad\.yaml.*YAML"):
        loader.load_library([tmp_path])


def test_ready_refuses_to_start_with_a_broken_library(tmp_path):
    write(tmp_path, "broken.yaml", broken(kind="weekly"))
    config = apps.get_app_config("rules")
    try:
        with (
            override_settings(DANGJIAN_RULES_LIBRARY_DIRS=[str(tmp_path)]),
            pytest.raises(ImproperlyConfigured, match=r"broken\.yaml"),
        ):
            config.ready()
    finally:
        loader.reload_library()


@pytest.mark.parametrize("command", [["check"], ["migrate", "--plan"]])
def test_commands_stop_with_the_message(tmp_path, command):
    library = tmp_path / "library"
    library.mkdir()
    write(library, "broken.yaml", broken(**{"params.activity_kinds": ["tea_party"]}))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DANGJIAN_TESTING")}
    env |= {
        "DANGJIAN_DATA_DIR": str(tmp_path / "data"),
        "DANGJIAN_RULES_LIBRARY_DIRS": str(library),
    }
    done = subprocess.run(
        [sys.executable, "-m", "dangjian.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "broken.yaml" in done.stderr and "test.assembly.quarterly" in done.stderr
    assert "params.activity_kinds" in done.stderr


@pytest.mark.parametrize(
    ("name", "ids", "message"),
    [
        ("DANGJIAN_RULES_DISABLED", ["branch.member_assembly.quarterly"], "全国性规定"),
        ("DANGJIAN_RULES_DISABLED", ["no.such.rule"], "不存在"),
        ("DANGJIAN_RULES_ENABLED", ["no.such.rule"], "不存在"),
    ],
)
def test_bad_switch_settings_stop_start_up(name, ids, message):
    with override_settings(**{name: ids}), pytest.raises(ImproperlyConfigured, match=message):
        settings_switches()


def test_a_rule_in_both_lists_is_refused():
    rule = "branch.party_lecture.quarterly"
    with (
        override_settings(DANGJIAN_RULES_DISABLED=[rule], DANGJIAN_RULES_ENABLED=[rule]),
        pytest.raises(ImproperlyConfigured, match="同时"),
    ):
        settings_switches()


def test_switches_from_environment(monkeypatch):
    monkeypatch.setenv(
        "DANGJIAN_RULES_DISABLED", "branch.party_lecture.quarterly, local.leading_group.first_topic"
    )
    monkeypatch.setenv("DANGJIAN_RULES_ENABLED", "local.theme_day.fixed_day")
    assert settings_switches() == {
        "branch.party_lecture.quarterly": False,
        "local.leading_group.first_topic": False,
        "local.theme_day.fixed_day": True,
    }


@pytest.mark.django_db
def test_switch_precedence_settings_then_page_then_default():
    lecture, first_topic, fixed_day = (
        "branch.party_lecture.quarterly",
        "local.leading_group.first_topic",
        "local.theme_day.fixed_day",
    )
    state = switches()
    assert state[lecture].enabled and not state[fixed_day].enabled  # library defaults
    assert state["branch.member_assembly.quarterly"].source == "national"
    RuleSetting.objects.create(rule_id=lecture, enabled=False)
    RuleSetting.objects.create(rule_id=fixed_day, enabled=True)
    state = switches()
    assert not state[lecture].enabled and state[lecture].source == "ui"
    assert state[fixed_day].enabled
    with override_settings(DANGJIAN_RULES_ENABLED=[lecture], DANGJIAN_RULES_DISABLED=[first_topic]):
        state = switches()
    assert state[lecture].enabled and state[lecture].locked and state[lecture].source == "settings"
    assert not state[first_topic].enabled and state[first_topic].locked


def test_parameter_override_for_a_local_rule():
    library = loader.load_library(params={"local.theme_day.fixed_day": {"day_of_month": 10}})
    rule = library.get("local.theme_day.fixed_day")
    assert rule.frequency.day_of_month == 10 and rule.params["day_of_month"] == 10
    assert rule.source.endswith("local.yaml")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"local.theme_day.fixed_day": {"day_of_month": 31}}, "params.day_of_month"),
        ({"branch.member_assembly.quarterly": {"min_count": 2}}, "地方性"),
        ({"no.such.rule": {}}, "没有这条规则"),
    ],
)
def test_bad_parameter_overrides_are_refused(params, message):
    with pytest.raises(ImproperlyConfigured, match="DANGJIAN_RULE_PARAMS") as info:
        loader.load_library(params=params)
    assert message in str(info.value)


def test_library_dirs_must_exist(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="不存在"):
        loader.load_library([tmp_path / "missing"])


def test_a_good_deployment_file_adds_its_rules(tmp_path):
    write(tmp_path, "ours.yaml", GOOD_RULE)
    (tmp_path / "notes.txt").write_text(textwrap.dedent("not a rule file"), encoding="utf-8")
    library = loader.load_library([loader.PACKAGE_LIBRARY, tmp_path])
    assert "test.assembly.quarterly" in library and "branch.member_assembly.quarterly" in library
