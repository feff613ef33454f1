"""A secretary's week: she opens 待办, records what is due with one click, and 待办 updates.

At desktop (1440×900) and phone (390×844) size: the 待办 lists this month's 主题党日 as due
with a button that opens the record form with kind, branch and today's date filled in; she
saves it (the form as it is: only what it does not fill in itself is typed); back on 待办
the item is done. The phone pages never scroll sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!branch-secretary"
THEME_DAY = "branch.theme_day.monthly"
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture
def branch(tree, make_user):
    from dangjian.members.models import Member

    for i in range(8):
        Member.objects.create(
            org=tree.group_a if i % 4 == 0 else tree.branch_a,
            name=f"党员{i:02d}",
            gender="female" if i % 2 else "male",
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        )
    make_user(
        "branch_secretary",
        tree.branch_a,
        username="sec_week",
        password=PASSWORD,
        display_name="王书记",
    )
    return tree


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", list(SIZES))
def test_secretary_sees_todo_records_the_due_item_and_todo_updates(
    live_server, browser, branch, sign_in, screenshot, size
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity

    today = timezone.localdate()

    width, height = SIZES[size]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "sec_week", PASSWORD)
        todo_url = live_server.url + reverse("web:todo")

        # 1. 待办: this month's 主题党日 is due, with a button to record it.
        page.goto(todo_url)
        due = page.locator(
            f'#todo-open .dj-todo-item[data-rule="{THEME_DAY}"][data-state="due"]'
            f'[data-org="{branch.branch_a.pk}"]'
        )
        expect(due).to_have_count(1)
        expect(page.locator("#todo-summary")).to_contain_text("项进行中")
        assert no_sideways_scroll(page), "待办 scrolls sideways"
        screenshot(page, f"secretary-week-todo-{size}")

        # 2. One click: the record form with kind, branch and date filled in.
        with page.expect_navigation():
            due.locator("a.dj-record").click()
        assert reverse("activities:activity_add") in page.url
        expect(page.locator("select[name=kind]")).to_have_value("theme_day")
        expect(page.locator("input[name=held_on]")).to_have_value(today.isoformat())
        org = page.locator("[name=org]").first
        expect(org).to_have_value(str(branch.branch_a.pk))
        title = page.locator("input[name=title]")
        if not title.input_value():
            title.fill("主题党日")
        screenshot(page, f"secretary-week-record-{size}")
        with page.expect_navigation():
            page.click("#record-form button[type=submit]:not([name])")
        expect(page.locator("body")).to_contain_text("已保存组织生活记录")
        activity = Activity.objects.get(org=branch.branch_a, kind="theme_day")
        assert activity.held_on == today

        # 3. Back on 待办: the item is done, and no longer among the open ones.
        page.goto(todo_url)
        expect(due).to_have_count(0)
        done = page.locator(f'#todo-settled .dj-todo-item[data-rule="{THEME_DAY}"]')
        expect(done).to_have_attribute("data-state", "done")
        expect(done).to_contain_text("已开展 1 次")
        assert no_sideways_scroll(page), "待办 scrolls sideways after recording"
        screenshot(page, f"secretary-week-todo-done-{size}")

        # 4. The 工作台 shows the same 待办 first.
        page.goto(live_server.url + reverse("web:home"))
        expect(page.locator("#todo-summary")).to_be_visible()
        assert no_sideways_scroll(page), "工作台 scrolls sideways"
        screenshot(page, f"secretary-week-home-{size}")
    finally:
        context.close()
