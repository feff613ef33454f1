"""The compliance heatmap in a browser: ECharts renders it, a click drills down to the cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!committee-admin"


@pytest.fixture
def scene(tree, make_user):
    from dangjian.activities.models import Activity

    def held(org, kind, day):
        Activity.objects.create(org=org, kind=kind, title=f"{kind} {day}", held_on=day)

    for month in range(1, 13):
        held(tree.branch_a, "theme_day", dt.date(2024, month, 8))
        held(tree.group_a, "group_meeting", dt.date(2024, month, 9))
        if month % 2:
            held(tree.branch_b, "theme_day", dt.date(2024, month, 10))
    for quarter_start in (1, 4, 7, 10):
        held(tree.branch_a, "member_assembly", dt.date(2024, quarter_start, 15))
        held(tree.branch_a, "party_lecture", dt.date(2024, quarter_start, 16))
    held(tree.branch_a, "life_meeting", dt.date(2024, 12, 20))
    return make_user(role="committee_admin", org=tree.root, username="gw_admin", password=PASSWORD)


def test_heatmap_renders_and_a_cell_drills_down(
    live_server, page, tree, scene, screenshot, sign_in
):
    sign_in(page, live_server.url, "gw_admin", PASSWORD)  # with the 工委管理员's second factor

    page.goto(live_server.url + reverse("rules:compliance") + "?year=2024")
    chart = page.locator("#compliance-heatmap")
    chart.locator("canvas").first.wait_for()
    page.wait_for_function(
        "() => { const c = window.echarts && echarts.getInstanceByDom(document.getElementById('compliance-heatmap'));"
        " return c && c.getOption().series[0].data.length > 0; }"
    )
    assert page.locator("#compliance-table tbody tr").count() == 2
    screenshot(page, "rules-heatmap")

    # Click 甲局's January cell: ECharts converts the data coordinate to a pixel.
    x, y = page.evaluate(
        "() => { const el = document.getElementById('compliance-heatmap');"
        " const c = echarts.getInstanceByDom(el);"
        " const names = c.getOption().yAxis[0].data;"
        " return c.convertToPixel({seriesIndex: 0}, [0, names.indexOf('甲局机关党委')]); }"
    )
    box = chart.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert reverse("rules:compliance_cell") in page.url and f"org={tree.unit_a.pk}" in page.url
    assert page.locator("#cell-results").get_by_text("党支部每月开展1次主题党日").count() == 1
    assert page.locator("#cell-results").get_by_text("查看活动").count() >= 1
    screenshot(page, "rules-heatmap-drilldown")


UNIT_PASSWORD = "Zz9!unit-admin-pass"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def unit_scene(tree, make_user):
    """甲局 with 24 branches (each with a 党小组) that held from 0 to 11 theme days in 2024;
    its first branch held every monthly one."""
    from dangjian.activities.models import Activity
    from dangjian.orgs.models import Organization, OrgKind

    for month in range(1, 13):
        Activity.objects.create(
            org=tree.branch_a, kind="theme_day", title="主题党日", held_on=dt.date(2024, month, 8)
        )

    for i in range(24):
        branch = Organization.objects.get(pk=tree.unit_a.pk).add_child(
            kind=OrgKind.BRANCH, name=f"甲局第{i + 2}党支部"
        )
        Organization.objects.get(pk=branch.pk).add_child(
            kind=OrgKind.PARTY_GROUP, name="第一党小组"
        )
        for month in range(1, 1 + i % 12):
            Activity.objects.create(
                org=branch, kind="theme_day", title="主题党日", held_on=dt.date(2024, month, 8)
            )
    return make_user(
        role="unit_admin", org=tree.unit_a, username="dw_admin", password=UNIT_PASSWORD
    )


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def open_as_unit_admin(browser, live_server, sign_in, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, "dw_admin", UNIT_PASSWORD)
    page.goto(live_server.url + reverse("rules:compliance") + "?year=2024")
    return context, page


def table_order(page) -> list[str]:
    return page.eval_on_selector_all(
        "#compliance-table tbody tr", "rows => rows.map(r => r.dataset.org)"
    )


def test_unit_admin_desktop_every_level_worst_first_sticky_months(
    live_server, browser, tree, unit_scene, screenshot, sign_in
):
    from dangjian.orgs.models import Organization

    context, page = open_as_unit_admin(browser, live_server, sign_in, DESKTOP)
    try:
        page.wait_for_function(
            "() => { const c = window.echarts && echarts.getInstanceByDom(document.getElementById('compliance-heatmap'));"
            " return c && c.getOption().series[0].data.length > 0; }"
        )
        order = [int(pk) for pk in table_order(page)]
        # Every level: the 24 branches, the first branch and the 党小组 under branches.
        groups = set(
            Organization.objects.filter(
                path__startswith=tree.unit_a.path, kind="party_group"
            ).values_list("pk", flat=True)
        )
        assert len(order) > 26 and groups & set(order)
        # Worst first: the branch that held nothing comes before the one that held 11.
        worst = Organization.objects.get(name="甲局第2党支部").pk  # i = 0: no theme day
        best = Organization.objects.get(name="甲局第13党支部").pk  # i = 11
        assert order.index(worst) < order.index(best)
        # The chart's first label is the worst row too.
        first = page.evaluate(
            "() => { const o = echarts.getInstanceByDom(document.getElementById('compliance-heatmap')).getOption();"
            " return o.yAxis[0].data[o.yAxis[0].data.length - 1]; }"
        )
        assert first == "甲局第2党支部"
        # The table repeating the chart is folded.
        assert page.eval_on_selector("#compliance-table-details", "d => d.open") is False
        assert not page.locator("#compliance-table").is_visible()
        screenshot(page, "rules-heatmap-unit-desktop")

        # Scroll half-way down the map: the month header stays at the top of the screen.
        head = page.locator("#compliance-months")
        page.evaluate(
            "() => { const c = document.getElementById('compliance-heatmap');"
            " const y = c.getBoundingClientRect().top + window.scrollY + c.offsetHeight / 2;"
            " window.scrollTo({top: y, behavior: 'instant'}); }"  # Tabler scrolls smoothly
        )
        top = page.evaluate(
            "() => document.getElementById('compliance-months').getBoundingClientRect().top"
        )
        assert abs(top) <= 1, f"the month header is at {top}px, not stuck to the top"
        assert head.is_visible() and "6月" in head.inner_text()
        chart_top = page.evaluate(
            "() => document.getElementById('compliance-heatmap').getBoundingClientRect().top"
        )
        assert chart_top < 0  # the chart's own top is scrolled away
        page.screenshot(path=str(_out("rules-heatmap-unit-sticky")))  # the viewport only
        no_sideways_scroll(page)
    finally:
        context.close()


def _out(name: str):
    from tests.e2e.conftest import OUTPUT_DIR

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR / f"{name}.png"


def test_unit_admin_phone_reads_the_heatmap_as_cards(
    live_server, browser, tree, unit_scene, screenshot, sign_in
):
    context, page = open_as_unit_admin(browser, live_server, sign_in, PHONE)
    try:
        # The chart is not drawn on a phone; the table is unfolded and reads as cards.
        assert not page.locator("#compliance-heatmap").is_visible()
        page.wait_for_function("() => document.getElementById('compliance-table-details').open")
        first = page.locator("#compliance-table tbody tr").first
        assert first.is_visible()
        box = first.bounding_box()
        assert box["width"] <= 390
        # Twelve month tiles in two lines of six, each labelled by its month.
        tiles = first.locator("td:not(.dj-org):not(.dj-year):not(.dj-behind)")
        assert tiles.count() == 12
        label = page.evaluate(
            "el => getComputedStyle(el, '::before').content",
            tiles.nth(5).element_handle(),
        )
        assert "counter(dj-month)" in label  # "6月": the screenshot shows it
        rows = {round(tiles.nth(i).bounding_box()["y"]) for i in range(12)}
        assert len(rows) == 2
        assert "甲局第2党支部" in first.inner_text()  # the worst first
        no_sideways_scroll(page)
        screenshot(page, "rules-heatmap-unit-phone")
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(_out("rules-heatmap-unit-phone-screen")))  # what one sees
    finally:
        context.close()
