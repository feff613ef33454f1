"""逾期 has one definition (`models.overdue_q`): deadline passed and still 待整改 or 退回.

A 已提交 rectification waits for the raising side's 销号 and is not overdue, whatever its
deadline; every place that shows or counts overdue rectifications agrees on that."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.assessments import liaison, reminders
from dangjian.assessments.models import Rectification, RectificationStatus, overdue_q
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM

from .factories import make_finding

pytestmark = pytest.mark.django_db
S = RectificationStatus
PAST = dt.date(2024, 3, 1)  # a deadline in the year of the metrics below, long gone
FUTURE = dt.date(2099, 1, 1)


@pytest.fixture
def rects(tree):
    """One rectification per status with a past deadline, and an open one not yet due."""
    out = {}
    for status in S.values:
        f = make_finding(
            tree.branch_a,
            raised_by=tree.root,
            deadline=PAST,
            found_on=dt.date(2024, 2, 1),
            status=status,
            text=f"问题-{status}",
        )
        out[status] = f.rectification
    out["future"] = make_finding(
        tree.branch_a, raised_by=tree.root, deadline=FUTURE, text="问题-未到期"
    ).rectification
    return out


def overdue_pks(rects) -> set[int]:
    return {rects[S.OPEN].pk, rects[S.RETURNED].pk}


def test_one_definition_in_sql_and_in_python(rects):
    assert set(Rectification.objects.overdue().values_list("pk", flat=True)) == overdue_pks(rects)
    assert set(Rectification.objects.filter(overdue_q()).values_list("pk", flat=True)) == (
        overdue_pks(rects)
    )
    flags = dict(Rectification.objects.with_overdue().values_list("pk", "is_overdue"))
    for r in Rectification.objects.all():
        assert r.overdue_on() is (r.pk in overdue_pks(rects))
        assert flags[r.pk] == int(r.pk in overdue_pks(rects))
    assert not rects[S.OPEN].overdue_on(PAST)  # due that day: not yet late
    assert set(Rectification.objects.not_overdue().values_list("pk", flat=True)) == {
        rects[S.SUBMITTED].pk,
        rects[S.CLOSED].pk,
        rects["future"].pk,
    }


def test_board_marks_only_unanswered_cards(client, rects, people):
    client.force_login(people.committee)
    html = client.get(reverse("assessments:rectification_board")).content.decode()
    marked = {
        int(chunk.split('"', 1)[0])
        for chunk in html.split('data-rectification="')[1:]
        if 'data-overdue="1"' in chunk.split(">", 1)[0]
    }
    assert marked == overdue_pks(rects)
    submitted_col = html.split('data-column="submitted"')[1].split('data-column="closed"')[0]
    assert f'data-rectification="{rects[S.SUBMITTED].pk}"' in submitted_col
    assert "逾期" not in submitted_col


def test_detail_page_badge(client, rects, people):
    client.force_login(people.committee)
    for key, late in ((S.SUBMITTED, False), (S.RETURNED, True), ("future", False)):
        html = client.get(rects[key].get_absolute_url()).content.decode()
        assert ('bg-red text-red-fg align-middle">逾期' in html) is late, key


def test_filter_api_panel_reminders_liaison_and_metric_agree(client, rects, people, tree):
    client.force_login(people.committee)
    listed = client.get("/api/rectifications/", {"overdue": "true"}).json()["results"]
    assert {r["id"] for r in listed} == overdue_pks(rects)
    rest = client.get("/api/rectifications/", {"overdue": "false"}).json()["results"]
    assert {r["id"] for r in rest} == {r.pk for r in rects.values()} - overdue_pks(rects)

    panel = client.get(reverse("assessments:org_panel", args=[tree.branch_a.pk]))
    assert panel.context["open_total"] == 4  # all but 已销号
    assert panel.context["overdue_total"] == 2

    today = dt.date(2024, 6, 1)
    assert {r.pk for r in reminders.overdue(today)} == overdue_pks(rects)

    profile = liaison.unit_profile(
        people.committee, tree.unit_a, dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    )
    assert profile["rectifications"]["overdue"] == 2

    metric = registry.get("supervision.overdue_rectifications")
    assert metric.value(MetricScope(SYSTEM, 2024, None)) == 2
    assert {r.pk for r in metric.drilldown(MetricScope(SYSTEM, 2024, None))} == overdue_pks(rects)
