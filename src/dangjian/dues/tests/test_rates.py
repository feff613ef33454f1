"""Rate tables: the 2008 national table at and just past every boundary, validation of
broken tables (named table and bracket), versions by date and local overrides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian.dues import rates
from dangjian.dues.rates import DuesTableError, NoTable, amount

MAY = dt.date(2024, 5, 1)
DOC = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"


@pytest.fixture(autouse=True)
def _package_tables():
    rates.reload_tables()
    yield
    rates.reload_tables()


# (base, expected amount, bracket) — at each boundary and one cent past it.
IN_SERVICE = [
    (D("0"), D("0.00"), "3000元以下（含）按0.5%"),
    (D("0.01"), D("0.00"), "3000元以下（含）按0.5%"),
    (D("1"), D("0.01"), "3000元以下（含）按0.5%"),  # 0.005 rounds half-up
    (D("2999.99"), D("15.00"), "3000元以下（含）按0.5%"),
    (D("3000"), D("15.00"), "3000元以下（含）按0.5%"),
    (D("3000.01"), D("30.00"), "3000元以上至5000元（含）按1%"),
    (D("5000"), D("50.00"), "3000元以上至5000元（含）按1%"),
    (D("5000.01"), D("75.00"), "5000元以上至10000元（含）按1.5%"),
    (D("10000"), D("150.00"), "5000元以上至10000元（含）按1.5%"),
    (D("10000.01"), D("200.00"), "10000元以上按2%"),
    (D("25000"), D("500.00"), "10000元以上按2%"),
]


@pytest.mark.parametrize("category", ["in_service", "annual_salary"])
@pytest.mark.parametrize(("base", "expected", "bracket"), IN_SERVICE)
def test_in_service_and_annual_salary_brackets(category, base, expected, bracket):
    result = amount(category, base, MAY)
    assert (result.amount, result.bracket, result.table_id) == (expected, bracket, "national.2008")
    article = "第二条" if category == "in_service" else "第三条"
    assert result.citation.startswith(DOC + article)
    assert result.citation.endswith("（已核实）")


@pytest.mark.parametrize(
    ("base", "expected", "bracket"),
    [
        (D("0"), D("0.00"), "5000元以下（含）按0.5%"),
        (D("4999.99"), D("25.00"), "5000元以下（含）按0.5%"),
        (D("5000"), D("25.00"), "5000元以下（含）按0.5%"),
        (D("5000.01"), D("50.00"), "5000元以上按1%"),
        (D("8000"), D("80.00"), "5000元以上按1%"),
    ],
)
def test_retired_brackets(base, expected, bracket):
    result = amount("retired", base, MAY)
    assert (result.amount, result.bracket) == (expected, bracket)
    assert "第五条" in result.citation


def test_rounding_is_half_up_to_the_cent():
    # 3001 × 1% = 30.01; 3000.50 × 1%: not in bracket 1 → 30.005 → 30.01 (half-up, not even)
    assert amount("in_service", D("3000.50"), MAY).amount == D("30.01")
    assert amount("in_service", D("2999"), MAY).amount == D("15.00")  # 14.995 → 15.00
    assert amount("retired", D("4999"), MAY).amount == D("25.00")  # 24.995 → 25.00
    assert amount("in_service", D("5001"), MAY).amount == D("75.02")  # 75.015 → 75.02


@pytest.mark.parametrize("category", ["student", "unemployed", "relief"])
def test_fixed_categories_pay_twenty_cents_whatever_the_base(category):
    for base in (None, D("0"), D("99999")):
        result = amount(category, base, MAY)
        assert (result.amount, result.bracket) == (D("0.2"), "定额每月0.2元")
        assert "第六条" in result.citation


def test_farmer_amount_within_the_range_at_both_ends():
    assert amount("farmer", None, MAY, fixed=D("0.2")).amount == D("0.20")
    assert amount("farmer", None, MAY, fixed=D("1")).amount == D("1.00")
    assert amount("farmer", None, MAY, fixed=D("0.5")).bracket == "定额每月0.2至1元"
    for bad in (D("0.19"), D("1.01"), None):
        with pytest.raises(ValueError, match=r"0\.2 至 1 元之间"):
            amount("farmer", None, MAY, fixed=bad)


def test_negative_or_missing_base_refused():
    for bad in (D("-0.01"), None):
        with pytest.raises(ValueError, match="不小于 0"):
            amount("in_service", bad, MAY)


def test_no_table_before_2008_04():
    assert amount("in_service", D("3000"), dt.date(2008, 4, 1)).amount == D("15.00")
    with pytest.raises(NoTable, match="2008年03月"):
        amount("in_service", D("3000"), dt.date(2008, 3, 1))


# --- validation of broken tables ------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "tables"
    folder.mkdir(exist_ok=True)
    (folder / "local.yaml").write_text(text, encoding="utf-8")
    return folder


def _local(brackets: str, *, orgs: str = "[A01]", effective: str = "2025-01-01") -> str:
    return f"""version: 1
