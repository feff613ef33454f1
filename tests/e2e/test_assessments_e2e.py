"""督查考评 in a browser: the 工委 admin fills an assessment with the keyboard (autosaved),
raises a finding from a nonconforming item, the branch's secretary answers the
rectification with evidence, and the 工委 admin closes it (销号)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "Zz9!committee-admin"
SECRETARY_PASSWORD = "Zz9!branch-secretary"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def scene(tree, make_user):
    from dangjian.activities.models import Activity
    from dangjian.assessments.tests.factories import make_campaign, make_framework

    for month in range(1, 13):
        if month != 3:  # 主题党日: 11 of 12 months in the records
            Activity.objects.create(
                org=tree.branch_a,
                kind="theme_day",
                title=f"{month}月主题党日",
                held_on=dt.date(2024, month, 8),
            )
    fw = make_framework(
        [
            {"code": "1", "kind": "section", "text": "三会一课", "category": "三会一课"},
            {
                "code": "1.1",
                "kind": "graded",
                "parent": "1",
                "text": "按月开展主题党日",
                "rule_id": "branch.theme_day.monthly",
                "methods": ["check", "ask"],
            },
            {"code": "1.2", "kind": "pass_fail", "parent": "1", "text": "支部委员会会议记录完整"},
            {
                "code": "2",
                "kind": "score",
                "max_score": 10,
                "text": "按时足额收缴党费",
                "category": "党费",
            },
        ],
        name="基础制度落实抽查调阅清单（测试）",
    )
    campaign = make_campaign(
        fw, tree.root, [tree.branch_a, tree.branch_b], name="2024年基础制度落实抽查"
    )
    make_user("committee_admin", tree.root, username="gw_admin", password=ADMIN_PASSWORD)
    make_user("branch_secretary", tree.branch_a, username="sec_a", password=SECRETARY_PASSWORD)
    return campaign, campaign.assessments.get(target=tree.branch_a)


def login(page, base: str, username: str, password: str) -> None:
    from dangjian.accounts.tests.totp import finish_browser_sign_in

    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    finish_browser_sign_in(page, username)  # the 工委管理员 signs in with a second factor


def test_assess_raise_rectify_and_close(live_server, browser, page, scene, screenshot, tmp_path):
    from playwright.sync_api import expect

    from dangjian.assessments.models import Finding, ItemResult

    campaign, assessment = scene
    base = live_server.url
    login(page, base, "gw_admin", ADMIN_PASSWORD)
    page.goto(base + assessment.get_absolute_url())
    items = {i.code: i.pk for i in campaign.framework.items.all()}
    row = {code: page.locator(f"tr[data-code='{code}']") for code in ("1.1", "1.2", "2")}
    expect(row["1.1"].locator("[data-suggestion]")).to_contain_text("11")
    expect(page.locator("[data-status-action=in_progress]")).to_have_text("开始检查")

    # 1.1: accept the records' suggestion with A; Tab to its note, Tab to its methods
    # (one Tab stop: → moves, Space ticks 查), Tab to 1.2's result.
    method = {m: f"#method-{items['1.1']}-{m}" for m in ("listen", "check")}
    expect(page.locator(f"label[for='{method['check'][1:]}']")).to_have_class(
        re.compile("dj-planned")
    )
    expect(page.locator(f"label[for='{method['listen'][1:]}']")).not_to_have_class(
        re.compile("dj-planned")
    )
    page.focus(f"select[name=result-{items['1.1']}]")
    page.keyboard.press("a")
    expect(page.locator(f"select[name=result-{items['1.1']}]")).not_to_have_value("")
    page.keyboard.press("Tab")
    expect(page.locator(f"input[name=note-{items['1.1']}]")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(method["listen"])).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(method["check"])).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator(method["check"])).to_be_checked()
    expect(page.locator(method["listen"])).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(f"select[name=result-{items['1.2']}]")).to_be_focused()
    # 1.2: 3 = 不符合, a note, then Tab to the 提出问题 button that appeared and press Enter.
    page.keyboard.press("3")
    expect(page.locator(f"select[name=result-{items['1.2']}]")).to_have_value("nonconforming")
    page.keyboard.press("Tab")
    page.keyboard.type("3月、7月支委会无会议记录")
    page.keyboard.press("Tab")  # 1.2's methods: left as they are
    expect(page.locator(f"#method-{items['1.2']}-listen")).to_be_focused()
    page.keyboard.press("Tab")
    raise_button = row["1.2"].locator("[data-raise]")
    expect(raise_button).to_be_focused()
    page.keyboard.press("Enter")
    # Once per item: the button becomes a link to the finding (htmx), focused in its row.
    link = row["1.2"].locator("[data-finding-link]")
    expect(link).to_have_text("查看问题")
    expect(link).to_be_focused()
    expect(row["1.2"].locator("[data-raise]")).to_have_count(0)
    # 2: Tab to its result, 1 = 符合, Tab to the score, 8 points.
    page.keyboard.press("Tab")
    expect(page.locator(f"select[name=result-{items['2']}]")).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("Tab")
    page.keyboard.type("8")
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10_000)
    expect(page.locator("#total-score")).to_have_text("8.00")
    expect(page.locator("#status-label")).to_have_text("检查中")
    # The first autosave moved it to 检查中: the buttons follow without a reload.
    expect(page.locator("[data-status-action=in_progress]")).to_have_count(0)
    expect(page.locator("[data-status-action=in_review]")).to_have_text("提交审核")
    screenshot(page, "assessments-form")

    saved = {r.item.code: r for r in ItemResult.objects.filter(assessment=assessment)}
    assert saved["1.1"].from_records and saved["1.2"].result == "nonconforming"
    assert saved["1.1"].methods == ["check"] and saved["1.2"].methods == []
    assert saved["1.2"].note == "3月、7月支委会无会议记录" and saved["2"].score == 8
    finding = Finding.objects.get()
    assert finding.org_id == assessment.target_id
    assert finding.text == "3月、7月支委会无会议记录"  # the problem, not the standard
    rectification = finding.rectification
    expect(link).to_have_attribute("href", finding.get_absolute_url())

    # 提交审核 → 待审核, then 完成 locks the form in place (inputs disabled, notice shown).
    page.click("[data-status-action=in_review]")
    expect(page.locator("#status-label")).to_have_text("待审核")
    expect(page.locator("[data-status-action=done]")).to_have_text("完成")
    expect(page.locator("[data-status-action=in_progress]")).to_have_text("退回修改")
    expect(page.locator("#locked-notice")).to_be_hidden()
    page.click("[data-status-action=done]")
    expect(page.locator("#status-label")).to_have_text("已完成")
    expect(page.locator("#locked-notice")).to_be_visible()
    expect(page.locator("#locked-notice")).to_contain_text("结果已锁定")
    expect(page.locator("#locked-badge")).to_be_visible()
    expect(page.locator(f"select[name=result-{items['1.2']}]")).to_be_disabled()
    expect(page.locator(f"input[name=note-{items['1.1']}]")).to_be_disabled()
    expect(page.locator("#results-save")).to_be_disabled()
    expect(page.locator(method["check"])).to_be_disabled()
    expect(page.locator("[data-status-action=in_progress]")).to_have_text("重新打开")
    assessment.refresh_from_db()
    assert assessment.status == "done" and assessment.completed_at is not None
    # After a reload a locked assessment is shown read-only.
    page.reload()
    expect(page.locator("#locked-notice")).to_be_visible()
    expect(page.locator("#results-table select")).to_have_count(0)
    # the recorded method is still shown ticked, read-only
    expect(page.locator(method["check"])).to_be_checked()
    expect(page.locator(method["check"])).to_be_disabled()
    expect(page.locator(method["listen"])).not_to_be_checked()
    screenshot(page, "assessments-form-locked")

    # The branch's secretary answers with evidence.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    secretary = context.new_page()
    try:
        login(secretary, base, "sec_a", SECRETARY_PASSWORD)
        secretary.goto(base + reverse("assessments:rectification_board"))
        card = secretary.locator(f"[data-rectification='{rectification.pk}']")
        expect(card).to_contain_text("支委会")
        with secretary.expect_navigation():
            card.click()
        evidence = tmp_path / "支委会会议记录补正.pdf"
        evidence.write_bytes(PDF)
        secretary.fill("textarea[name=measures]", "补开支委会并完善会议记录，建立记录审核制度")
        secretary.fill("textarea[name=evidence_text]", "补正后的会议记录见附件")
        secretary.set_input_files("input[name=files]", str(evidence))
        with secretary.expect_navigation():
            secretary.click("#submit-form button[type=submit]")
        expect(secretary.locator("body")).to_contain_text("已提交整改情况")
        expect(secretary.locator("#rectification-files")).to_contain_text("支委会会议记录补正.pdf")
        expect(secretary.locator("#verify-form")).to_have_count(0)
        screenshot(secretary, "assessments-rectification-submitted")
    finally:
        context.close()

    # The 工委 admin closes it.
    page.goto(base + rectification.get_absolute_url())
    with page.expect_navigation():
        page.click("#verify-form button[value=accept]")
    expect(page.locator("#rectification-status")).to_have_text("已销号")
    screenshot(page, "assessments-rectification-closed")
    page.goto(base + reverse("assessments:rectification_board"))
    expect(page.locator("[data-column=closed]")).to_contain_text("支委会")
    screenshot(page, "assessments-board")
    rectification.refresh_from_db()
    assert rectification.status == "closed" and rectification.verified_by.username == "gw_admin"


def test_a_double_click_raises_one_finding(live_server, page, scene):
    """提出问题 clicked twice in a row: the button is disabled at the first click and the
    service refuses a second finding on the item anyway; a page opened before the finding
    was raised (another tab) opens the existing finding instead of raising a second."""
    from playwright.sync_api import expect

    from dangjian.assessments.models import Finding, ItemResult

    campaign, assessment = scene
    item = campaign.framework.items.get(code="1.2")
    ItemResult.objects.create(
        assessment=assessment, item=item, result="nonconforming", note="会议记录存在补记现象"
    )
    login(page, live_server.url, "gw_admin", ADMIN_PASSWORD)
    url = live_server.url + assessment.get_absolute_url()
    stale = page.context.new_page()
    stale.goto(url)
    page.goto(url)
    row = page.locator("tr[data-code='1.2']")
    row.locator("[data-raise]").dblclick()
    expect(row.locator("[data-finding-link]")).to_have_text("查看问题")
    page.wait_for_timeout(500)  # a second request, had one gone out, would be answered by now
    finding = Finding.objects.get()
    assert finding.text == "会议记录存在补记现象"
    with stale.expect_navigation():
        stale.locator("tr[data-code='1.2'] [data-raise]").click()
    assert stale.url == live_server.url + finding.get_absolute_url()
    expect(stale.locator("body")).to_contain_text("已提出过问题")
    assert Finding.objects.count() == 1


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"页面宽 {width}px，出现横向滚动"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_secretary_answers_on_a_phone(live_server, phone, scene, screenshot, tmp_path, tree):
    """At 390×844: her findings list, her rectification answered with text and a file, and
    the released results of her branch's check — none wider than the screen."""
    from playwright.sync_api import expect

    from dangjian.assessments import services
    from dangjian.assessments.models import ItemResult
    from dangjian.core.scoping import SYSTEM

    campaign, assessment = scene
    items = {i.code: i for i in campaign.framework.items.all()}
    ItemResult.objects.create(
        assessment=assessment, item=items["1.2"], result="nonconforming", note="3月支委会无记录"
    )
    ItemResult.objects.create(assessment=assessment, item=items["2"], result="conforming", score=9)
    finding = services.raise_finding(
        SYSTEM, text="3月支委会无会议记录", assessment=assessment, item=items["1.2"]
    )
    campaign.status, campaign.results_released = "closed", True
    campaign.save()
    assessment.status = "done"
    assessment.save()

    base = live_server.url
    login(phone, base, "sec_a", SECRETARY_PASSWORD)
    phone.goto(base + reverse("assessments:finding_list"))
    expect(phone.locator("body")).to_contain_text("3月支委会无会议记录")
    no_horizontal_scroll(phone)
    screenshot(phone, "assessments-phone-findings")

    phone.goto(base + reverse("assessments:rectification_board"))
    expect(phone.locator("#board-filters")).to_be_hidden()  # folded behind 筛选 on a phone
    no_horizontal_scroll(phone)
    screenshot(phone, "assessments-phone-board")
    with phone.expect_navigation():
        phone.locator(f"[data-rectification='{finding.rectification.pk}']").click()
    expect(phone.locator("#finding-standard")).to_contain_text("支部委员会会议记录完整")
    no_horizontal_scroll(phone)
    evidence = tmp_path / "补正记录.pdf"
    evidence.write_bytes(PDF)
    phone.fill("textarea[name=measures]", "补开支委会并完善会议记录")
    phone.fill("textarea[name=evidence_text]", "补正后的记录见附件")
    phone.set_input_files("input[name=files]", str(evidence))
    screenshot(phone, "assessments-phone-rectification-answer")
    with phone.expect_navigation():
        phone.click("#submit-form button[type=submit]")
    expect(phone.locator("#rectification-status")).to_have_text("已提交")
    expect(phone.locator("#rectification-files")).to_contain_text("补正记录.pdf")
    no_horizontal_scroll(phone)
    screenshot(phone, "assessments-phone-rectification-submitted")

    phone.goto(base + assessment.get_absolute_url())
    expect(phone.locator("#results-table")).to_contain_text("支部委员会会议记录完整")
    expect(phone.locator("tr[data-code='1.2'] [data-finding-link]")).to_have_text("查看问题")
    no_horizontal_scroll(phone)
    screenshot(phone, "assessments-phone-results")
