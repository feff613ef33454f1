"""Meeting notices in the browser: the secretary schedules one, a member reads it on their
phone, the secretary sees the receipt, and after the meeting records it — the same row,
everything kept — at desktop and phone size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.browser

SECRETARY_PASSWORD = "Zz9!branch-secretary"
MEMBER_PASSWORD = "Zz9!party-member-01"
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def branch(tree, make_user):
    from dangjian.members.models import Member

    members = [
        Member.objects.create(
            org=tree.group_a if i % 3 == 0 else tree.branch_a,
            name=f"党员{i:02d}",
            gender="female",
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        )
        for i in range(8)
    ]
    secretary = make_user(
        "branch_secretary", tree.branch_a, username="sec_a", password=SECRETARY_PASSWORD
    )
    reader = make_user("party_member", tree.branch_a, username="dy_a", password=MEMBER_PASSWORD)
    Member.objects.filter(pk=members[0].pk).update(account=secretary)
    Member.objects.filter(pk=members[4].pk).update(account=reader)
    return members


def session(browser, size: str):
    context = browser.new_context(locale="zh-CN", viewport=SIZES[size])
    context.set_default_timeout(15_000)
    return context, context.new_page()


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_schedule_read_and_record(live_server, browser, tree, branch, screenshot, size):
    from playwright.sync_api import expect

    from dangjian.activities.models import Activity, NoticeReceipt

    day = timezone.localdate() + dt.timedelta(days=5)
    sec_context, sec = session(browser, size)
    member_context, member = session(browser, "phone")
    try:
        # 1. The secretary schedules a 支部党员大会 for everyone (the default).
        login(sec, live_server.url, "sec_a", SECRETARY_PASSWORD)
        sec.goto(live_server.url + reverse("activities:notice_add"))
        expect(sec.locator("select[name=org]")).to_have_value(str(tree.branch_a.pk))
        sec.select_option("select[name=kind]", "member_assembly")
        sec.fill("input[name=planned_on]", day.isoformat())
        sec.dispatch_event("input[name=planned_on]", "change")
        expect(sec.locator("#invitees input[name=invitee]")).to_have_count(8)
        expect(sec.locator("input[name=title]")).to_have_value(
            f"{day.year}年{day.month}月支部党员大会"
        )
        sec.fill("input[name=starts_at]", "14:30")
        sec.fill("input[name=ends_at]", "16:00")
        sec.fill("input[name=place]", "三楼会议室")
        sec.fill("input[name=agenda_title] >> nth=0", "传达学习重要讲话精神")
        sec.check("input[name=agenda_first] >> nth=0")
        if size == "phone":
            fits(sec)
        screenshot(sec, f"notice-form-{size}")
        with sec.expect_navigation():
            sec.click("#notice-save")
        expect(sec.locator("body")).to_contain_text("已发布会议通知，8 名党员")
        # She is one of the branch's members: opening the notice was reading it.
        expect(sec.locator("#receipt-count")).to_have_text("已读 1 / 8")
        notice = Activity.objects.get()
        assert notice.held_on is None and notice.place == "三楼会议室"

        # 2. A member opens it on their phone: the receipt is recorded, nothing to click.
        login(member, live_server.url, "dy_a", MEMBER_PASSWORD)
        member.goto(live_server.url + reverse("activities:notice_detail", args=[notice.pk]))
        expect(member.locator("body")).to_contain_text("三楼会议室")
        expect(member.locator("body")).to_contain_text("您已于")
        expect(member.locator("body")).not_to_contain_text("回执")
        fits(member)
        screenshot(member, f"notice-member-{size}")
        assert NoticeReceipt.objects.filter(activity=notice, read_at__isnull=False).count() == 2

        # 3. The secretary sees who has read it.
        sec.reload()
        expect(sec.locator("#receipt-count")).to_have_text("已读 2 / 8")
        expect(sec.locator(".dj-receipts")).to_contain_text("党员04")
        if size == "phone":
            fits(sec)
        screenshot(sec, f"notice-receipts-{size}")
        sec.goto(live_server.url + reverse("activities:notice_list"))
        expect(sec.locator(".dj-notice-card")).to_have_count(1)
        if size == "phone":
            fits(sec)
        screenshot(sec, f"notice-list-{size}")

        # 4. On the day, "record it": the notice's time, place and agenda are there, the
        # people expected pre-filled as 出席; one is marked on leave.
        Activity.objects.filter(pk=notice.pk).update(planned_on=timezone.localdate())
        sec.goto(live_server.url + reverse("activities:notice_detail", args=[notice.pk]))
        with sec.expect_navigation():
            sec.click("text=登记会议记录")
        expect(sec.locator("input[name=place]")).to_have_value("三楼会议室")
        expect(sec.locator("input[name=hours]")).to_have_value("1.5")
        expect(sec.locator("input[name=agenda_title] >> nth=0")).to_have_value(
            "传达学习重要讲话精神"
        )
        expect(sec.locator("#attendance .dj-att-row")).to_have_count(8)
        sec.click(f"label[for=att-{branch[2].pk}-leave]")
        sec.fill(f"input[name=reason-{branch[2].pk}]", "病假")
        if size == "phone":
            fits(sec)
        screenshot(sec, f"notice-record-{size}")
        with sec.expect_navigation():
            sec.click("#record-save")
        expect(sec.locator("body")).to_contain_text("已保存组织生活记录")
        if size == "phone":
            fits(sec)
        screenshot(sec, f"notice-recorded-{size}")
        held = Activity.objects.get()
        assert held.pk == notice.pk and held.held_on == timezone.localdate()
        assert held.participations.filter(status="attended", hours=1.5).count() == 7
        assert held.receipts.filter(read_at__isnull=False).count() == 2

        # The member sees the record with their own row, not the others' reasons.
        member.goto(live_server.url + reverse("activities:activity_detail", args=[held.pk]))
        expect(member.locator("body")).to_contain_text("党员04")
        expect(member.locator("body")).not_to_contain_text("病假")
        fits(member)
        screenshot(member, f"notice-member-record-{size}")
    finally:
        sec_context.close()
        member_context.close()
