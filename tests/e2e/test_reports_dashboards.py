"""统计指标 and the dashboards in a browser, at 1440 and 390 px: the values come in by area,
a value opens its records, a chart item opens its records, and nothing is wider than a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!committee-admin"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scene(tree, make_user):
    from dangjian.activities.models import Activity
    from dangjian.members.tests.factories import MemberFactory

    caches["metrics"].clear()
    for month in range(1, 13):
        Activity.objects.create(
            org=tree.branch_a, kind="theme_day", title="主题党日", held_on=dt.date(2024, month, 8)
        )
        if month % 3 == 0:
            Activity.objects.create(
                org=tree.branch_b,
                kind="theme_day",
                title="主题党日",
                held_on=dt.date(2024, month, 9),
            )
    MemberFactory.create_batch(4, org=tree.branch_a, joined_on=dt.date(2015, 1, 1))
    MemberFactory.create_batch(3, org=tree.branch_b, joined_on=dt.date(2015, 1, 1))
    return make_user(
        role="committee_admin", org=tree.root, username="gw_reports", password=PASSWORD
    )


def fits(page, width: int) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"page is {overflow}px wide at {width}px"


def wait_for_values(page) -> None:
    """Scroll through the page so every area is revealed and its values swapped in."""
    for _ in range(80):
        if page.locator("td:has-text('计算中…')").count() == 0:
            return
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(250)
    left = page.locator("tr:has(td:has-text('计算中…'))").evaluate_all(
        "rows => rows.map(r => r.dataset.metric)"
    )
    assert not left, f"areas never loaded: {left}"


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "1440"), (PHONE, "390")])
def test_metrics_page_and_overview(
    live_server, browser, tree, scene, screenshot, sign_in, size, name
):
    context = browser.new_context(locale="zh-CN", viewport=size)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "gw_reports", PASSWORD)

        page.goto(f"{live_server.url}{reverse('reports:metrics')}?year=2024")
        wait_for_values(page)
        member_value = page.locator('tr[data-metric="members.count"] a.dj-metric-value')
        assert member_value.inner_text() == "7"
        fits(page, size["width"])
        screenshot(page, f"reports-metrics-{name}")

        with page.expect_navigation():
            member_value.click()
        assert reverse("reports:metric_records", args=["members.count"]) in page.url
        assert page.locator("#records-table tbody tr").count() == 7
        assert page.locator("#metric-value").inner_text() == "7"
        fits(page, size["width"])
        screenshot(page, f"reports-records-{name}")

        page.goto(f"{live_server.url}{reverse('reports:overview')}?year=2024")
        chart = page.locator("#chart-compliance-box")
        chart.locator("canvas").first.wait_for()
        page.wait_for_function(
            "() => { const c = window.echarts && echarts.getInstanceByDom("
            "document.getElementById('chart-compliance-box'));"
            " return c && c.getOption().series[0].data.length === 12; }"
        )
        assert page.locator("#unit-table tbody tr").count() == 2
        fits(page, size["width"])
        screenshot(page, f"reports-overview-{name}")

        # the 3rd month's point of the compliance line: its records (the orgs behind)
        chart.scroll_into_view_if_needed()
        x, y = page.evaluate(
            "() => { const c = echarts.getInstanceByDom(document.getElementById('chart-compliance-box'));"
            " const v = c.getOption().series[0].data[2].value;"
            " return c.convertToPixel({seriesIndex: 0}, [2, v]); }"
        )
        box = chart.bounding_box()
        with page.expect_navigation():
            page.mouse.click(box["x"] + x, box["y"] + y)
        assert reverse("rules:compliance_behind") in page.url
        screenshot(page, f"reports-overview-click-{name}")

        page.goto(
            f"{live_server.url}{reverse('reports:unit_profile', args=[tree.unit_a.pk])}?year=2024"
        )
        page.locator("#chart-compliance-box canvas").first.wait_for()
        fits(page, size["width"])
        screenshot(page, f"reports-unit-{name}")
    finally:
        context.close()


def test_screen_view_draws_every_chart(live_server, browser, tree, scene, screenshot, sign_in):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "gw_reports", PASSWORD)
        page.goto(f"{live_server.url}{reverse('reports:overview_screen')}?year=2024")
        page.locator("#chart-compliance-box canvas").first.wait_for()
        boxes = page.locator("[data-echarts]").count()
        assert boxes >= 2
        page.wait_for_function(
            "(n) => document.querySelectorAll('[data-echarts][data-mounted]').length === n",
            arg=boxes,
        )
        screenshot(page, "reports-screen")
    finally:
        context.close()
