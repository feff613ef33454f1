"""党费 in a real browser on a phone (390 px): a branch secretary opens the year ledger, sees
members owing, records the quarter's payments for the branch in one go, and the arrears
disappear. Screenshots: test-output/dues-ledger-before.png, dues-payment.png, dues-ledger-after.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def branch(transactional_db, tree, make_user):
    from dangjian.dues import ledger, services
    from dangjian.dues.models import add_months
    from dangjian.members.tests.factories import MemberFactory

    secretary = make_user(
        "branch_secretary", tree.branch_a, username="shuji_dues", first_name="王书记"
    )
    today = services.today()
    current = today.replace(day=1)
    # The last quarter that has ended: its three months are overdue now (欠交).
    first = add_months(ledger.quarter_start(today), -3)
    people = [
        MemberFactory(org=tree.branch_a, name=name, joined_on=dt.date(2010, 1, 1))
        for name in ("周一", "吴二", "郑三")
    ]
    start = add_months(first, -3)
    for person, base in zip(people, ("2800", "4000", "6000"), strict=True):
        services.save_base(
            secretary,
            person,
            year=start.year,
            from_month=start.month,
            category="in_service",
            base=base,
        )
    ledger.generate_through(current, start)
    for person in people:  # the quarter before is paid
        due = sum(d.amount for d in person.dues.filter(month__lt=first))
        services.record_payment(
            secretary,
            person,
            paid_on=min(add_months(start, 2) + dt.timedelta(days=9), today),
            from_month=start,
            to_month=add_months(first, -1),
            amount=str(due),
            method="cash",
        )
    return secretary, people, first


def test_secretary_records_a_quarter_and_the_arrears_disappear(
    live_server, browser, branch, sign_in, screenshot
):
    from playwright.sync_api import expect

    from dangjian.dues.models import DuesPayment, add_months

    _secretary, people, first = branch
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "shuji_dues", PASSWORD)
        ledger_url = live_server.url + reverse("dues:ledger") + f"?year={first.year}"
        page.goto(ledger_url)
        expect(page.locator("[data-owed-members]")).to_have_attribute("data-owed-members", "3")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "dues-ledger-before")

        page.get_by_role("link", name="登记交纳").first.click()
        page.fill("#id_from", f"{first:%Y-%m}")
        page.fill("#id_to", f"{add_months(first, 2):%Y-%m}")
        page.get_by_role("button", name="按所选月份计算应交").click()
        for person in people:
            expect(page.get_by_label(person.name, exact=True)).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "dues-payment")
        with page.expect_navigation():
            page.get_by_role("button", name="登记所勾选党员的交纳").click()
        expect(page.locator(".alert-success, .alert")).to_contain_text("已登记 3 名党员的党费")
        expect(page.locator("[data-owed-members]")).to_have_attribute("data-owed-members", "0")
        screenshot(page, "dues-ledger-after")
        assert DuesPayment.objects.filter(from_month=first).count() == 3
    finally:
        context.close()
