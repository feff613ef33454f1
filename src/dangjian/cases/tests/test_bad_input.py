"""Refused writes: a clear Chinese message, and nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.cases import services
from dangjian.cases.imports import BrandImporter, CaseImporter
from dangjian.cases.models import Brand, Case, CaseAward, CaseRating, Rating
from dangjian.core.excel import writer

from .factories import make_brand, make_case, make_rating

pytestmark = pytest.mark.django_db


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_a_unit_cannot_rate(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    case = make_case(tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.rate_case(unit, case, rating=Rating.EXCELLENT, rated_on=dt.date(2024, 12, 20))
    assert "只有工委可以评定案例" in _messages(exc.value)
    assert not CaseRating.objects.exists()


def test_a_unit_cannot_change_the_rating_on_the_page(client, tree, make_user):
    rating = make_rating(make_case(tree.branch_a), Rating.SELECTED, by=tree.root)
    client.force_login(make_user("unit_admin", tree.unit_a))
    url = reverse("cases:case_rate", args=[rating.case_id])
    resp = client.post(url, {"rating": "excellent", "rated_on": "2024-12-20"})
    assert resp.status_code == 403
    assert "只有工委可以评定案例" in resp.content.decode()
    rating.refresh_from_db()
    assert rating.rating == Rating.SELECTED


def test_a_draft_is_not_rated(tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    case = make_case(tree.branch_a, submitted=False)
    with pytest.raises(ValidationError) as exc:
        services.rate_case(gongwei, case, rating=Rating.EXCELLENT, rated_on=dt.date(2024, 12, 20))
    assert "单位提交后才能评定" in _messages(exc.value)
    assert not CaseRating.objects.exists()


def test_rating_date_before_the_case_year(tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    case = make_case(tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.rate_case(gongwei, case, rating=Rating.EXCELLENT, rated_on=dt.date(2023, 12, 1))
    assert "不能早于案例年度（2024年）" in _messages(exc.value)
    assert not CaseRating.objects.exists()


def test_award_on_another_units_case(tree, make_user):
    unit_a = make_user("unit_admin", tree.unit_a)
    theirs = make_case(tree.branch_b)
    with pytest.raises(ValidationError) as exc:
        services.save_award(unit_a, theirs, level="provincial", award="优秀案例", year=2024)
    assert services.NOT_YOURS in _messages(exc.value)
    assert not CaseAward.objects.exists()


def test_award_on_another_units_case_through_the_api(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    theirs = make_case(tree.branch_b)
    payload = {"case": theirs.pk, "level": "provincial", "award": "优秀案例", "year": 2024}
    resp = client.post("/api/case-awards/", payload, content_type="application/json")
    assert resp.status_code == 400
    assert not CaseAward.objects.exists()


@pytest.mark.parametrize("year", [1999, 2200])
def test_year_out_of_range(tree, make_user, year):
    unit = make_user("unit_admin", tree.unit_a)
    fields = {
        "org": tree.branch_a,
        "year": year,
        "case_type": "innovation",
        "title": "“流动党课”",
        "summary": "送学上门。",
    }
    with pytest.raises(ValidationError) as exc:
        services.save_case(unit, None, **fields)
    assert "年度应为 2000 至" in _messages(exc.value)
    assert not Case.objects.exists()


@pytest.mark.parametrize("year", ["1999", "99999999999999999999", "二〇二四"])
def test_year_out_of_range_in_the_api_is_400(client, tree, make_user, year):
    client.force_login(make_user("unit_admin", tree.unit_a))
    payload = {"org": tree.branch_a.pk, "year": year, "title": "x", "summary": "y"}
    resp = client.post("/api/cases/", payload, content_type="application/json")
    assert resp.status_code == 400
    assert not Case.objects.exists()


def test_award_year_before_the_case(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    case = make_case(tree.branch_a)
    with pytest.raises(ValidationError) as exc:
        services.save_award(unit, case, level="provincial", award="优秀案例", year=2023)
    assert "获奖年度不能早于案例年度（2024年）" in _messages(exc.value)
    assert not CaseAward.objects.exists()


def test_a_rated_case_is_closed_to_the_unit(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    case = make_case(tree.branch_a)
    make_rating(case)
    fields = {f: getattr(case, f) for f in services.CASE_FIELDS} | {"title": "改过的标题"}
    with pytest.raises(ValidationError) as exc:
        services.save_case(unit, Case.objects.get(pk=case.pk), **fields)
    assert "已由工委评定" in _messages(exc.value)
    with pytest.raises(ValidationError):
        services.delete_case(unit, case)
    assert Case.objects.get(pk=case.pk).title == case.title


def test_second_unit_brand_is_refused(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    first = make_brand(tree.unit_a, name="“红色引擎”")
    with pytest.raises(ValidationError) as exc:
        services.save_brand(unit, None, org=tree.unit_a, name="“先锋驿站”", established_year=2022)
    assert f"已有单位品牌「{first.name}」" in _messages(exc.value)
    assert Brand.objects.count() == 1


def test_branch_brand_needs_the_unit_brand(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError) as exc:
        services.save_brand(unit, None, org=tree.branch_a, name="“先锋驿站”", established_year=2022)
    assert "请先登记「甲局机关党委」的单位品牌" in _messages(exc.value)
    assert not Brand.objects.exists()


def test_branch_brand_hangs_under_the_unit_brand(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    parent = make_brand(tree.unit_a)
    brand = services.save_brand(
        unit, None, org=tree.branch_a, name="“先锋驿站”", established_year=2022
    )
    assert brand.parent == parent and brand.level == "branch"
    with pytest.raises(ValidationError) as exc:
        services.delete_brand(unit, parent)
    assert "还有 1 个支部品牌" in _messages(exc.value)


def _xlsx(headers, rows):
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "数据", headers=headers)
    for row in rows:
        writer.append(ws, row)
    out = io.BytesIO(writer.save_bytes(wb))
    out.name = "data.xlsx"
    return out


CASE_HEADERS = ["报送党组织", "年度", "类型", "标题", "内容摘要", "获奖层级", "奖项"]


def test_case_import_with_unknown_units_and_levels_writes_nothing(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(
        CASE_HEADERS,
        [
            ["甲局机关党委", 2024, "创新案例", "“四微”工作法", "每月开展微党课。", "", ""],
            ["丙局机关党委", 2024, "创新案例", "“双向积分”", "积分管理。", "", ""],
            ["甲局第一党支部", 2024, "创新案例", "“先锋岗”", "设岗定责。", "部级", "一等奖"],
            ["乙局机关党委", 2024, "创新案例", "“清单化”", "任务清单。", "", ""],
        ],
    )
    result = CaseImporter().run(unit, upload)
    assert not result.ok
    text = " ".join(str(e) for e in result.errors)
    assert "未找到党组织「丙局机关党委」" in text
    assert "未找到党组织「乙局机关党委」" in text  # another unit's: outside the importer's scope
    assert "「部级」不是可选值" in text and "省直机关工委" in text
    assert not Case.objects.exists() and not CaseAward.objects.exists()


def test_case_import_writes_cases_and_awards(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(
        CASE_HEADERS,
        [
            ["甲局机关党委", 2024, "研究课题", "机关党建研究", "课题成果。", "", ""],
            [
                "甲局第一党支部",
                "2024年",
                "",
                "“先锋岗”",
                "设岗定责。",
                "省直机关工委",
                "二等奖案例",
            ],
        ],
    )
    result = CaseImporter().run(unit, upload)
    assert result.ok, result.errors
    assert Case.objects.filter(status="submitted").count() == 2
    award = CaseAward.objects.get()
    assert (award.case.org, award.level, award.year) == (
        tree.branch_a,
        "provincial_committee",
        2024,
    )
    assert AuditEvent.objects.filter(action="import", outcome="success").exists()


def test_case_import_refuses_a_bad_year_row_and_rolls_back(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(
        CASE_HEADERS,
        [
            ["甲局机关党委", 2024, "", "好的一行", "内容。", "", ""],
            ["甲局机关党委", 1990, "", "年份不对", "内容。", "", ""],
        ],
    )
    result = CaseImporter().run(unit, upload)
    assert not result.ok
    assert any(e.row == 3 and "年度应为 2000 至" in e.message for e in result.errors)
    assert not Case.objects.exists()


BRAND_HEADERS = ["所属党组织", "层级", "品牌名称", "创建年度", "品牌内涵"]


def test_brand_import_unknown_levels_and_units(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(
        BRAND_HEADERS,
        [
            ["甲局机关党委", "单位品牌", "“红色引擎”", 2019, ""],
            ["甲局第一党支部", "科室品牌", "“先锋驿站”", 2021, ""],
            ["丁局机关党委", "单位品牌", "“清风”", 2020, ""],
        ],
    )
    result = BrandImporter().run(unit, upload)
    assert not result.ok
    text = " ".join(str(e) for e in result.errors)
    assert "「科室品牌」不是可选值，请填写：单位品牌、支部品牌" in text
    assert "未找到党组织「丁局机关党委」" in text
    assert not Brand.objects.exists()


def test_brand_import_puts_the_one_before_the_n(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(
        BRAND_HEADERS,
        [
            ["甲局第一党支部", "支部品牌", "“先锋驿站”", 2021, "支部特色"],
            ["甲局机关党委", "单位品牌", "“红色引擎”", 2019, "单位统领"],
        ],
    )
    result = BrandImporter().run(unit, upload)
    assert result.ok, result.errors
    branch = Brand.objects.get(org=tree.branch_a)
    assert branch.parent.org == tree.unit_a


def test_brand_import_level_must_fit_the_org(tree, make_user):
    unit = make_user("unit_admin", tree.unit_a)
    upload = _xlsx(BRAND_HEADERS, [["甲局第一党支部", "单位品牌", "“先锋驿站”", 2021, ""]])
    result = BrandImporter().run(unit, upload)
    assert not result.ok
    assert "应登记为支部品牌" in " ".join(str(e) for e in result.errors)
    assert not Brand.objects.exists()
