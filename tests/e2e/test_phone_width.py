"""Every page a branch secretary and a party member use fits a phone (390×844) without
scrolling sideways, and a desktop (1440×900) too.

The pages are not listed by hand: they are the role's own menu (every entry and every
entry of a group, as build_navigation gives it), one detail page of each kind of object the
role meets (its org, a member, a meeting, a rule, an exemption, a finding and its
整改), the record form and the reminders inbox. Each page is photographed at both sizes
into test-output/phone-<role>-<page>.png and desktop-<role>-<page>.png.
"""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"  # the make_user fixture's default
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def world(db, make_user):
    from dangjian.web.tests.world import build_branch_world

    return build_branch_world(make_user)


def optional(name: str, *args) -> list[str]:
    try:
        return [reverse(name, args=args)]
    except NoReverseMatch:  # a page another part of the platform has not wired (yet)
        return []


def pages_of(user, world) -> list[str]:
    """The role's menu entries, then one detail page of each kind of object it meets."""
    from dangjian.core.testing.routes import PK
    from dangjian.web.context_processors import build_navigation

    urls: list[str] = []
    for item in build_navigation(user):
        urls += [child.url for child in item.children] or [item.url]
    urls += [
        reverse("orgs:organization_detail", args=[world.branch.pk]),
        reverse("orgs:organization_detail", args=[world.group.pk]),
        reverse("activities:activity_detail", args=[world.meeting.pk]),
        reverse("rules:rule_detail", args=["branch.member_assembly.quarterly"]),
        reverse("rules:inbox"),
        reverse("members:member_detail", args=[PK]),
        reverse("activities:activity_add"),
        reverse("rules:exemption_detail", args=[PK]),
        reverse("assessments:finding_detail", args=[PK]),
        reverse("assessments:rectification_detail", args=[PK]),
        *optional("web:todo"),
        *optional("selfservice:me"),
    ]
    return list(dict.fromkeys(urls))  # in order, once each


def slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def visit_all(page, base_url: str, urls: list[str], prefix: str, screenshot) -> dict[str, str]:
    """url → what is wrong with it at this size (nothing when it fits)."""
    problems = {}
    width = page.viewport_size["width"]
    for url in urls:
        response = page.goto(base_url + url)
        if response is None or response.status in (403, 404):
            continue  # not this role's page after all (an entry of a grouped menu)
        if response.status >= 400:
            problems[url] = f"HTTP {response.status}"
            continue
        page.wait_for_load_state("load")
        screenshot(page, f"{prefix}-{slug(url)}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate(WIDEST_ELEMENTS, width)
            problems[url] = f"{scroll_width}px wide at {width}px: {wide}"
    return problems


# What sticks out past the right edge, innermost first: what the report names.
WIDEST_ELEMENTS = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      const inner = [...el.children].some(c => c.getBoundingClientRect().right > width + 1);
      if (!inner) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' → ' + Math.round(r.right));
    }
  }
  return out.slice(0, 5);
}"""


@pytest.mark.parametrize("username", ["k7sec", "k7mem"])
def test_every_page_of_the_role_fits_a_phone_and_a_desktop(
    live_server, browser, world, sign_in, screenshot, username
):
    user = world.users[username]
    urls = pages_of(user, world)
    assert len(urls) >= (12 if username == "k7sec" else 8)
    found = {}
    for size, prefix in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(locale="zh-CN", viewport=size)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in(page, live_server.url, username, PASSWORD)
            problems = visit_all(page, live_server.url, urls, f"{prefix}-{username}", screenshot)
        finally:
            context.close()
        found |= {f"{prefix} {url}": why for url, why in problems.items()}
    assert not found, "\n".join(f"{where}: {why}" for where, why in found.items())


def test_phone_menu_is_a_bottom_bar_and_a_sheet(live_server, browser, world, sign_in, screenshot):
    """On a phone the menu is at the bottom, within reach of the thumb: the role's first
    entries, and 全部功能 opens a sheet with every entry; the top bar keeps only the name,
    the reminders and the account."""
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "k7sec", PASSWORD)
        page.goto(live_server.url + reverse("members:member_list"))
        bar = page.locator("nav.dj-tabbar")
        expect(bar).to_be_visible()
        box = bar.bounding_box()
        assert box is not None and box["y"] + box["height"] >= PHONE["height"] - 1
        expect(page.locator("#navbar-menu")).to_be_hidden()
        expect(bar.locator(".dj-tab.active")).to_have_text("党员")
        sheet = page.locator("#dj-menu-sheet")
        expect(sheet).to_be_hidden()
        bar.get_by_text("全部功能").click()
        expect(sheet).to_be_visible()
        expect(sheet.get_by_role("link", name="规则库")).to_be_visible()
        screenshot(page, "phone-k7sec-menu-sheet")
        # Lists are cards: no header row on screen, each value headed by its column's name.
        page.keyboard.press("Escape")
        expect(page.locator(".dj-cards thead")).to_have_count(1)
        assert page.locator(".dj-cards thead").bounding_box()["height"] <= 1
        cell = page.locator('.dj-cards td[data-label="性别"]').first
        expect(cell).to_be_visible()
        label = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert label == '"性别"'
    finally:
        context.close()