tables:
  - id: local.test
    title: 某市离退休党员标准
    effective_from: {effective}
    orgs: {orgs}
    citation: {{document: 《某市党费管理办法》, verified: false}}
    categories:
      retired:
        article: 第三条
        summary: 按养老金总额的百分比
        brackets:
{brackets}
"""


def _load(tmp_path, text):
    return rates.load_tables([rates.PACKAGE_LIBRARY, _write(tmp_path, text)])


def test_a_gap_between_brackets_is_refused_naming_table_and_bracket(tmp_path):
    text = _local("          - {upto: 3000, percent: 0.5}\n          - {above: 3500, percent: 1}")
    with pytest.raises(DuesTableError) as exc:
        _load(tmp_path, text)
    message = str(exc.value)
    assert "某市离退休党员标准" in message and "“离退休（按离退休费）”" in message
    assert "第2档（3500–以上 元）" in message
    assert "与上一档之间有空缺：3000 至 3500 元未覆盖" in message


def test_overlapping_brackets_are_refused(tmp_path):
    text = _local("          - {upto: 3000, percent: 0.5}\n          - {above: 2500, percent: 1}")
    with pytest.raises(DuesTableError, match=r"第2档.*与上一档重叠：2500 至 3000 元同属两档"):
        _load(tmp_path, text)


def test_first_bracket_from_zero_and_last_without_limit(tmp_path):
    with pytest.raises(DuesTableError, match=r"第1档.*第一档须从 0 元起"):
        _load(tmp_path, _local("          - {above: 100, percent: 1}"))
    with pytest.raises(DuesTableError, match=r"第1档.*最后一档须没有上限：3000 元以上未覆盖"):
        _load(tmp_path, _local("          - {upto: 3000, percent: 1}"))


def test_rates_out_of_range_and_bad_numbers_refused(tmp_path):
    with pytest.raises(DuesTableError, match="费率 0% 须大于 0"):
        _load(tmp_path, _local("          - {percent: 0}"))
    with pytest.raises(DuesTableError, match="percent 须为数字"):
        _load(tmp_path, _local("          - {percent: abc}"))


def test_a_national_table_must_define_every_category(tmp_path):
    text = _local("          - {percent: 1}", orgs="[]", effective="2030-01-01")
    with pytest.raises(DuesTableError, match="全国标准须定义全部交纳类别，缺少：在职"):
        _load(tmp_path, text)


def test_two_versions_same_scope_same_date_refused(tmp_path):
    text = _local("          - {percent: 1}", orgs="[]", effective="2008-04-01")
    text = text.replace("orgs: []\n", "")
    with pytest.raises(DuesTableError):  # first: a national table lacks categories
        _load(tmp_path, text)
    folder = _write(tmp_path, _local("          - {percent: 1}"))
    (folder / "again.yaml").write_text(
        _local("          - {percent: 2}").replace("local.test", "local.test2"), encoding="utf-8"
    )
    with pytest.raises(DuesTableError, match="生效日期相同"):
        rates.load_tables([rates.PACKAGE_LIBRARY, folder])


def test_bad_yaml_refused_through_the_safe_loader(tmp_path):
    folder = _write(tmp_path, "version: 1\ntables: [\n")
    with pytest.raises(DuesTableError, match=r"local\.yaml"):
        rates.load_tables([folder])
    with pytest.raises(ImproperlyConfigured, match="没有全国标准"):
        rates.load_tables([_write(tmp_path, _local("          - {percent: 1}"))])


# --- versions and local overrides ------------------------------------------------------


@pytest.mark.django_db
def test_local_version_applies_from_its_date_to_its_orgs_only(tmp_path):
    from dangjian.orgs.models import Organization, OrgKind

    root = Organization.add_root(name="工委", kind=OrgKind.COMMITTEE, code="A00")
    local_unit = root.add_child(name="甲局机关党委", kind=OrgKind.UNIT_PARTY, code="A01")
    branch = local_unit.add_child(name="甲局第一党支部", kind=OrgKind.BRANCH)
    other = root.add_child(name="乙局机关党委", kind=OrgKind.UNIT_PARTY, code="B01")
    rates.reload_tables(
        [rates.PACKAGE_LIBRARY, _write(tmp_path, _local("          - {percent: 3}"))]
    )
    jan, dec = dt.date(2025, 1, 1), dt.date(2024, 12, 1)
    # In force from 2025-01 for the unit's subtree, retirees only.
    local = amount("retired", D("1000"), jan, org_path=branch.path)
    assert (local.amount, local.table_id, local.bracket) == (D("30.00"), "local.test", "按3%")
    assert "《某市党费管理办法》第三条" in local.citation and local.citation.endswith("（未核实）")
    assert amount("retired", D("1000"), dec, org_path=branch.path).table_id == "national.2008"
    assert amount("retired", D("1000"), jan, org_path=other.path).table_id == "national.2008"
    assert amount("retired", D("1000"), jan).table_id == "national.2008"
    # Categories the local version does not define fall back to the national one.
    assert amount("in_service", D("1000"), jan, org_path=branch.path).table_id == "national.2008"


@pytest.mark.django_db
def test_the_shipped_local_example_is_valid_and_applies_to_its_orgs(tmp_path):
    """docs/examples/dues-local-table.yaml: what a deployment copies, loaded as one would."""
    from dangjian.orgs.models import Organization, OrgKind

    example = Path(__file__).resolve().parents[4] / "docs/examples/dues-local-table.yaml"
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    root = Organization.add_root(name="工委", kind=OrgKind.COMMITTEE, code="A00")
    unit = root.add_child(name="示例局机关党委", kind=OrgKind.UNIT_PARTY, code="EXAMPLE")
    rates.reload_tables([rates.PACKAGE_LIBRARY, folder])
    jan = dt.date(2025, 1, 1)
    assert amount("farmer", None, jan, org_path=unit.path).amount == D("0.50")
    retired = amount("retired", D("4500"), jan, org_path=unit.path)
    assert (retired.amount, retired.table_id) == (D("45.00"), "local.example.2025")
    assert amount("retired", D("4500"), jan, org_path=root.path).table_id == "national.2008"
