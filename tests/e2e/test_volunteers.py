"""志愿服务与双报到 in a real browser: a unit admin registers the unit with a community on a
phone (390 px) and sees it on the unit's 双报到 page; a branch secretary adds members to a
党员突击队 at 390 px (one outside the branch is refused in Chinese). Screenshots:
test-output/volunteers-coverage-1440.png, volunteers-coverage-390.png,
volunteers-registration-390.png, volunteers-taskforce-390.png, volunteers-taskforce-1440.png.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def world(transactional_db, tree, make_user):
    from dangjian.members.tests.factories import MemberFactory
    from dangjian.volunteers.models import Community, TaskForce

    Community.objects.create(org=tree.root, name="东湖社区", district="东湖区", street="湖滨街道")
    Community.objects.create(org=tree.root, name="西城社区", district="西城区", street="文昌街道")
    members = [MemberFactory(org=tree.branch_a, name=n) for n in ("赵志强", "钱丽娟", "孙海燕")]
    outsider = MemberFactory(org=tree.branch_b, name="李外单位")
    tf = TaskForce.objects.create(
        org=tree.branch_a,
        name="数字机关攻关组",
        kind="task_group",
        project="数字机关建设",
        starts_on=dt.date(2024, 3, 1),
    )
    make_user("unit_admin", tree.unit_a, username="danwei_vol", first_name="单位管理员")
    make_user("branch_secretary", tree.branch_a, username="shuji_vol", first_name="王书记")
    return tree, members, outsider, tf


def _context(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    return context


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_unit_registers_and_secretary_builds_a_task_force(
    live_server, browser, world, sign_in, screenshot
):
    from playwright.sync_api import expect

    from dangjian.volunteers.models import CommunityRegistration, TaskForceMember

    tree, members, outsider, tf = world
    from dangjian.volunteers.services import today

    year = today().year
    # 1. the unit admin, on a phone: the unit's 双报到 page → 登记报到 → saved
    context = _context(browser, PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "danwei_vol", PASSWORD)
        page.goto(live_server.url + "/volunteers/coverage/")
        expect(page.locator("h2, .page-title").first).to_contain_text("甲局机关党委")
        expect(page.get_by_text("未报到").first).to_be_visible()
        _no_sideways_scroll(page)
        page.get_by_role("link", name="登记报到").first.click()
        page.locator("select[name=org]").select_option(str(tree.unit_a.pk))
        page.locator("select[name=community]").select_option(label="东湖社区")
        page.fill("input[name=starts_on]", f"{year}-03-01")
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-registration-390")
        with page.expect_navigation():
            page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("已保存")).to_be_visible()
        reg = CommunityRegistration.objects.get()
        assert (reg.org_id, reg.member_id) == (tree.unit_a.pk, None)
        page.goto(live_server.url + "/volunteers/coverage/")
        expect(page.get_by_text("东湖社区").first).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-coverage-390")
    finally:
        context.close()
    context = _context(browser, WIDE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "danwei_vol", PASSWORD)
        page.goto(live_server.url + "/volunteers/coverage/")
        expect(page.get_by_text("东湖社区").first).to_be_visible()
        screenshot(page, "volunteers-coverage-1440")
    finally:
        context.close()

    # 2. the branch secretary, on a phone: adds two members, the outsider cannot be chosen
    context = _context(browser, PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "shuji_vol", PASSWORD)
        page.goto(live_server.url + f"/volunteers/task-forces/{tf.pk}/")
        options = page.locator("select[name=member] option").all_text_contents()
        assert any("赵志强" in o for o in options)
        assert not any("李外单位" in o for o in options)
        for member, role in ((members[0], "leader"), (members[1], "member")):
            page.locator("select[name=member]").select_option(str(member.pk))
            page.locator("select[name=role]").select_option(role)
            page.fill("input[name=joined_on]", "2024-03-10")
            with page.expect_navigation():
                page.get_by_role("button", name="加入突击队").click()
            expect(page.get_by_text(f"已将{member.name}加入")).to_be_visible()
        # a join date before the task force began: refused in Chinese, nothing written
        page.locator("select[name=member]").select_option(str(members[2].pk))
        page.fill("input[name=joined_on]", "2024-01-10")
        with page.expect_navigation():
            page.get_by_role("button", name="加入突击队").click()
        expect(page.get_by_text("加入日期不能早于突击队组建日期").first).to_be_visible()
        page.goto(live_server.url + f"/volunteers/task-forces/{tf.pk}/")
        expect(page.get_by_text("队员（2 人）")).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-taskforce-390")
        rows = TaskForceMember.objects.filter(task_force=tf)
        assert sorted(rows.values_list("member__name", "role")) == [
            ("赵志强", "leader"),
            ("钱丽娟", "member"),
        ]
    finally:
        context.close()
    context = _context(browser, WIDE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "shuji_vol", PASSWORD)
        page.goto(live_server.url + f"/volunteers/task-forces/{tf.pk}/")
        screenshot(page, "volunteers-taskforce-1440")
    finally:
        context.close()
    del outsider
