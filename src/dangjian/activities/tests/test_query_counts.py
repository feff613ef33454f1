"""List pages and API lists run the same number of queries whatever the row count.

The meetings are held today: the HTML list shows the current year unless asked otherwise,
and the helper fails when the added rows are not on the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from dangjian.activities import services
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
    table_rows,
)

from .conftest import make_members

BASELINES = Path(__file__).with_name("query_counts.json")

pytestmark = pytest.mark.django_db


def _meetings(writer, org, members, count):
    for i in range(count):
        services.record_activity(
            writer,
            org,
            {"kind": "theme_day", "title": f"主题党日{i}", "held_on": timezone.localdate()},
            participations=[{"member": m.pk, "hours": 1} for m in members],
            agenda=[{"title": "学习", "is_first_topic": True}],
            tags=["discipline_education"],
        )


# An activity on the calendar is a badge linking to it.
CALENDAR_ENTRIES = occurrences('<a class="badge ')


@pytest.mark.parametrize(
    ("key", "url", "rows"),
    [
        ("activities:activity_list", "/activities/", table_rows),
        (
            "activities:activity_list?within",
            "/activities/?within={unit_a}&tag=discipline_education",
            table_rows,
        ),
        (
            "activities:calendar",
            "/activities/calendar/?org={branch_a}&month={month}",
            CALENDAR_ENTRIES,
        ),
        ("api:activities", "/api/activities/", table_rows),
        (
            "api:activities?within",
            "/api/activities/?within={unit_a}&date_after={year}-01-01",
            table_rows,
        ),
        ("api:participations", "/api/participations/", table_rows),
        (
            "api:participations?member",
            "/api/participations/?within={unit_a}&kind=theme_day",
            table_rows,
        ),
    ],
)
def test_activity_lists(client, tree, writer, make_user, key, url, rows):
    members = make_members(tree.branch_a, 4)
    _meetings(writer, tree.branch_a, members, 1)
    client.force_login(make_user("unit_admin", tree.unit_a))
    today = timezone.localdate()
    url = url.format(
        unit_a=tree.unit_a.pk, branch_a=tree.branch_a.pk, month=f"{today:%Y-%m}", year=today.year
    )
    count = assert_query_count_constant(
        client, url, lambda: _meetings(writer, tree.branch_a, members, 12), rows=rows
    )
    check_baseline(BASELINES, key, count)


def test_member_history_page(client, tree, writer, make_user):
    members = make_members(tree.branch_a, 2)
    _meetings(writer, tree.branch_a, members, 1)
    client.force_login(make_user("unit_admin", tree.unit_a))
    url = f"/activities/members/{members[0].pk}/?year={timezone.localdate().year}"
    count = assert_query_count_constant(
        client, url, lambda: _meetings(writer, tree.branch_a, members, 10)
    )
    check_baseline(BASELINES, "activities:member_history", count)
