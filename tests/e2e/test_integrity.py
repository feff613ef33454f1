"""廉政风险排查 in a real browser: a unit admin on a phone (390 px) downloads the register
template, fills it (built here with openpyxl from the downloaded file), uploads it and
submits; the 工委管理员 on a desktop (1440 px) sees the round's coverage go from 0 to 1 of 2
units. Screenshots: test-output/integrity-register-phone.png, integrity-import-phone.png,
integrity-coverage-before.png, integrity-coverage-after.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def round_open(transactional_db, tree, make_user):
    from dangjian.integrity import services
    from dangjian.integrity.models import RiskReview

    gongwei = make_user("committee_admin", tree.root, username="gongwei_int", first_name="刘工委")
    make_user("unit_admin", tree.unit_a, username="danwei_int", first_name="陈单位")
    today = services.today()
    review = services.save_review(
        gongwei,
        RiskReview(),
        org=tree.root,
        year=today.year,
        title=f"{today.year}年度廉政风险排查",
        opens_on=today - dt.timedelta(days=10),
        due_on=today + dt.timedelta(days=30),
        closed=False,
        warning_activity=None,
        note="按岗位逐项排查。",
    )
    return review


def _context(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    return context


def test_unit_imports_and_submits_and_the_committee_sees_coverage(
    live_server, browser, round_open, sign_in, screenshot, tmp_path
):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from dangjian.integrity.models import RiskPoint, RiskSubmission

    review = round_open
    coverage_url = live_server.url + reverse("integrity:review_detail", args=[review.pk])

    desk = _context(browser, DESKTOP)
    phone = _context(browser, PHONE)
    try:
        committee = desk.new_page()
        sign_in(committee, live_server.url, "gongwei_int", PASSWORD)
        committee.goto(coverage_url)
        expect(committee.locator("[data-figure=submitted]")).to_have_text("0 / 2")
        expect(committee.locator("#missing")).to_contain_text("甲局机关党委")
        screenshot(committee, "integrity-coverage-before")

        unit = phone.new_page()
        sign_in(unit, live_server.url, "danwei_int", PASSWORD)
        unit.goto(live_server.url + reverse("integrity:review_list"))
        unit.get_by_role("link", name=f"{review.year}年 · 甲局机关党委").click()
        expect(unit.locator("#register-status")).to_contain_text("未提交")

        with unit.expect_download() as info:
            unit.get_by_role("link", name="下载风险点模板").click()
        template = tmp_path / "template.xlsx"
        info.value.save_as(template)
        wb = load_workbook(template)
        ws = wb.worksheets[0]
        headers = [c.value for c in ws[1]]
        assert headers[:3] == ["年度", "单位", "风险点编号"]
        rows = [
            [review.year, "甲局机关党委", "FX-01", "财务管理", "出纳", "业务流程", "高",
             "现金管理不规范，存在挪用公款的风险", "实行钱账分管，每月对账", None, "财务科长", None],
            [review.year, "甲局机关党委", "FX-02", "政府采购", "采购专员", "业务流程", "中",
             "采购需求设置倾向性条款", "采购需求集体研究、法律顾问审核", "FX-01", "办公室主任",
             f"{review.year}-12-31"],
            [review.year, "甲局机关党委", "FX-01", None, None, None, None, None,
             "大额现金支出两人经办", None, "分管副局长", None],
        ]  # fmt: skip
        for r in rows:
            ws.append(r)
        filled = tmp_path / "filled.xlsx"
        wb.save(filled)

        unit.get_by_role("link", name="导入风险点和措施").click()
        unit.set_input_files("input[type=file]", str(filled))
        unit.get_by_role("button", name="上传并导入").click()
        expect(unit.locator(".alert-success")).to_contain_text("成功导入 5 条")
        assert unit.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(unit, "integrity-import-phone")

        unit.goto(
            live_server.url
            + RiskSubmission.objects.get(review=review, org__name="甲局机关党委").get_absolute_url()
        )
        expect(unit.locator("table").first).to_contain_text("FX-02")
        unit.get_by_role("button", name="提交本单位填报").click()
        expect(unit.locator("#register-status")).to_contain_text("已提交")
        assert unit.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(unit, "integrity-register-phone")
        assert RiskPoint.objects.filter(submission__review=review).count() == 2

        committee.goto(coverage_url)
        expect(committee.locator("[data-figure=submitted]")).to_have_text("1 / 2")
        expect(committee.locator("[data-figure=points]")).to_have_text("2")
        expect(committee.locator("[data-figure=measures]")).to_have_text("3")
        expect(committee.locator("#missing")).not_to_contain_text("甲局机关党委")
        screenshot(committee, "integrity-coverage-after")
    finally:
        desk.close()
        phone.close()
