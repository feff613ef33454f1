"""A branch secretary records a meeting with its attendance on one screen.

The form fills in what the platform knows (her branch, today, a title, herself as 主持人,
everyone expected as 出席, one 学时 for all from the start and end time), so recording a
30-person 支部党员大会 with two on leave, one absent, a 第一议题 and the sign-in sheet is a
few clicks. The count of clicks and typed fields is measured here, at desktop and phone
size, and the phone page must not scroll sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!branch-secretary"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# Measured on the form before issue 9 (same scenario, same counting): 10 clicks or choices
# and 34 typed fields — org, kind, date, title, times, 27 × 学时, then upload after saving.
BEFORE = {"clicks": 10, "typed": 34}


class Tally:
    """Drives the page and counts what a user does: a click, a choice in a list, a tick or
    a file pick is a click; a text, date, time or number typed is a typed field."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)

    def choose(self, selector: str, value: str) -> None:
        self.clicks += 1
        self.page.select_option(selector, value)

    def check(self, selector: str) -> None:
        self.clicks += 1
        self.page.check(selector)

    def fill(self, selector: str, value: str) -> None:
        self.typed += 1
        self.page.fill(selector, value)

    def upload(self, selector: str, path: str) -> None:
        self.clicks += 1
        self.page.set_input_files(selector, path)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


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


def login(page, base_url: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.fill("input[name=username]", "sec_a")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_record_meeting_on_one_screen(live_server, page, tree, branch_members, screenshot):
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity

    login(page, live_server.url)
    page.goto(live_server.url + reverse("activities:activity_add"))
    # Her only branch is chosen already; the list loads when kind and date are set.
    expect(page.locator("select[name=org]")).to_have_value(str(tree.branch_a.pk))
    page.select_option("select[name=kind]", "member_assembly")
    page.fill("input[name=held_on]", "2024-05-09")
    page.dispatch_event("input[name=held_on]", "change")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#attendance .dj-att-row")
    expect(rows).to_have_count(12)  # the branch and its 党小组, loaded without a page reload
    expect(page.locator(f"#att-{branch_members[1].pk}-exempt")).to_be_checked()
    expect(page.locator("input[name=title]")).to_have_value("2024年5月支部党员大会")
    # 培训类型 and 服务类型 are not asked for a 党员大会.
    expect(page.locator("select[name=training_type]")).to_be_hidden()
    expect(page.locator("select[name=service_type]")).to_be_hidden()

    page.fill("input[name=agenda_title] >> nth=0", "传达学习重要讲话精神")
    page.check("input[name=agenda_first] >> nth=0")
    reason = page.locator(f"input[name=reason-{branch_members[2].pk}]")
    expect(reason).to_be_hidden()  # asked only when someone is away
    page.click(f"label[for=att-{branch_members[2].pk}-leave]")
    expect(reason).to_be_visible()
    reason.fill("出差")
    # Another date reloads the list; what she marked stays marked.
    page.fill("input[name=held_on]", "2024-05-10")
    page.dispatch_event("input[name=held_on]", "change")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#att-{branch_members[2].pk}-leave")).to_be_checked()
    expect(reason).to_have_value("出差")
    expect(page.locator("input[name=title]")).to_have_value("2024年5月支部党员大会")
    screenshot(page, "activities-record-form")
    with page.expect_navigation():
        page.click("#record-save")

    expect(page.locator("body")).to_contain_text("已保存组织生活记录")
    expect(page.locator("body")).to_contain_text("第一议题")
    expect(page.locator("body")).to_contain_text("达到法定人数")
    screenshot(page, "activities-detail")
    activity = Activity.objects.get()
    assert activity.title == "2024年5月支部党员大会"
    assert activity.participations.filter(status="attended").count() == 10
    assert activity.participations.get(member=branch_members[2]).reason == "出差"


@pytest.fixture
def thirty(tree, make_user):
    """A branch of 30 members; the secretary's account is linked to the first of them."""
    from dangjian.members.models import Member

    members = [
        Member.objects.create(
            org=tree.branch_a,
            name=f"党员{i:02d}",
            gender="male",
            birth_date=dt.date(1970 + i, 3, 1),
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        )
        for i in range(30)
    ]
    # Two members of the same name: told apart by their birth year.
    Member.objects.filter(pk__in=[members[10].pk, members[11].pk]).update(name="李帅")
    user = make_user("branch_secretary", tree.branch_a, username="sec_a", password=PASSWORD)
    Member.objects.filter(pk=members[0].pk).update(account=user)
    return members


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_thirty_person_assembly_in_few_steps(
    live_server, browser, tree, thirty, screenshot, tmp_path, size
):
    """The measured scenario: 30 expected, 2 on leave with a reason, 1 absent, times (the
    学时 follows), a 第一议题, the sign-in sheet attached before the first save."""
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity

    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, live_server.url)
        sheet = tmp_path / "签到表.png"
        sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        tally = Tally(page)
        page.goto(live_server.url + reverse("activities:activity_add"))
        tally.choose("select[name=kind]", "member_assembly")
        expect(page.locator("#attendance .dj-att-row")).to_have_count(30)
        today = timezone.localdate()
        expect(page.locator("input[name=title]")).to_have_value(
            f"{today.year}年{today.month}月支部党员大会"
        )
        expect(page.locator("select[name=host]")).to_have_value(str(thirty[0].pk))
        host_options = page.locator("select[name=host] option").all_inner_texts()
        assert "李帅（1980年生）" in host_options and "李帅（1981年生）" in host_options
        tally.fill("input[name=starts_at]", "14:00")
        tally.fill("input[name=ends_at]", "16:00")
        page.dispatch_event("input[name=ends_at]", "change")
        expect(page.locator("input[name=hours]")).to_have_value("2")
        tally.fill("input[name=agenda_title] >> nth=0", "传达学习重要讲话精神")
        tally.check("input[name=agenda_first] >> nth=0")
        for m in thirty[1:3]:
            tally.click(f"label[for=att-{m.pk}-leave]")
            tally.fill(f"input[name=reason-{m.pk}]", "出差")
        tally.click(f"label[for=att-{thirty[3].pk}-absent]")
        tally.upload("input[name=attachments]", str(sheet))
        if size == "phone":
            no_sideways_scroll(page)
        screenshot(page, f"activities-record-30-{size}")
        with page.expect_navigation():
            tally.click("#record-save")
        expect(page.locator("body")).to_contain_text("已保存组织生活记录")
        if size == "phone":
            no_sideways_scroll(page)
        screenshot(page, f"activities-detail-30-{size}")

        activity = Activity.objects.get()
        assert activity.host_id == thirty[0].pk
        assert activity.participations.filter(status="attended", hours=2).count() == 27
        assert activity.participations.filter(status="leave", reason="出差").count() == 2
        assert activity.attachments.count() == 1
        print(f"\n{size}: clicks {tally.clicks}, typed {tally.typed} (before: {BEFORE})")
        assert tally.clicks + tally.typed <= 12
        assert tally.typed < BEFORE["typed"] / 4
    finally:
        context.close()
