"""List pages and API lists run the same number of queries whatever the row count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dangjian.activities import services
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline

from .conftest import make_members

BASELINES = Path(__file__).with_name("query_counts.json")

pytestmark = pytest.mark.django_db


def _meetings(writer, org, members, count):
    for i in range(count):
        services.record_activity(
            writer,
            org,
            {"kind": "theme_day", "title": f"主题党日{i}", "held_on": dt.date(2024, 1 + i % 12, 5)},
            participations=[{"member": m.pk, "hours": 1} for m in members],
            agenda=[{"title": "学习", "is_first_topic": True}],
            tags=["discipline_education"],
        )


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("activities:activity_list", "/activities/"),
        (
            "activities:activity_list?within",
            "/activities/?within={unit_a}&tag=discipline_education",
        ),
        ("activities:calendar", "/activities/calendar/?org={branch_a}&month=2024-03"),
        ("api:activities", "/api/activities/"),
        ("api:activities?within", "/api/activities/?within={unit_a}&date_after=2024-01-01"),
        ("api:participations", "/api/participations/"),
        ("api:participations?member", "/api/participations/?within={unit_a}&kind=theme_day"),
    ],
)
def test_activity_lists(client, tree, writer, make_user, key, url):
    members = make_members(tree.branch_a, 4)
    _meetings(writer, tree.branch_a, members, 1)
    client.force_login(make_user("unit_admin", tree.unit_a))
    url = url.format(unit_a=tree.unit_a.pk, branch_a=tree.branch_a.pk)
    count = assert_query_count_constant(
        client, url, lambda: _meetings(writer, tree.branch_a, members, 12)
    )
    check_baseline(BASELINES, key, count)


def test_member_history_page(client, tree, writer, make_user):
    members = make_members(tree.branch_a, 2)
    _meetings(writer, tree.branch_a, members, 1)
    client.force_login(make_user("unit_admin", tree.unit_a))
    url = f"/activities/members/{members[0].pk}/?year=2024"
    count = assert_query_count_constant(
        client, url, lambda: _meetings(writer, tree.branch_a, members, 10)
    )
    check_baseline(BASELINES, "activities:member_history", count)
