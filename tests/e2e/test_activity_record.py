"""A branch secretary records a meeting with its attendance on one screen (htmx table reload)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!branch-secretary"


@pytest.fixture
def branch_members(tree, make_user):
    from dangjian.members.models import Exemption, Member

    members = [
        Member.objects.create(
            org=tree.group_a if i % 4 == 0 else tree.branch_a,
            name=f"党员{i:02d}",
            gender="male",
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        )
        for i in range(12)
    ]
    Exemption.objects.create(
        member=members[1], reason="elderly_infirm", starts_on=dt.date(2024, 1, 1)
    )
    make_user("branch_secretary", tree.branch_a, username="sec_a", password=PASSWORD)
    return members


def test_record_meeting_on_one_screen(live_server, page, tree, branch_members, screenshot):
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", "sec_a")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")

    page.goto(live_server.url + reverse("activities:activity_add"))
    page.select_option("select[name=org]", str(tree.branch_a.pk))
    page.select_option("select[name=kind]", "member_assembly")
    page.fill("input[name=held_on]", "2024-05-10")
    page.dispatch_event("input[name=held_on]", "change")
    rows = page.locator("#attendance tbody tr")
    expect(rows).to_have_count(12)  # the branch and its 党小组, loaded without a page reload
    expect(page.locator(f"select[name=att-{branch_members[1].pk}]")).to_have_value("exempt")

    page.fill("input[name=title]", "五月支部党员大会")
    page.fill("input[name=agenda_title] >> nth=0", "传达学习重要讲话精神")
    page.check("input[name=agenda_first] >> nth=0")
    page.select_option(f"select[name=att-{branch_members[2].pk}]", "leave")
    page.fill(f"input[name=reason-{branch_members[2].pk}]", "出差")
    screenshot(page, "activities-record-form")
    with page.expect_navigation():
        page.click("#record-form button[type=submit]:not([name])")

    expect(page.locator("body")).to_contain_text("已保存组织生活记录")
    expect(page.locator("body")).to_contain_text("第一议题")
    expect(page.locator("body")).to_contain_text("达到法定人数")
    screenshot(page, "activities-detail")
    activity = Activity.objects.get()
    assert activity.participations.filter(status="attended").count() == 10
    assert activity.participations.get(member=branch_members[2]).reason == "出差"
