"""统计指标, the records behind a figure, and the dashboards (reports/dashboards)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from dangjian.core.metrics import registry
from dangjian.core.services import emit
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    table_rows,
)
from dangjian.members.tests.factories import MemberFactory
from dangjian.reports.dashboards import areas, values

BASELINES = Path(__file__).with_name("dashboards_query_counts.json")
pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Values are cached per user, scope and data version: a test starts with none.
    caches["metrics"].clear()
    yield
    caches["metrics"].clear()


@pytest.fixture
def gongwei(client, tree, make_user):
    user = make_user("committee_admin", tree.root)
    client.force_login(user)
    return user


def group_html(client, key: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"year": YEAR, **params}.items())
    response = client.get(f"{reverse('reports:metric_group', args=[key])}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def value_of(page: str, metric_id: str) -> str:
    row = re.search(rf'<tr data-metric="{re.escape(metric_id)}">(.*?)</tr>', page, re.S)
    assert row, f"{metric_id} not on the page"
    cell = re.search(r'class="dj-metric-value"[^>]*>([^<]*)<', row.group(1))
    assert cell, f"{metric_id} has no linked value"
    return cell.group(1)


# --- the page ---------------------------------------------------------------------------


def test_page_lists_every_registered_metric_by_area(client, gongwei):
    response = client.get(reverse("reports:metrics"), {"year": YEAR})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for m in registry.all():
        assert f'data-metric="{m.id}"' in page
        assert str(m.label) in page
    for g in areas.groups():
        assert f'id="group-{g.key}"' in page
        assert g.name in page
    # values are not computed on the page itself: each area asks when shown
    assert page.count('hx-trigger="revealed"') == len(areas.groups())


def test_each_area_shows_values_linked_to_records_with_last_year(client, gongwei):
    for g in areas.groups():
        page = group_html(client, g.key)
        for m in g.metrics:
            assert f'data-metric="{m.id}"' in page
            if m.drilldown is not None:
                assert reverse("reports:metric_records", args=[m.id]) in page


def test_areas_by_prefix_and_unknown_prefix_goes_to_other():
    assert areas.area_of("dues.collected") == "dues"
    assert areas.area_of("honors.excellent_members") == "honors"
    assert areas.area_of("compliance.branch.theme_day.monthly") == "compliance"
    assert areas.area_of("newapp.figure") == areas.OTHER
    listed = [m.id for g in areas.groups() for m in g.metrics]
    assert sorted(listed) == sorted(m.id for m in registry.all())


def test_member_count_counts_the_scope_and_last_year(client, tree, gongwei):
    MemberFactory.create_batch(3, org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    MemberFactory.create_batch(2, org=tree.branch_b, joined_on=dt.date(YEAR - 5, 1, 1))
    page = group_html(client, "members")
    assert value_of(page, "members.count") == "5"
    within = group_html(client, "members", org=tree.unit_a.pk)
    assert value_of(within, "members.count") == "3"


def test_a_unit_admin_sees_only_her_unit_and_not_another(client, tree, make_user):
    MemberFactory.create_batch(3, org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    MemberFactory.create_batch(2, org=tree.branch_b, joined_on=dt.date(YEAR - 5, 1, 1))
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert value_of(group_html(client, "members"), "members.count") == "3"
    # another unit's subtree: not found, never its figures
    for url in (
        reverse("reports:metrics"),
        reverse("reports:metric_group", args=["members"]),
        reverse("reports:metric_records", args=["members.count"]),
    ):
        response = client.get(url, {"org": tree.unit_b.pk})
        assert response.status_code == 404
    response = client.get(reverse("reports:unit_profile", args=[tree.unit_b.pk]))
    assert response.status_code == 404
    records = client.get(reverse("reports:metric_records", args=["members.count"]), {"year": YEAR})
    assert table_rows(records) == 3


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"year": "abc"}, 400, "年份应为"),
        ({"year": "1999"}, 400, "年份应为"),
        ({"year": str(YEAR + 1)}, 400, "年份应为"),
        ({"year": "9" * 30}, 400, "年份应为"),
        ({"year": "２０２４"}, 400, "年份应为"),
        ({"org": "abc"}, 400, "组织编号应为正整数"),
        ({"org": "9" * 30}, 400, "组织编号应为正整数"),
        ({"org": "-3"}, 400, "组织编号应为正整数"),
        ({"org": "987654321"}, 404, ""),
    ],
)
def test_bad_year_and_scope_are_refused_in_chinese(client, gongwei, params, status, text):
    for url in (
        reverse("reports:metrics"),
        reverse("reports:metric_group", args=["orgs"]),
        reverse("reports:metric_records", args=["orgs.grassroots_count"]),
        *(
            [reverse("reports:overview"), reverse("reports:overview_screen")]
            if "year" in params
            else []
        ),
    ):
        response = client.get(url, params)
        assert response.status_code == status, (url, params)
        if text:
            assert text in response.content.decode()


def test_unknown_area_metric_and_page_are_not_found(client, gongwei):
    assert client.get(reverse("reports:metric_group", args=["nosuch"])).status_code == 404
    assert client.get(reverse("reports:metric_records", args=["no.such"])).status_code == 404
    url = reverse("reports:metric_records", args=["orgs.grassroots_count"])
    assert client.get(url, {"page": "abc"}).status_code == 400
    assert client.get(url, {"page": "99"}).status_code == 404
    assert client.get(reverse("reports:unit_profile", args=[10**30])).status_code == 400


def test_who_may_open_the_pages(client, tree, make_user):
    urls = [
        reverse("reports:metrics"),
        reverse("reports:metric_group", args=["orgs"]),
        reverse("reports:metric_records", args=["orgs.grassroots_count"]),
        reverse("reports:overview"),
        reverse("reports:overview_screen"),
        reverse("reports:unit_profile", args=[tree.branch_a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    for user in (make_user(), make_user("party_member", tree.branch_a), make_user("audit_admin")):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
    client.force_login(make_user("branch_secretary", tree.branch_a))
    for url in urls:
        assert client.get(url).status_code == 200, url


# --- the records behind a figure -------------------------------------------------------


@pytest.mark.parametrize("metric_id", [m.id for m in registry.all()])
def test_every_metric_drills_down_to_a_page_and_an_export(client, tree, gongwei, metric_id):
    MemberFactory.create_batch(2, org=tree.branch_a, joined_on=dt.date(YEAR - 3, 1, 1))
    metric = registry.get(metric_id)
    url = reverse("reports:metric_records", args=[metric_id])
    response = client.get(url, {"year": YEAR, "org": tree.unit_a.pk})
    if metric.drilldown is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert str(metric.label) in page
    export = client.get(url, {"year": YEAR, "export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )


def test_records_show_no_sensitive_field(client, tree, gongwei):
    member = MemberFactory(org=tree.branch_a, joined_on=dt.date(YEAR - 3, 1, 1))
    url = reverse("reports:metric_records", args=["members.count"])
    page = client.get(url, {"year": YEAR}).content.decode()
    assert member.name in page
    assert member.id_number not in page and member.phone not in page
    assert "出生" not in page


def test_records_page_query_count_is_constant(client, tree, gongwei):
    def add(n):
        MemberFactory.create_batch(n, org=tree.branch_a, joined_on=dt.date(YEAR - 3, 1, 1))
        emit("import", None, user=gongwei, rows=n)  # the figure above the list is computed again

    add(1)
    url = f"{reverse('reports:metric_records', args=['members.count'])}?year={YEAR}"
    count = assert_query_count_constant(client, url, lambda: add(12))
    check_baseline(BASELINES, "reports:metric_records", count)


def test_area_values_query_count_is_constant(client, tree, gongwei):
    def add(n):
        MemberFactory.create_batch(n, org=tree.branch_a, joined_on=dt.date(YEAR - 3, 1, 1))
        emit("import", None, user=gongwei, rows=n)  # a change: the next view computes again

    add(1)
    url = f"{reverse('reports:metric_group', args=['members'])}?year={YEAR}"
    count = assert_query_count_constant(
        client,
        url,
        lambda: add(12),
        rows=lambda r: int(value_of(r.content.decode(), "members.count")),
    )
    check_baseline(BASELINES, "reports:metric_group", count)


# --- the cache ---------------------------------------------------------------------------


def test_values_are_kept_until_an_audited_change(client, tree, gongwei):
    MemberFactory.create_batch(2, org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    assert value_of(group_html(client, "members"), "members.count") == "2"
    # A row written behind the services' back (no audit event): the kept value stays …
    member = MemberFactory(org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    assert value_of(group_html(client, "members"), "members.count") == "2"
    # … an audit event of a read changes nothing …
    emit("export", None, user=gongwei, rows=1)
    assert value_of(group_html(client, "members"), "members.count") == "2"
    # … and the audited write (every service emits one in its transaction) is seen at once.
    emit("create", member, user=gongwei)
    assert value_of(group_html(client, "members"), "members.count") == "3"


def test_values_are_kept_per_user_scope_and_year(tree, make_user):
    a = make_user("unit_admin", tree.unit_a)
    b = make_user("unit_admin", tree.unit_b)
    metrics = areas.group("members").metrics
    today = dt.date(YEAR, 6, 1)
    keys = {
        values.cache_key(u, w, y, "members", metrics, "7", today)
        for u in (a, b)
        for w in (None, tree.unit_a)
        for y in (YEAR, YEAR - 1)
    }
    assert len(keys) == 8
    assert values.cache_key(a, None, YEAR, "members", metrics, "7", today) != values.cache_key(
        a, None, YEAR, "members", metrics, "8", today
    )
    assert values.cache_key(a, None, YEAR, "members", metrics, "7", today) != values.cache_key(
        a, None, YEAR, "members", metrics, "7", today + dt.timedelta(1)
    )


def test_change_and_display():
    assert values.change(5, 3, "人") == ("+2", "up")
    assert values.change(3, 5, "人") == ("−2", "down")
    assert values.change(92.5, 90.0, "%") == ("+2.5 个百分点", "up")
    assert values.change(Decimal("10.50"), Decimal("10.00"), "元") == ("+0.50", "up")
    assert values.change(4, 4, "个") == ("持平", "same")
    assert values.change(None, 4, "个") == ("", "")
    assert values.display(None) == "—"
    assert values.display(24062) == "24,062"
    assert values.display(Decimal("34609309.9")) == "34,609,309.90"
    assert values.display(87.6, "%") == "87.6"
    assert values.display(40544.0, "学时") == "40,544"
    assert values.display(values.FAILED) == "暂不可用"


# --- dashboards ------------------------------------------------------------------------


def charts_of(page: str) -> dict[str, dict]:
    found = re.findall(
        r'<script id="(chart-[a-z]+)" type="application/json">(.*?)</script>', page, re.S
    )
    return {chart_id: json.loads(text) for chart_id, text in found}


def test_overview_charts_link_every_item_and_save_as_image(client, tree, gongwei):
    MemberFactory.create_batch(2, org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    response = client.get(reverse("reports:overview"), {"year": YEAR})
    assert response.status_code == 200
    page = response.content.decode()
    charts = charts_of(page)
    assert "chart-compliance" in charts
    for chart_id, option in charts.items():
        assert option["toolbox"]["feature"]["saveAsImage"]["title"] == "保存为图片"
        for series in option["series"]:
            for item in series["data"]:
                assert item["url"].startswith("/"), chart_id
    # one row per unit, each opening its profile
    for unit in (tree.unit_a, tree.unit_b):
        assert reverse("reports:unit_profile", args=[unit.pk]) in page
    screen = client.get(reverse("reports:overview_screen"), {"year": YEAR})
    assert screen.status_code == 200
    assert "data-dj-fullscreen" in screen.content.decode()


def test_unit_profile_is_scoped_to_the_unit(client, tree, make_user):
    MemberFactory.create_batch(3, org=tree.branch_a, joined_on=dt.date(YEAR - 5, 1, 1))
    MemberFactory.create_batch(2, org=tree.branch_b, joined_on=dt.date(YEAR - 5, 1, 1))
    client.force_login(make_user("committee_admin", tree.root))
    page = client.get(reverse("reports:unit_profile", args=[tree.unit_a.pk])).content.decode()
    assert f"单位画像：{tree.unit_a.name}" in page
    card = re.search(
        r'href="([^"]*members\.count[^"]*)"[^>]*>\s*<div class="card-body">.*?<div class="h2[^"]*">([^<]*)<',
        page,
        re.S,
    )
    assert card and card.group(2) == "3"
    assert f"org={tree.unit_a.pk}" in html.unescape(card.group(1))


def test_home_year_switch_links_that_year_s_metrics(client, tree, gongwei):
    page = client.get(reverse("web:home"), {"year": YEAR - 1}).content.decode()
    assert f'href="{reverse("reports:metrics")}?year={YEAR - 1}"' in page
    assert f'<option value="{YEAR - 1}" selected>' in page


def test_training_hours_count_the_scope_s_members_against_a_naive_sum(tree, make_user):
    """activities/metrics.py's training.hours (its drill-down rewritten as EXISTS): the
    hours of the year's attended training of members the user may see, by hand."""
    from dangjian.activities.models import Activity, Participation
    from dangjian.core.metrics import MetricScope

    course = Activity.objects.create(
        org=tree.root, kind="training", title="培训班", held_on=dt.date(2024, 5, 6)
    )
    other_year = Activity.objects.create(
        org=tree.root, kind="training", title="培训班", held_on=dt.date(2023, 5, 6)
    )
    a = MemberFactory.create_batch(3, org=tree.branch_a, joined_on=dt.date(2010, 1, 1))
    b = MemberFactory.create_batch(2, org=tree.branch_b, joined_on=dt.date(2010, 1, 1))
    rows = [(course, m, "attended", 8) for m in a + b]
    rows.append((other_year, a[0], "attended", 5))  # another year: not counted
    for activity, member, status, hours in rows:
        Participation.objects.create(activity=activity, member=member, status=status, hours=hours)
    Participation.objects.filter(member=a[2], activity=course).update(status="absent")
    metric = registry.get("training.hours")
    for org, expected in ((tree.root, 8 * 4), (tree.unit_a, 8 * 2), (tree.unit_b, 8 * 2)):
        user = (
            make_user("unit_admin", org) if org != tree.root else make_user("committee_admin", org)
        )
        naive = sum(
            p.hours
            for p in Participation.objects.filter(status="attended", activity__held_on__year=2024)
            if p.member.org.path.startswith(org.path)
        )
        assert naive == expected
        assert metric.value(MetricScope(user, 2024)) == expected
        drilled = metric.drilldown(MetricScope(user, 2024))
        assert sorted(p.member_id for p in drilled) == sorted(
            p.member_id
            for p in Participation.objects.filter(status="attended", activity__held_on__year=2024)
            if p.member.org.path.startswith(org.path)
        )
