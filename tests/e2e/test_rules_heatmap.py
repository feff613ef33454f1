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
