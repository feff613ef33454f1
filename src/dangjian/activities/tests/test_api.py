"""/api/activities/ and /api/participations/: one-request recording, bad input, filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.activities.models import Activity, AgendaItem, Participation

from .conftest import DAY, make_members
from .helpers import make_activity

pytestmark = pytest.mark.django_db
URL = "/api/activities/"


@pytest.fixture
def api(client, writer):
    client.force_login(writer)
    return client


def payload(org, members, **extra):
    body = {
        "org": org.pk,
        "kind": "member_assembly",
        "title": "五月支部党员大会",
        "held_on": "2024-05-10",
        "tags": ["discipline_education"],
        "agenda_items": [{"title": "传达学习重要讲话精神", "is_first_topic": True}],
        "participations": [{"member": m.pk} for m in members],
    }
    body.update(extra)
    return body


def post(api, body):
    return api.post(URL, body, content_type="application/json")


def nothing_saved():
    return not (
        Activity.objects.exists() or Participation.objects.exists() or AgendaItem.objects.exists()
    )


def test_records_meeting_with_attendance_in_one_request(api, tree):
    members = make_members(tree.branch_a, 30)
    resp = post(api, payload(tree.branch_a, members[:25]))
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["participation_summary"] == {
        "attended": 25,
        "leave": 0,
        "absent": 5,
        "exempt": 0,
        "rate": 25 / 30,
    }
    assert body["agenda_items"][0]["is_first_topic"] is True
    assert body["tags"] == ["discipline_education"] and body["quorum_met"] is True


def test_query_count_does_not_grow_with_attendees(api, tree):
    few = make_members(tree.branch_a, 3)
    with CaptureQueriesContext(connection) as small:
        assert post(api, payload(tree.branch_a, few)).status_code == 201
    many = make_members(tree.branch_a, 27)
    with CaptureQueriesContext(connection) as large:
        resp = post(api, payload(tree.branch_a, [*few, *many], title="第二次"))
        assert resp.status_code == 201
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"held_on": "FUTURE"}, "held_on", "晚于今天"),
        ({"kind": "group_meeting"}, "kind", "党小组"),
        ({"participations": "OUTSIDER"}, "participations", "不是“甲局第一党支部”"),
        ({"participations": "DUPLICATE"}, "participations", "重复"),
        ({"participations": "HOURS"}, "participations", "0 至 24"),
        ({"tags": ["no_such_tag"]}, "tags", "没有名为"),
    ],
)
def test_bad_input_is_400_in_chinese_and_saves_nothing(api, tree, change, field, words):
    from .conftest import make_member

    members = make_members(tree.branch_a, 3)
    body = payload(tree.branch_a, members)
    if change.get("held_on") == "FUTURE":
        change = {"held_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    elif change.get("participations") == "OUTSIDER":
        change = {"participations": [{"member": make_member(tree.branch_b).pk}]}
    elif change.get("participations") == "DUPLICATE":
        change = {"participations": [{"member": members[0].pk}, {"member": members[0].pk}]}
    elif change.get("participations") == "HOURS":
        change = {"participations": [{"member": members[0].pk, "hours": "25"}]}
    body.update(change)
    resp = post(api, body)
    assert resp.status_code == 400
    assert any(words in message for message in resp.json()[field]), resp.json()
    assert nothing_saved()


def test_org_out_of_scope_is_refused(api, tree):
    resp = post(api, payload(tree.branch_b, []))
    assert resp.status_code in (400, 404)
    assert nothing_saved()


@pytest.mark.parametrize(
    "params", ["year=1899", "date_after=1800-01-01", "date_before=9999-12-31", "year=abc"]
)
def test_year_out_of_range_is_400_in_chinese(api, params):
    for url in (URL, "/api/participations/"):
        resp = api.get(f"{url}?{params}")
        assert resp.status_code == 400
        text = resp.content.decode()
        assert "年" in text and ("超出范围" in text or "整数" in text or "日期" in text), text


def test_filters(api, tree, writer):
    from dangjian.activities import services

    members = make_members(tree.branch_a, 3)
    tagged = services.record_activity(
        writer,
        tree.branch_a,
        {"kind": "party_lecture", "title": "党纪党课", "held_on": DAY},
        participations=[members[0].pk],
        tags=["discipline_education"],
    )
    make_activity(tree.branch_a, title="六月主题党日", held_on=dt.date(2024, 6, 20))
    make_activity(tree.group_a, kind="group_meeting", title="小组会", held_on=dt.date(2024, 4, 2))

    def ids(query):
        return {row["id"] for row in api.get(f"{URL}?{query}").json()["results"]}

    assert ids("tag=discipline_education") == {tagged.pk}
    assert ids("kind=group_meeting") == set(
        Activity.objects.filter(kind="group_meeting").values_list("pk", flat=True)
    )
    assert len(ids(f"within={tree.group_a.pk}")) == 1
    assert len(ids(f"org={tree.branch_a.pk}")) == 2
    assert len(ids("date_after=2024-05-01&date_before=2024-05-31")) == 1
    assert ids(f"member={members[0].pk}") == {tagged.pk}
    rows = api.get(f"/api/participations/?member={members[0].pk}&tag=discipline_education").json()
    assert [r["activity"] for r in rows["results"]] == [tagged.pk]
    assert api.get("/api/participations/?kind=theme_day").json()["count"] == 0


def test_patch_keeps_attendance(api, tree, writer):
    from dangjian.activities import services

    members = make_members(tree.branch_a, 4)
    activity = services.record_activity(
        writer,
        tree.branch_a,
        {"kind": "theme_day", "title": "主题党日", "held_on": DAY},
        participations=[m.pk for m in members[:3]],
    )
    resp = api.patch(
        f"{URL}{activity.pk}/", {"place": "党员活动室"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.json()
    activity.refresh_from_db()
    assert activity.place == "党员活动室"
    assert activity.participations.filter(status="attended").count() == 3
    resp = api.patch(
        f"{URL}{activity.pk}/", {"org": tree.branch_b.pk}, content_type="application/json"
    )
    assert resp.status_code == 400


def test_delete_through_api(api, tree):
    activity = make_activity(tree.branch_a)
    assert api.delete(f"{URL}{activity.pk}/").status_code == 204
    assert not Activity.objects.exists()


# --- pagination of the city-wide lists (activities/api/pagination.py) ---------------------


@pytest.fixture
def dated_rows(tree):
    """Participations over several dates (2-3 rows a day, ties on a day), one planned activity."""
    from dangjian.activities.models import ParticipationStatus

    members = make_members(tree.branch_a, 3)
    rows = []
    for i, day in enumerate([*(dt.date(2024, m, 10) for m in range(1, 9)), dt.date(2024, 3, 10)]):
        activity = make_activity(tree.branch_a, title=f"第{i}次", held_on=day)
        for k, m in enumerate(members[: 2 + i % 2]):
            status = ParticipationStatus.ABSENT if (i + k) % 3 == 0 else "attended"
            rows.append(Participation(activity=activity, member=m, status=status))
    planned = make_activity(
        tree.branch_a, title="计划", held_on=None, planned_on=dt.date(2024, 9, 1)
    )
    rows.append(Participation(activity=planned, member=members[0]))
    Participation.objects.bulk_create(rows)
    return members


def expected_ids(**filters):
    from django.db.models import F

    qs = Participation.objects.filter(**filters).order_by(
        F("activity__held_on").desc(nulls_last=True), "id"
    )
    return list(qs.values_list("id", flat=True))


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", {}),
        ("status=absent", {"status": "absent"}),
        ("date_before=2024-05-31", {"activity__held_on__lte": dt.date(2024, 5, 31)}),
    ],
)
def test_participation_pages_equal_the_plain_ordering(api, dated_rows, monkeypatch, query, filters):
    """The date window (forced narrow here) never changes what a page holds."""
    from dangjian.activities.api.pagination import DateWindowPagination

    monkeypatch.setattr(DateWindowPagination, "min_dates", 1)
    monkeypatch.setattr(DateWindowPagination, "rows_per_date", 1000)
    want = expected_ids(**filters)
    got, url = [], f"/api/participations/?per_page=3&{query}"
    while url:
        body = api.get(url).json()
        assert body["count"] == len(want) and body["count_capped"] is False
        got += [r["id"] for r in body["results"]]
        url = body["next"]
    assert got == want  # newest first, ties by id, the planned activity's row last


def test_counts_stop_at_the_cap(api, dated_rows, monkeypatch):
    from dangjian.activities.api.pagination import CappedCountPagination

    monkeypatch.setattr(CappedCountPagination, "count_cap", 5)
    body = api.get("/api/participations/?per_page=4").json()
    assert body["count"] == 5 and body["count_capped"] is True
    assert len(body["results"]) == 4 and "page=2" in body["next"] and body["previous"] is None
    body = api.get("/api/participations/?per_page=4&page=2").json()
    assert body["count_capped"] is True and "page=3" in body["next"]
    assert body["previous"].endswith("per_page=4")
    resp = api.get("/api/participations/?per_page=4&page=last")
    assert resp.status_code == 404 and "页码无效" in resp.json()["detail"]
    body = api.get("/api/activities/?per_page=2").json()
    assert body["count"] == 5 and body["count_capped"] is True
    # Under the cap the count is exact and page=last works.
    body = api.get("/api/participations/?per_page=4&date_before=2024-02-28&page=last").json()
    assert body["count"] == 5 and body["count_capped"] is False  # January 2 + February 3
    assert len(body["results"]) == 1 and body["next"] is None
    resp = api.get("/api/participations/?page=99")
    assert resp.status_code == 404 and "该页没有数据" in resp.json()["detail"]
