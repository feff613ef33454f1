"""A 七一 round in a real browser: the unit admin nominates on a phone (390 px), the 工委
reviews, publicizes and decides on a desktop (1440 px), and the member's page shows the
honor. Screenshots: test-output/honors-*.png (both widths)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def world(transactional_db, tree, make_user):
    from dangjian.honors import services, titles
    from dangjian.honors.models import HonorRound
    from dangjian.members.tests.factories import MemberFactory

    gongwei = make_user("committee_admin", tree.root, username="gongwei_hon", first_name="工委")
    make_user("unit_admin", tree.unit_a, username="danwei_hon", first_name="甲局")
    today = services.today()
    rnd = services.save_round(
        gongwei,
        HonorRound(),
        org=tree.root,
        year=today.year,
        title=f"{today.year}年“七一”表彰",
        level="committee",
        titles=[titles.EXCELLENT_MEMBER, titles.EXCELLENT_PARTY_WORKER, titles.ADVANCED_ORG],
        nomination_starts=today - dt.timedelta(days=20),
        nomination_ends=today + dt.timedelta(days=1),
        material_asked="事迹材料（1500字以内）及推荐审批表。",
    )
    services.set_quotas(
        gongwei,
        rnd,
        {
            (tree.unit_a.pk, titles.EXCELLENT_MEMBER): 2,
            (tree.unit_a.pk, titles.ADVANCED_ORG): 1,
            (tree.unit_b.pk, titles.EXCELLENT_MEMBER): 1,
        },
    )
    member = MemberFactory(org=tree.branch_a, name="林先锋")
    MemberFactory(org=tree.branch_a, name="赵同事")
    return rnd, member, today


def _context(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    return context


def test_a_round_from_nomination_to_decision(live_server, browser, world, sign_in, screenshot):
    from playwright.sync_api import expect

    from dangjian.honors.models import Honor, Nomination

    rnd, member, today = world
    round_url = live_server.url + reverse("honors:round_detail", args=[rnd.pk])

    # 1. the unit admin nominates, on a phone
    phone = _context(browser, PHONE)
    page = phone.new_page()
    try:
        sign_in(page, live_server.url, "danwei_hon", PASSWORD)
        page.goto(round_url)
        expect(page.get_by_text("0 / 2")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "honors-round-unit-390")
        page.get_by_role("link", name="推荐", exact=True).click()
        page.select_option("select[name=org]", label="甲局机关党委")
        page.select_option("select[name=title]", label="优秀共产党员")
        page.select_option("select[name=member]", value=str(member.pk))
        page.fill(
            "textarea[name=material]",
            "林先锋同志带头攻坚数字机关建设项目，连续两年年度考核优秀。",
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "honors-nominate-390")
        with page.expect_navigation():
            page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("已推荐，等待工委审核")).to_be_visible()
        expect(page.get_by_text("林先锋").first).to_be_visible()
        screenshot(page, "honors-nominated-390")
    finally:
        phone.close()
    nomination = Nomination.objects.get()

    # 2. the 工委 reviews, publicizes and decides, on a desktop
    desk = _context(browser, DESKTOP)
    page = desk.new_page()
    try:
        sign_in(page, live_server.url, "gongwei_hon", PASSWORD)
        page.goto(round_url)
        expect(page.get_by_text("1 / 2")).to_be_visible()
        expect(page.get_by_text("组织生活：").first).to_be_visible()  # the record check
        screenshot(page, "honors-round-review-1440")
        page.get_by_role("link", name="林先锋").click()
        page.get_by_label("审核通过").check()
        page.fill("textarea[name=review_note]", "同意推荐。")
        with page.expect_navigation():
            page.get_by_role("button", name="提交审核").click()
        expect(page.get_by_text("已审核：审核通过")).to_be_visible()
        screenshot(page, "honors-nomination-1440")
        page.goto(round_url)
        start = today - dt.timedelta(days=15)
        page.fill("input[name=publicity_starts]", start.isoformat())
        with page.expect_navigation():
            page.get_by_role("button", name="开始公示").click()
        end = start + dt.timedelta(days=6)
        expect(page.get_by_text(f"公示期至 {end:%Y-%m-%d}").first).to_be_visible()
        # a decision dated inside the 公示 is refused with the reason
        page.fill("input[name=decided_on]", end.isoformat())
        page.fill("input[name=document_number]", "示工委〔2024〕18号")
        with page.expect_navigation():
            page.get_by_role("button", name="记录表彰决定").click()
        expect(page.get_by_text("表彰决定日期须在公示期满之后")).to_be_visible()
        assert not Honor.objects.exists()
        page.fill("input[name=decided_on]", today.isoformat())
        page.fill("input[name=document_number]", "示工委〔2024〕18号")
        with page.expect_navigation():
            page.get_by_role("button", name="记录表彰决定").click()
        expect(page.get_by_text("共表彰 1 个对象")).to_be_visible()
        screenshot(page, "honors-decided-1440")
        honor = Honor.objects.get()
        assert honor.member_id == member.pk and honor.nomination_id == nomination.pk
        page.goto(live_server.url + reverse("members:member_detail", args=[member.pk]))
        expect(page.get_by_text("荣誉表彰")).to_be_visible()
        expect(page.get_by_text("示工委〔2024〕18号")).to_be_visible()
        screenshot(page, "honors-member-panel-1440")
        page.goto(live_server.url + reverse("honors:honor_list"))
        screenshot(page, "honors-list-1440")
    finally:
        desk.close()
