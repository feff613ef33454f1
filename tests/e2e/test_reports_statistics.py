"""党内统计 in a browser at 1440 and 390 px: the unit admin opens the page for a hand-built
year, sees the balance check with the members to fix (each a link to the record), switches
the scope with the org picker, and downloads the xlsx."""

from __future__ import annotations

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!unit-admin-stats"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scene(tree, make_user):
    from dangjian.reports.tests.statistics_helpers import year_2024

    people = year_2024(tree)
    make_user(role="unit_admin", org=tree.unit_a, username="dw_stats", password=PASSWORD)
    return people


def fits(page, width: int) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width + 1, f"page is {wide}px wide at {width}px"


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "1440"), (PHONE, "390")])
def test_statistics_page_and_download(
    live_server, browser, tree, scene, screenshot, sign_in, size, name, tmp_path
):
    context = browser.new_context(locale="zh-CN", viewport=size, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "dw_stats", PASSWORD)
        page.goto(f"{live_server.url}{reverse('reports:statistics')}?year=2024")
        balance = page.locator("#stat-balance")
        assert "不平衡" in balance.inner_text()
        assert "上年末 8" in balance.inner_text()
        assert page.locator("#stat-mismatches .list-group-item").count() == 2
        assert page.locator("#stat-table-age").is_visible()
        fits(page, size["width"])
        screenshot(page, f"reports-statistics-{name}")

        with page.expect_download() as info:
            page.click("#stat-export")
        path = tmp_path / "stats.xlsx"
        info.value.save_as(path)
        wb = load_workbook(path)
        assert "平衡检查明细" in wb.sheetnames
        assert "党员入党时间" in wb.sheetnames

        # A member to fix opens their record.
        with page.expect_navigation():
            page.locator(f'#stat-mismatches [data-member="{scene.m9.pk}"] a').click()
        assert reverse("members:member_detail", args=[scene.m9.pk]) in page.url

        # The branch as the scope, through the org picker.
        page.goto(f"{live_server.url}{reverse('reports:statistics')}?year=2024")
        page.select_option("#stat-org", str(tree.branch_a.pk))
        with page.expect_navigation():
            page.click("#stat-filter button[type=submit]")
        assert (
            "甲局第一党支部 2024年 党内统计"
            in page.locator("#stat-filter").locator("..").inner_text()
        )

        # Another unit's branch is outside the scope: the same answer as a missing page.
        response = page.goto(
            f"{live_server.url}{reverse('reports:statistics')}?year=2024&org={tree.branch_b.pk}"
        )
        assert response is not None and response.status == 404
    finally:
        context.close()
