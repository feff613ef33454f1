"""One person from the 入党申请书 to 转正 in the browser.

The branch secretary registers the applicant and records the branch's steps on the
person's 纪实 page (the next step's form is on the page: date, people, votes); a refused
step shows the service's Chinese message and its article; the unit's admin records the
upper committee's steps (预审, 志愿书 number, 派人谈话, 审批, 备案, 转正审批). On a phone
(390 × 844) and on a desktop; the phone pages never scroll sideways.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.recruitment.tests.factories import CALENDAR

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!recruitment-e2e"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
VOTE = {"expected": "9", "present": "8", "votes_yes": "8", "votes_no": "0", "votes_abstain": "0"}
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
UPPER = {13, 16, 17, 18, 24}  # the upper committee's steps: the unit admin records them


def top(page, name: str) -> None:
    """What the phone shows without scrolling (the full-page shots are very tall)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


@pytest.fixture
def people(tree, make_user):
    from dangjian.members.models import Member
    from dangjian.recruitment.models import ApplicationFormPool

    members = [
        Member.objects.create(
            org=tree.branch_a,
            name=name,
            gender="male",
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        )
        for name in ("周联系", "吴介绍", "郑介绍")
    ]
    ApplicationFormPool.objects.create(
        org=tree.unit_a, year=timezone.localdate().year, first=1, last=999
    )
    make_user("branch_secretary", tree.branch_a, username="sec_a", password=PASSWORD)
    make_user("unit_admin", tree.unit_a, username="unit_a", password=PASSWORD)
    return members


def login(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def record(page, step: int, people, *, date: str | None = None) -> None:
    """Fill the next step's form on the 纪实 page and submit it."""
    form = "form[data-dj-step-form]"
    options = page.eval_on_selector_all(
        f"{form} select[name=step] option", "o => o.map(x => x.value)"
    )
    assert str(step) in options, (step, options)
    page.select_option(f"{form} select[name=step]", str(step))
    page.fill(f"{form} input[name=done_on]", date or CALENDAR[step].isoformat())
    if step in (2, 5, 16):
        page.select_option(f"{form} select[name=person_1]", str(people[0].pk))
    if step == 9:
        page.select_option(f"{form} select[name=person_1]", str(people[1].pk))
        page.select_option(f"{form} select[name=person_2]", str(people[2].pk))
    if step == 10:
        page.fill(f"{form} textarea[name=political_review]", "政治审查合格")
    if step == 11:
        page.fill(f"{form} input[name=training_days]", "3")
    if step in (12, 15, 23):
        for name, value in VOTE.items():
            page.fill(f"{form} input[name={name}]", value)
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_application_to_conversion(live_server, browser, tree, people, screenshot, size):
    from dangjian.members.models import MemberStatus
    from dangjian.recruitment.models import Applicant, Stage

    viewport = PHONE if size == "phone" else DESKTOP
    secretary = browser.new_context(locale="zh-CN", viewport=viewport)
    admin = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    secretary.set_default_timeout(15_000)
    admin.set_default_timeout(15_000)
    try:
        sec, adm = secretary.new_page(), admin.new_page()
        login(sec, live_server.url, "sec_a")
        login(adm, live_server.url, "unit_a")

        # The secretary registers the applicant (step 1) from the pipeline page.
        sec.goto(live_server.url + reverse("recruitment:pipeline"))
        sec.click("text=登记入党申请人")
        sec.fill("input[name=name]", "陈新同")
        sec.select_option("select[name=gender]", "female")
        sec.fill("input[name=birth_date]", "1995-05-20")
        sec.fill("input[name=applied_on]", "2022-01-10")
        if size == "phone":
            no_sideways_scroll(sec)
            screenshot(sec, "recruitment-add-phone")
        with sec.expect_navigation():
            sec.click("button:has-text('登记')")
        assert "已登记入党申请人陈新同" in sec.content()
        applicant = Applicant.objects.get(name="陈新同")
        detail = live_server.url + reverse("recruitment:applicant_detail", args=[applicant.pk])

        # A talk two months after the application is refused, with the article cited.
        record(sec, 2, people, date="2022-03-20")
        error = sec.locator(".invalid-feedback, .alert-danger").first
        assert "一个月内" in sec.content() and "第七条" in sec.content()
        assert error.is_visible()
        if size == "phone":
            no_sideways_scroll(sec)
            screenshot(sec, "recruitment-step-error-phone")
            top(sec, "recruitment-step-error-phone-top")

        for step in range(2, 26):
            if step == 14:  # the unit issues the 志愿书 number from its pool after the 预审
                adm.goto(detail)
                with adm.expect_navigation():
                    adm.click("button:has-text('发放编号')")
                assert "已发放入党志愿书编号" in adm.content()
            who = adm if step in UPPER else sec
            who.goto(detail)
            record(who, step, people)
            assert "已登记" in who.content(), (step, who.url)
            if step == 7 and size == "phone":
                no_sideways_scroll(sec)
                screenshot(sec, "recruitment-detail-phone")
                sec.goto(detail)
                top(sec, "recruitment-detail-phone-top")

        applicant.refresh_from_db()
        assert applicant.stage == Stage.FULL and applicant.last_step == 25
        assert applicant.member.status == MemberStatus.FULL
        assert applicant.member.full_member_on == dt.date(2024, 6, 1)

        sec.goto(detail)
        assert "登记下一步" not in sec.content()
        assert "材料归档" in sec.content()
        sec.goto(live_server.url + reverse("recruitment:pipeline"))
        if size == "phone":
            no_sideways_scroll(sec)
            screenshot(sec, "recruitment-pipeline-phone")
        else:
            screenshot(sec, "recruitment-pipeline-desktop")
            sec.goto(detail)
            screenshot(sec, "recruitment-detail-desktop")
    finally:
        secretary.close()
        admin.close()
