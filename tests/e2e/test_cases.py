"""创新案例 in a real browser: a unit admin writes and submits a case on a phone (390 px), the
工委 rates it 优秀案例 on a desktop (1440 px), and the unit sees the rating. Screenshots:
test-output/cases-add-390.png, cases-detail-390.png, cases-rate-1440.png,
cases-list-1440.png, cases-rated-390.png, cases-brand-390.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def people(transactional_db, tree, make_user):
    from dangjian.cases.tests.factories import make_brand

    make_user("unit_admin", tree.unit_a, username="danwei_cases", first_name="甲局管理员")
    make_user("committee_admin", tree.root, username="gongwei_cases", first_name="工委管理员")
    unit_brand = make_brand(tree.unit_a, name="“红色引擎”")
    make_brand(tree.branch_a, name="“先锋驿站”")
    return tree, unit_brand


def _context(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    return context


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_unit_submits_on_a_phone_and_the_committee_rates(
    live_server, browser, people, sign_in, screenshot
):
    from playwright.sync_api import expect

    from dangjian.cases.models import Case, CaseRating, CaseStatus

    tree, unit_brand = people
    phone = _context(browser, PHONE)
    page = phone.new_page()
    try:
        sign_in(page, live_server.url, "danwei_cases", PASSWORD)
        page.goto(live_server.url + reverse("cases:case_add"))
        page.select_option("select[name=org]", value=str(tree.branch_a.pk))
        page.fill("input[name=year]", "2024")
        page.select_option("select[name=case_type]", "innovation")
        page.fill("input[name=title]", "以“党员亮诺”工作法推动政务服务提速")
        page.fill(
            "textarea[name=summary]",
            "年初亮诺、年中评诺、年底践诺，窗口党员亮身份、办实事，事项平均办理时限压缩三成。",
        )
        _fits(page, PHONE["width"])
        screenshot(page, "cases-add-390")
        with page.expect_navigation():
            page.get_by_role("button", name="保存").click()
        case = Case.objects.get()
        with page.expect_navigation():
            page.get_by_role("button", name="提交工委评定").click()
        expect(page.locator(".alert").first).to_contain_text("已提交")
        _fits(page, PHONE["width"])
        screenshot(page, "cases-detail-390")
        assert Case.objects.get().status == CaseStatus.SUBMITTED
        # the unit cannot rate its own case
        assert page.get_by_role("link", name="评定").count() == 0
    finally:
        phone.close()

    desk = _context(browser, DESKTOP)
    page = desk.new_page()
    try:
        sign_in(page, live_server.url, "gongwei_cases", PASSWORD)
        page.goto(live_server.url + reverse("cases:case_list") + "?rating=unrated")
        with page.expect_navigation():
            page.get_by_role("link", name=case.title).click()
        with page.expect_navigation():
            page.get_by_role("link", name="评定", exact=True).click()
        page.select_option("select[name=rating]", "excellent")
        page.fill("textarea[name=note]", "做法具体、成效明显，具有推广价值。")
        screenshot(page, "cases-rate-1440")
        with page.expect_navigation():
            page.get_by_role("button", name="保存评定").click()
        expect(page.locator("[data-rating]")).to_have_attribute("data-rating", "excellent")
        page.goto(live_server.url + reverse("cases:case_list") + "?year=2024")
        expect(page.locator("table")).to_contain_text("优秀案例")
        screenshot(page, "cases-list-1440")
        assert CaseRating.objects.get(case=case).rated_by_org == tree.root
    finally:
        desk.close()

    phone = _context(browser, PHONE)
    page = phone.new_page()
    try:
        sign_in(page, live_server.url, "danwei_cases", PASSWORD)
        page.goto(live_server.url + case.get_absolute_url())
        expect(page.locator("[data-rating]")).to_contain_text("优秀案例")
        assert page.get_by_role("link", name="修改", exact=True).count() == 0
        _fits(page, PHONE["width"])
        screenshot(page, "cases-rated-390")
        page.goto(live_server.url + unit_brand.get_absolute_url())
        expect(page.locator("[data-branch-brands]")).to_contain_text("“先锋驿站”")
        _fits(page, PHONE["width"])
        screenshot(page, "cases-brand-390")
    finally:
        phone.close()
