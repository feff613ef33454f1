"""培训班 in a real browser, on the tiny demo city: a branch secretary on a phone (390 px)
enrols two of her members in the 工委's open night-school course; the 工委管理员 (desktop,
1440 px) adds the first session and records its attendance; the member then sees the class
and her 学时 on her 我的 page, on the phone and on the desktop.

Screenshots (looked at): test-output/training-enrol-390.png, training-class-390.png,
training-attendance-1440.png, training-attendance-390.png, training-class-1440.png,
training-me-390.png, training-me-1440.png.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Demo@2024"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city(transactional_db):
    call_command("demo", scale="tiny", verbosity=0)


def new_page(browser, size):
    context = browser.new_context(locale="zh-CN", viewport=size)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def no_sideways_scroll(page, size) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{page.url}: {width} px wide on a {size['width']} px screen"


def test_enrol_record_attendance_and_see_my_hours(live_server, browser, city, sign_in, screenshot):
    from playwright.sync_api import expect

    from dangjian.accounts.models import User
    from dangjian.members.models import Member
    from dangjian.training.models import Enrolment, TrainingClass

    klass = TrainingClass.objects.get(enrolment_open=True)
    me = Member.objects.get(account__username="dangyuan")
    peer = (
        Member.objects.filter(org=me.org, membership="normal")
        .exclude(pk=me.pk)
        .order_by("pk")
        .first()
    )
    assert peer is not None
    base = live_server.url

    # 1. the branch secretary enrols two members, on a phone
    context, page = new_page(browser, PHONE)
    try:
        sign_in(page, base, "shuji", DEMO_PASSWORD)
        page.goto(base + "/training/")
        no_sideways_scroll(page, PHONE)
        page.get_by_role("link", name=klass.title).first.click()
        page.get_by_role("link", name="报名", exact=True).click()
        page.locator("select[name=members]").select_option([str(me.pk), str(peer.pk)])
        no_sideways_scroll(page, PHONE)
        screenshot(page, "training-enrol-390")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("body")).to_contain_text("已为 2 名党员报名")
        expect(page.locator(f'tr[data-member="{me.pk}"]')).to_contain_text(me.name)
        no_sideways_scroll(page, PHONE)
        screenshot(page, "training-class-390")
    finally:
        context.close()
    assert set(
        Enrolment.objects.filter(training_class=klass).values_list("member_id", flat=True)
    ) == {
        me.pk,
        peer.pk,
    }

    # 2. the 工委 adds the first session and records who came (desktop, then the phone view)
    context, page = new_page(browser, DESKTOP)
    try:
        sign_in(page, base, "gongwei", DEMO_PASSWORD)
        page.goto(base + klass.get_absolute_url())
        page.get_by_role("link", name="新增课次").click()
        page.fill("input[name=held_on]", klass.starts_on.isoformat())
        page.get_by_role("button", name="保存").click()
        expect(page.locator("body")).to_contain_text("已新增第 1 课")
        page.get_by_role("link", name="登记出席").click()
        page.locator(f"select[name=status-{me.pk}]").select_option("attended")
        page.locator(f"select[name=status-{peer.pk}]").select_option("leave")
        screenshot(page, "training-attendance-1440")
        page.set_viewport_size(PHONE)
        no_sideways_scroll(page, PHONE)
        screenshot(page, "training-attendance-390")
        page.set_viewport_size(DESKTOP)
        page.get_by_role("button", name="保存出席情况").click()
        expect(page.locator("body")).to_contain_text("已登记第 1 课的出席情况")
        expect(page.locator(f'tr[data-member="{me.pk}"]')).to_contain_text("✓ 2.0")
        expect(page.locator(f'tr[data-member="{peer.pk}"]')).to_contain_text("假")
        screenshot(page, "training-class-1440")
    finally:
        context.close()

    # 3. the member sees the class and her 学时 on 我的
    for size, name in ((PHONE, "training-me-390"), (DESKTOP, "training-me-1440")):
        context, page = new_page(browser, size)
        try:
            sign_in(page, base, "dangyuan", DEMO_PASSWORD)
            page.goto(base + "/me/")
            section = page.locator("#me-hours")
            expect(section).to_contain_text("我的学时")
            expect(section).to_contain_text(klass.title)
            expect(section).to_contain_text("出席 1 课次 · 2.0 学时")
            no_sideways_scroll(page, size)
            section.scroll_into_view_if_needed()
            screenshot(page, name)
        finally:
            context.close()
    assert User.objects.filter(username="dangyuan").exists()
