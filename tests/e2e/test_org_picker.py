"""The org picker (core.orgpicker) in a browser: the 工委 on a phone (390 px) finds a branch
of a tree too big to list by typing part of its name, picks it with the keyboard and
filters the member list by it; the strict CSP refuses nothing on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!committee-admin"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def big_tree(tree, make_user):
    from dangjian.core import orgpicker
    from dangjian.members.tests.factories import MemberFactory
    from dangjian.orgs.models import Organization, OrgKind

    unit = Organization.objects.get(pk=tree.unit_a.pk)
    for i in range(orgpicker.SHORT_LIMIT + 5):  # more than the select lists
        unit = Organization.objects.get(pk=unit.pk)
        unit.add_child(kind=OrgKind.BRANCH, name=f"甲局业务{i + 1}处党支部")
    target = Organization.objects.get(name="甲局业务77处党支部")
    MemberFactory(org=target, name="柯明远")
    MemberFactory(org=tree.branch_b, name="乙局党员")
    make_user(role="committee_admin", org=tree.root, username="gw_picker", password=PASSWORD)
    return target


def test_the_committee_finds_a_branch_by_name_on_a_phone(
    live_server, browser, big_tree, screenshot, sign_in
):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    try:
        sign_in(page, live_server.url, "gw_picker", PASSWORD)
        page.goto(live_server.url + reverse("members:member_list"))
        page.locator(".dj-filter-toggle").click()  # a phone folds the filters
        within = page.locator("select[name=within]")
        # Only the upper levels are listed; the branches are found by name.
        assert within.locator("option").count() <= 10
        assert within.locator("option", has_text="甲局业务77处党支部").count() == 0
        box = page.locator("[data-dj-orgpicker]", has=within).locator("input[type=search]")
        box.wait_for(state="visible")
        box.click()
        page.keyboard.type("业务77")
        expect_option = within.locator("option", has_text="甲局业务77处党支部")
        expect_option.wait_for(state="attached")
        status = page.locator("[data-dj-orgpicker]", has=within).locator(
            "[data-dj-orgpicker-status]"
        )
        assert "找到 1 个组织" in status.inner_text()
        # Enter moves to the choices (it does not send the form); the keyboard picks.
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.name") == "within"
        assert "within=" not in page.url
        within.select_option(str(big_tree.pk))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"page is {width}px wide"
        screenshot(page, "org-picker-phone")
        with page.expect_navigation():
            page.locator("#dj-filters button[type=submit]").click()
        assert f"within={big_tree.pk}" in page.url
        body = page.locator("body").inner_text()
        assert "柯明远" in body and "乙局党员" not in body
        # The chosen branch stays chosen after the reload, though it is not an upper level.
        assert within.input_value() == str(big_tree.pk)
        assert not refused, refused
    finally:
        context.close()
