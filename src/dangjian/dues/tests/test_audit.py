"""党费审查 auto-evidence from the ledger, on the hand-computed 2024 calendar of conftest.py.

甲局第一党支部, bases 4,000 元 (1 % → 40 元 a month):
- 张三 pays Q1 on 03-20, Q2 on 07-02 (late: after its quarter, a 补交), Q3 on 09-10, Q4 on 12-10;
- 李四 pays each quarter within it (03-20, 06-15, 09-10, 12-10);
- 王五 has no 2024 base (his 2023 one carries), pays 01–06 on 06-20 (Q1 late, a 补交), 07–08
  on 08-20, then nothing: 09, 10, 11 unpaid at 2024-12-31 (3 months in a row).
Hand-overs from the branch: Q1 remitted and confirmed, Q2 remitted not confirmed, Q3 none;
Q4's payments are not judged on 12-31 (a quarter is handed over after it ends).
"""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.assessments import evidence, frameworks
from dangjian.assessments.models import ItemKind
from dangjian.assessments.tests.factories import make_assessment, make_campaign, make_framework
from dangjian.dues import audit

M = lambda y, m: dt.date(y, m, 1)  # noqa: E731
D = dt.date
YEAR = (D(2024, 1, 1), D(2024, 12, 31))
LATER = D(2025, 3, 1)  # today, after the period


def test_monthly_counts_members_all_of_whose_quarters_were_paid_within_them(calendar_2024):
    tree, _ = calendar_2024
    found = audit.monthly(tree.branch_a, *YEAR, LATER)
    assert (found.compliant, found.total) == (1, 3)
    assert found.text == (
        "按月（经支部同意可按季度）交纳：3 名党员中 1 名全部按时交纳（33.3%），2 名有未按时交纳的月份"
    )
    # 王五 (3 Q1 months late and 09–11 unpaid) before 张三 (3 Q2 months late, by name then).
    assert [name for name, _ in found.links] == ["王五", "张三"]


def test_a_quarter_still_running_is_not_late_yet(calendar_2024):
    tree, _ = calendar_2024
    # As of 2024-08-31: Q3 (07–09) has not ended; 张三's Q2 was paid on 07-02, after Q2.
    found = audit.monthly(tree.branch_a, D(2024, 1, 1), D(2024, 8, 31), LATER)
    assert (found.compliant, found.total) == (1, 3)
    assert [name for name, _ in found.links] == ["张三", "王五"]  # 3 late months each


def test_bases_reviewed_per_member_and_year(calendar_2024):
    tree, _ = calendar_2024
    found = audit.bases(tree.branch_a, *YEAR, LATER)
    assert (found.compliant, found.total) == (2, 3)
    assert found.text == "年度基数已核定（2024年）：66.7%（3 名党员中 2 名）"
    assert [name for name, _ in found.links] == ["王五"]


def test_arrears_of_three_months_and_the_periods_back_payments(calendar_2024):
    tree, _ = calendar_2024
    found = audit.arrears(tree.branch_a, *YEAR, LATER)
    assert (found.compliant, found.total) == (2, 3)
    assert found.text == (
        "欠交 3 个月以上：1 人（截至 2024-12-31），最长连续 3 个月；检查期间补交 2 笔"
    )
    assert [name for name, _ in found.links] == ["王五"]


def test_arrears_read_the_ledger_as_it_stood_at_the_periods_end(calendar_2024):
    tree, _ = calendar_2024
    # On 2024-06-30 张三's April and May were unpaid (paid on 07-02): 2 months, not 3.
    found = audit.arrears(tree.branch_a, D(2024, 1, 1), D(2024, 6, 30), LATER)
    assert found.text.startswith("欠交 3 个月以上：0 人（截至 2024-06-30）")
    # While the period runs, as of today.
    found = audit.arrears(tree.branch_a, D(2024, 1, 1), D(2025, 12, 31), D(2024, 12, 15))
    assert "截至 2024-12-15" in found.text and "1 人" in found.text


def test_remittance_confirmed_per_org_quarter(calendar_2024):
    tree, _ = calendar_2024
    found = audit.remittance(tree.branch_a, *YEAR, LATER)
    assert (found.compliant, found.total) == (1, 3)
    assert found.text == "上缴：3 个组织季度中 1 个已上缴并经接收确认（33.3%）"
    assert [name for name, _ in found.links] == [
        "甲局第一党支部（2024年第2季度）",
        "甲局第一党支部（2024年第3季度）",
    ]


def test_each_subtree_its_own_members(calendar_2024):
    tree, _ = calendar_2024
    found = audit.monthly(tree.branch_b, *YEAR, LATER)
    assert (found.compliant, found.total) == (0, 1)
    assert [name for name, _ in found.links] == ["赵六"]
    assert (
        audit.monthly(tree.unit_a, *YEAR, LATER).total,
        audit.monthly(tree.root, *YEAR, LATER).total,
    ) == (3, 4)


def test_framework_items_naming_a_source_get_the_figure_on_the_assessment(calendar_2024):
    tree, _ = calendar_2024
    fw = make_framework(
        [
            {"code": "1", "kind": ItemKind.PASS_FAIL, "evidence_source": "dues.monthly"},
            {"code": "2", "kind": ItemKind.SCORE, "max_score": 10, "evidence_source": "dues.bases"},
            {"code": "3", "kind": ItemKind.GRADED, "evidence_source": "dues.arrears"},
            {"code": "4", "kind": ItemKind.GRADED},  # no source: no suggestion
        ]
    )
    a = make_assessment(
        make_campaign(fw, tree.root, period_start=YEAR[0], period_end=YEAR[1]), tree.branch_a
    )
    codes = dict(fw.items.values_list("pk", "code"))
    s = {codes[k]: v for k, v in evidence.suggestions(a).items()}
    assert set(s) == {"1", "2", "3"}
    assert s["1"].result == "nonconforming"  # pass/fail: not every member on time
    assert str(s["2"].score) == "6.5"  # 10 × 2/3 rounded to a half
    assert s["2"].text.startswith("年度基数已核定（2024年）：66.7%")
    assert s["3"].result == "partial"  # graded: 2 of 3


def test_the_shipped_dues_framework_names_its_sources_and_an_unknown_one_is_refused():
    text = (frameworks.PACKAGE_LIBRARY / "dues_audit.yaml").read_text(encoding="utf-8")
    spec = frameworks.parse_framework(text, "dues_audit.yaml")
    named = {i["code"]: i["evidence_source"] for i in spec["items"] if i["evidence_source"]}
    assert named == {
        "1.3": "dues.bases",
        "2.1": "dues.monthly",
        "2.3": "dues.arrears",
        "2.4": "dues.remittance",
    }
    with pytest.raises(frameworks.FrameworkFileError) as exc:
        frameworks.parse_framework(text.replace("dues.monthly", "dues.nothing"), "x.yaml")
    assert any(
        code == "2.1" and "没有台账取证来源 dues.nothing" in message
        for code, _field, message in exc.value.problems
    )
