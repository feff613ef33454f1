"""A member's 我的 page in a real browser, at desktop (1440×900) and phone (390×844) sizes;
and a branch secretary opening an account whose slip the new member signs in with.

The tiny demo city is loaded (its `dangyuan` account is linked to a member of shuji's branch,
which has notices in the coming weeks). Sign-in goes through the real login form
(`sign_in`). Screenshots: test-output/member-me-*.png, member-slips-*.png.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Demo@2024"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "Xin!mima2026"


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


def test_dangyuan_sees_her_own_page_on_desktop_and_phone(
    live_server, browser, city, sign_in, screenshot
):
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity
    from dangjian.members.models import Member

    member = Member.objects.select_related("org").get(account__username="dangyuan")
    notices = list(Activity.objects.notices_for(member))
    assert notices, "the demo sends notices to the member"
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = new_page(browser, size)
        try:
            sign_in(page, live_server.url, "dangyuan", DEMO_PASSWORD)
            page.goto(live_server.url + reverse("selfservice:me"))
            body = page.locator("body")
            expect(page.locator("#me-profile")).to_contain_text(member.name)
            expect(page.locator("#me-profile")).to_contain_text(member.org.name)
            expect(page.locator("#me-upcoming")).to_contain_text(notices[0].title)
            expect(page.locator("#me-life")).to_contain_text("学时")
            expect(body).not_to_contain_text("dangyuan")  # people by name, never a username
            no_sideways_scroll(page, size)
            screenshot(page, f"member-me-{label}")
            if label == "phone":
                # 我的 is in reach on the phone, and the full record fits too
                expect(page.get_by_role("link", name="我的").first).to_be_attached()
                page.locator("#me-life a", has_text="查看全部记录").click()
                expect(page.locator("body")).to_contain_text("我的组织生活记录")
                no_sideways_scroll(page, size)
                screenshot(page, "member-me-history-phone")
        finally:
            context.close()


def test_secretary_opens_an_account_and_the_member_signs_in_with_the_slip(
    live_server, browser, city, sign_in, screenshot
):
    from playwright.sync_api import expect

    from dangjian.accounts.models import User
    from dangjian.members.tests.factories import MemberFactory

    branch = User.objects.get(username="shuji").role_assignments.get().org
    newcomer = MemberFactory(org=branch, name="新转入党员")
    context, page = new_page(browser, PHONE)
    try:
        sign_in(page, live_server.url, "shuji", DEMO_PASSWORD)
        page.goto(live_server.url + reverse("selfservice:account_open"))
        expect(page.locator("body")).to_contain_text("1 名在册党员尚未开通账号")
        no_sideways_scroll(page, PHONE)
        screenshot(page, "member-open-phone")
        with page.expect_navigation():
            page.get_by_role("button", name="为选中的党员开通账号").click()
        slip = page.locator(".dj-slip").first
        expect(slip).to_contain_text(newcomer.name)
        secrets_shown = slip.locator(".dj-slip-secret").all_inner_texts()
        username, password = (s.strip() for s in secrets_shown)
        no_sideways_scroll(page, PHONE)
        screenshot(page, "member-slips-phone")
        page.set_viewport_size(DESKTOP)
        screenshot(page, "member-slips-desktop")
        page.emulate_media(media="print")
        screenshot(page, "member-slips-print")
        page.emulate_media(media="screen")
        page.set_viewport_size(PHONE)
        # The account list and the member's account page, where a lost slip is replaced.
        page.goto(live_server.url + reverse("selfservice:account_list"))
        expect(page.locator("body")).to_contain_text("新转入党员")
        expect(page.locator("body")).to_contain_text("未修改初始密码")
        no_sideways_scroll(page, PHONE)
        screenshot(page, "member-accounts-phone")
        page.goto(live_server.url + reverse("selfservice:account_detail", args=[newcomer.pk]))
        expect(page.get_by_role("button", name="重置密码并打印账号单")).to_be_visible()
        no_sideways_scroll(page, PHONE)
        screenshot(page, "member-account-phone")
    finally:
        context.close()

    # The newcomer signs in with the slip, must choose a password, then sees 我的.
    context, page = new_page(browser, PHONE)
    try:
        page.goto(live_server.url + reverse("accounts:login"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        assert reverse("accounts:password_change") in page.url
        page.fill("input[name=old_password]", password)
        page.fill("input[name=new_password1]", NEW_PASSWORD)
        page.fill("input[name=new_password2]", NEW_PASSWORD)
        with page.expect_navigation():
            page.press("input[name=new_password2]", "Enter")
        page.goto(live_server.url + reverse("selfservice:me"))
        expect(page.locator("#me-profile")).to_contain_text(newcomer.name)
        expect(page.locator(".page-body")).not_to_contain_text(username)
        screenshot(page, "member-me-newcomer-phone")
    finally:
        context.close()
