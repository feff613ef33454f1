"""Framework files: validation (each bad input names file, item and field), the shipped
library, versioning on sync and import, export."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from dangjian.assessments import frameworks
from dangjian.assessments.frameworks import (
    FrameworkFileError,
    dump_framework,
    framework_yaml,
    import_framework,
    library_files,
    parse_framework,
    sync_library,
)
from dangjian.assessments.models import Framework, ItemKind
from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM

GOOD = textwrap.dedent(
    """\
    version: 1
    code: sample_check
    name: 示例检查
    campaign_types: [sampled_review]
    target_kinds: [branch]
    pass_score: 8
    rating_bands:
      - {label: 好, min_score: 9, requires: [innovation]}
      - {label: 一般, min_score: 0}
    quota_shares:
      - {label: 好, share: 0.25}
      - {label: 一般, share: 0.75}
    items:
      - code: "1"
        text: 三会一课
        kind: section
        max_score: 10
        methods: [check]
        category: 三会一课不规范
        children:
          - code: "1.1"
            text: 支委会每月召开
            kind: score
            max_score: 6
            rule_id: branch.committee_meeting.monthly
          - code: "1.2"
            text: 党员大会每季度召开
            kind: score
            max_score: 4
            methods: [check, ask]
      - code: "2"
        text: 党费按月交纳
        kind: pass_fail
        category: 党费收缴不规范
    """
)


def spec_of(data: dict) -> dict:
    return parse_framework(yaml.safe_dump(data, allow_unicode=True), "test.yaml")


def good() -> dict:
    return yaml.safe_load(GOOD)


def problems(data: dict | str) -> list[tuple[str, str, str]]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    with pytest.raises(FrameworkFileError) as info:
        parse_framework(text, "bad.yaml")
    assert all(m.startswith("考评模板文件 bad.yaml：") for m in info.value.messages)
    return info.value.problems


def assert_problem(data: dict | str, code: str, field: str, fragment: str) -> None:
    found = problems(data)
    assert any(c == code and f == field and fragment in m for c, f, m in found), found


# --- the parser -----------------------------------------------------------------------------


def test_good_file_normalized():
    spec = parse_framework(GOOD, "test.yaml")
    assert spec["code"] == "sample_check"
    assert [i["code"] for i in spec["items"]] == ["1", "1.1", "1.2", "2"]
    first, child, other, last = spec["items"]
    assert first["parent"] is None and child["parent"] == "1" and child["depth"] == 1
    # methods and category are inherited from the section unless the item sets its own
    assert child["methods"] == ["check"] and other["methods"] == ["check", "ask"]
    assert child["category"] == "三会一课不规范" and last["category"] == "党费收缴不规范"
    assert spec["total_score"] == Decimal(10) and spec["pass_score"] == Decimal(8)
    assert spec["rating_bands"][0] == {"label": "好", "min_score": "9", "requires": ["innovation"]}
    assert spec["quota_shares"] == [
        {"label": "好", "share": "0.25"},
        {"label": "一般", "share": "0.75"},
    ]


def test_duplicate_item_codes():
    data = good()
    data["items"][0]["children"][1]["code"] = "1.1"
    assert_problem(data, "1.1", "code", "编号重复")


def test_score_item_without_max_score():
    data = good()
    del data["items"][0]["children"][0]["max_score"]
    assert_problem(data, "1.1", "max_score", "必须填写满分")


def test_max_score_on_pass_fail_item():
    data = good()
    data["items"][1]["max_score"] = 5
    assert_problem(data, "2", "max_score", "只有计分条目")


def test_non_positive_max_score():
    data = good()
    data["items"][0]["children"][0]["max_score"] = 0
    assert_problem(data, "1.1", "max_score", "大于 0")


def test_unknown_kind():
    data = good()
    data["items"][1]["kind"] = "yes_no"
    assert_problem(data, "2", "kind", "未知的评价方式 'yes_no'")


def test_unknown_method():
    data = good()
    data["items"][1]["methods"] = ["check", "smell"]
    assert_problem(data, "2", "methods", "未知的取值 'smell'")


def test_unknown_campaign_type_and_target_kind():
    data = good()
    data["campaign_types"] = ["audit_everything"]
    data["target_kinds"] = ["branch", "village"]
    found = problems(data)
    assert ("（模板）", "campaign_types") in {(c, f) for c, f, _ in found}
    assert any(f == "target_kinds" and "'village'" in m for _c, f, m in found)


def test_unknown_rule_id():
    data = good()
    data["items"][0]["children"][0]["rule_id"] = "branch.no_such_rule"
    assert_problem(data, "1.1", "rule_id", "规则库中没有规则 branch.no_such_rule")


def test_section_subtotal_must_match_children():
    data = good()
    data["items"][0]["max_score"] = 12
    assert_problem(data, "1", "max_score", "与下级计分条目满分合计 10 不一致")


def test_declared_total_must_match():
    data = good()
    data["total_score"] = 100
    assert_problem(data, "（模板）", "total_score", "合计 10 不一致")


def test_rating_bands_out_of_order():
    data = good()
    data["rating_bands"] = [{"label": "一般", "min_score": 0}, {"label": "好", "min_score": 9}]
    assert_problem(data, "（模板）", "rating_bands 第 2 项", "从高到低")


def test_rating_band_above_total_and_unknown_requirement():
    data = good()
    data["rating_bands"] = [{"label": "好", "min_score": 11, "requires": ["luck"]}]
    found = problems(data)
    messages = " ".join(m for _c, _f, m in found)
    assert "超过满分 10" in messages and "requires 只能取" in messages


def test_quota_shares_must_sum_to_one():
    data = good()
    data["quota_shares"][1]["share"] = 0.5
    assert_problem(data, "（模板）", "quota_shares", "之和应为 1（现为 0.75）")


def test_quota_share_label_must_be_a_band():
    data = good()
    data["quota_shares"][1]["label"] = "差"
    assert_problem(data, "（模板）", "quota_shares 第 2 项", "不在 rating_bands 中")


def test_pass_score_above_total():
    data = good()
    data["pass_score"] = 11
    assert_problem(data, "（模板）", "pass_score", "超过满分 10")


def test_section_without_children_and_children_under_a_leaf():
    data = good()
    data["items"].append({"code": "3", "text": "空分类", "kind": "section", "category": "x"})
    data["items"][1]["children"] = [
        {"code": "2.1", "text": "下级", "kind": "pass_fail", "category": "x"}
    ]
    found = {(c, f) for c, f, _m in problems(data)}
    assert ("3", "children") in found and ("2", "children") in found


def test_assessable_item_needs_a_category():
    data = good()
    del data["items"][1]["category"]
    assert_problem(data, "2", "category", "问题类别")


def test_float_item_code_is_refused():
    text = GOOD.replace('code: "1.2"', "code: 1.20")
    assert_problem(text, "1 下第 2 项", "code", "请加引号")


def test_unknown_fields_and_bad_header():
    data = good()
    data["colour"] = "red"
    data["items"][1]["weight"] = 3
    data["code"] = "Bad Code"
    data["version"] = 2
    found = {(c, f) for c, f, _m in problems(data)}
    assert {
        ("（模板）", "colour"),
        ("2", "weight"),
        ("（模板）", "code"),
        ("（模板）", "version"),
    } <= found


def test_missing_name_and_items():
    data = good()
    del data["name"]
    data["items"] = []
    found = {(c, f) for c, f, _m in problems(data)}
    assert ("（模板）", "name") in found and ("（模板）", "items") in found


def test_yaml_syntax_error_and_non_mapping():
    assert problems("code: [unclosed")[0][1] == "（YAML 语法）"
    assert problems("- just\n- a list\n")[0][1] == "（文件）"


def test_all_problems_reported_at_once():
    data = good()
    data["items"][1]["kind"] = "nope"
    data["items"][0]["children"][0]["rule_id"] = "nope.nope"
    data["campaign_types"] = ["nope"]
    assert len(problems(data)) >= 3


# --- the shipped library --------------------------------------------------------------------


def test_shipped_library_is_valid_and_complete():
    specs = {
        s["code"]: s
        for s in (parse_framework(p.read_text(encoding="utf-8"), p.name) for p in library_files())
    }
    assert set(specs) == {
        "basic_system",
        "central_group_study",
        "unannounced_inspection",
        "star_rating",
        "model_organ",
        "responsibility_list",
        "dues_audit",
    }
    for spec in specs.values():
        for item in spec["items"]:
            if item["kind"] != ItemKind.SECTION:
                assert item["category"], (spec["code"], item["code"])
    star = specs["star_rating"]
    assert star["total_score"] == 110
    assert len([i for i in star["items"] if i["depth"] == 0]) == 8
    five = star["rating_bands"][0]
    assert five == {"label": "五星", "min_score": "90", "requires": ["innovation"]}
    assert [q["share"] for q in star["quota_shares"]] == ["0.1", "0.3", "0.4", "0.2"]
    assert all(
        i["kind"] == "pass_fail" for i in specs["unannounced_inspection"]["items"] if i["depth"]
    )
    organ_methods = {m for i in specs["model_organ"]["items"] for m in i["methods"]}
    assert organ_methods == {"listen", "observe", "check", "ask", "evaluate"}
    assert specs["model_organ"]["pass_score"] == 90
    basic_rules = {i["rule_id"] for i in specs["basic_system"]["items"]}
    assert {
        "branch.member_assembly.quarterly",
        "branch.committee_meeting.monthly",
        "branch.theme_day.monthly",
        "branch.life_meeting.yearly",
        "branch.democratic_appraisal.yearly",
        "term.renewal.on_time",
    } <= basic_rules


@pytest.mark.django_db
def test_library_loaded_on_migrate():
    current = Framework.objects.filter(is_current=True, source="package")
    assert current.count() == len(library_files())
    star = current.get(code="star_rating")
    assert star.items.count() == 25 and star.max_total == 110


# --- sync and versions ------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path):
    (tmp_path / "sample.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


@pytest.mark.django_db
def test_sync_is_idempotent(library):
    first = sync_library(library)
    assert [f.version for f in first] == [1]
    fw = first[0]
    assert fw.sha256 == frameworks.text_sha256(GOOD) and fw.source_text == GOOD
    items = {i.code: i for i in fw.items.all()}
    assert items["1.1"].parent_id == items["1"].pk and items["1.1"].depth == 1
    assert items["1.1"].rule_id == "branch.committee_meeting.monthly"
    assert [i.code for i in fw.items.order_by("order")] == ["1", "1.1", "1.2", "2"]
    again = sync_library(library)
    assert [f.pk for f in again] == [fw.pk]
    assert Framework.objects.filter(code="sample_check").count() == 1


@pytest.mark.django_db
def test_changed_file_becomes_new_current_version(library):
    (v1,) = sync_library(library)
    v1_items = list(v1.items.values_list("pk", "text"))
    (library / "sample.yaml").write_text(
        GOOD.replace("支委会每月召开", "支委会每月召开1次"), "utf-8"
    )
    (v2,) = sync_library(library)
    assert v2.version == 2 and v2.is_current
    v1.refresh_from_db()
    assert not v1.is_current
    assert list(v1.items.values_list("pk", "text")) == v1_items  # the old version is untouched
    assert v2.items.get(code="1.1").text == "支委会每月召开1次"
    # reverting the file is a change too: a third version, not a rewrite of the first
    (library / "sample.yaml").write_text(GOOD, "utf-8")
    (v3,) = sync_library(library)
    assert v3.version == 3 and v3.is_current
    assert Framework.objects.filter(code="sample_check", is_current=True).get() == v3


@pytest.mark.django_db
def test_sync_keeps_a_deployments_own_current_version(library):
    sync_library(library)
    mine = import_framework(SYSTEM, GOOD.replace("示例检查", "本地检查"), "mine.yaml")
    assert mine.version == 2 and mine.is_current and mine.source == "uploaded"
    assert sync_library(library)[0].version == 1  # unchanged package file: nothing happens
    (library / "sample.yaml").write_text(GOOD + "# 新注释\n", "utf-8")
    (v3,) = sync_library(library)
    mine.refresh_from_db()
    assert v3.version == 3 and not v3.is_current and mine.is_current


@pytest.mark.django_db
def test_import_framework_audited_and_refuses_same_text(make_user, tree):
    admin = make_user("committee_admin", tree.root)
    fw = import_framework(admin, GOOD, "sample.yaml")
    assert (fw.version, fw.source, fw.is_current) == (1, "uploaded", True)
    event = AuditEvent.objects.get(object_type="assessments.framework", object_id=str(fw.pk))
    assert event.action == "import" and event.actor_id == admin.pk
    assert event.detail["file"] == "sample.yaml"
    with pytest.raises(ValidationError, match="内容相同，未导入"):
        import_framework(admin, GOOD, "again.yaml")


@pytest.mark.django_db
def test_import_framework_bad_file_saves_nothing(make_user, tree):
    admin = make_user("committee_admin", tree.root)
    before = Framework.objects.count()
    with pytest.raises(FrameworkFileError, match="编号重复"):
        import_framework(admin, GOOD.replace('"1.2"', '"1.1"'), "dup.yaml")
    assert Framework.objects.count() == before


@pytest.mark.django_db
def test_import_framework_needs_framework_permission(make_user, tree):
    unit_admin = make_user("unit_admin", tree.unit_a)  # runs campaigns, does not edit templates
    with pytest.raises(PermissionDenied):
        import_framework(unit_admin, GOOD, "sample.yaml")
    assert not Framework.objects.filter(code="sample_check").exists()


@pytest.mark.django_db
def test_export_round_trip(library):
    (fw,) = sync_library(library)
    assert framework_yaml(fw) == GOOD
    regenerated = parse_framework(dump_framework(fw), "dump.yaml")
    assert regenerated == parse_framework(GOOD, "test.yaml")


@pytest.mark.django_db
def test_shipped_frameworks_round_trip_through_dump():
    for fw in Framework.objects.filter(is_current=True, source="package"):
        assert parse_framework(dump_framework(fw), "dump.yaml") == parse_framework(
            fw.source_text, "src.yaml"
        ), fw.code


@pytest.mark.django_db
def test_frameworks_command(tmp_path, capsys):
    call_command("frameworks", "sync")
    assert "新增版本 0 个" in capsys.readouterr().out
    call_command("frameworks", "list")
    assert "五星党支部评定" in capsys.readouterr().out
    out = tmp_path / "star.yaml"
    call_command("frameworks", "export", "star_rating", "--output", str(out))
    assert parse_framework(out.read_text("utf-8"), "star.yaml")["code"] == "star_rating"
    upload = tmp_path / "sample.yaml"
    upload.write_text(GOOD, "utf-8")
    call_command("frameworks", "import", str(upload))
    assert "已导入：sample_check 第 1 版" in capsys.readouterr().out
