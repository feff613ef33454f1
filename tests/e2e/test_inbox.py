"""The reminder inbox on a phone (390×844): the 工委's digest by unit, a unit's groups, a
filter, and a group marked read — with screenshots."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!committee-admin"
PHONE = {"width": 390, "height": 844}
_key = itertools.count(1)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


@pytest.fixture
def inbox_user(tree, make_user):
    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.rules.models import Notification, NotificationKind

    K = NotificationKind
    admin = make_user(role="committee_admin", org=tree.root, username="gw_inbox", password=PASSWORD)
    third = Organization.objects.get(pk=tree.root.pk).add_child(
        kind=OrgKind.UNIT_PARTY, name="示例市人力资源和社会保障局机关党委"
    )
    branch_c = Organization.objects.get(pk=third.pk).add_child(
        kind=OrgKind.BRANCH, name="示例市人力资源和社会保障局就业促进和失业保险科党支部"
    )
    plan = [
        (tree.branch_a, K.TERM_OVERDUE, 3, "甲局第一党支部换届已超期"),
        (tree.branch_a, K.PROBATION_END, 2, "预备党员预备期即将期满"),
        (tree.group_a, K.INACTIVITY_WARNING, 2, "党员4个月未参加组织生活"),
        (tree.branch_b, K.TERM_NO_DATA, 4, "乙局第一党支部缺少届次信息"),
        (branch_c, K.TERM_DUE, 5, "换届将于3个月内到期"),
        (third, K.RECTIFICATION_OVERDUE, 1, "整改已逾期"),
    ]
    for org, kind, n, title in plan:
        for _ in range(n):
            i = next(_key)
            Notification.objects.create(
                user=admin,
                kind=kind,
                title=f"{title}（{i}）",
                body="请及时处理。",
                link=f"/orgs/{org.pk}/",
                rule_id="term.renewal.on_time",
                citation="《中国共产党基层组织选举工作条例》（2020）第三条（已核实）",
                org=org,
                dedupe_key=f"{admin.pk}:e2e:{i}",
            )
    return admin


def test_the_inbox_on_a_phone(live_server, browser, tree, inbox_user, screenshot, sign_in):
    from dangjian.rules.models import Notification, NotificationKind

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "gw_inbox", PASSWORD)
        page.goto(live_server.url + reverse("rules:inbox"))
        # The 工委 starts from the digest: one line per unit, not 17 reminders.
        rows = page.locator("#inbox-list .dj-inbox-group")
        assert rows.count() == 3
        assert page.locator("#inbox-list").get_by_text("甲局机关党委").is_visible()
        no_sideways_scroll(page)
        screenshot(page, "inbox-phone-digest")

        # Drill into 甲局: its groups by kind and org.
        unit = page.locator("#inbox-list .dj-inbox-group", has_text="甲局机关党委")
        with page.expect_navigation():
            unit.get_by_role("link", name="查看").click()
        assert "view=groups" in page.url
        assert page.locator("#inbox-list .dj-inbox-group").count() == 3
        no_sideways_scroll(page)
        screenshot(page, "inbox-phone-groups")

        # Filter by kind: only the 换届超期 group is left.
        page.select_option("#f-kind", NotificationKind.TERM_OVERDUE)
        with page.expect_navigation():
            page.get_by_role("button", name="筛选").click()
        groups = page.locator("#inbox-list .dj-inbox-group")
        assert groups.count() == 1
        assert "换届超期提醒" in groups.first.inner_text()
        assert "3 条未读" in groups.first.inner_text()

        # Mark the group read: one click, the page says how many, the group is read.
        with page.expect_navigation():
            groups.first.get_by_role("button", name="标为已读").click()
        assert page.get_by_text("已将 3 条提醒标为已读。").is_visible()
        assert "未读" not in page.locator("#inbox-list .dj-inbox-group").first.inner_text()
        no_sideways_scroll(page)
        screenshot(page, "inbox-phone-group-read")
        assert not Notification.objects.filter(
            user=inbox_user, kind=NotificationKind.TERM_OVERDUE, read_at__isnull=True
        ).exists()
        assert Notification.objects.filter(user=inbox_user, read_at__isnull=True).count() == 14

        # One by one: the rule's title is cited, never its id.
        page.goto(live_server.url + reverse("rules:inbox") + "?view=list")
        text = page.locator("#inbox-list").inner_text()
        assert "任期届满按期换届" in text and "term.renewal" not in text
        no_sideways_scroll(page)
        screenshot(page, "inbox-phone-list")
    finally:
        context.close()
