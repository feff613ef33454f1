"""Pages: the one-screen record form, list, calendar, detail, member history, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.activities import services
from dangjian.activities.models import Activity, Participation

from .conftest import DAY, make_members
from .helpers import make_activity

pytestmark = pytest.mark.django_db


def record_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("activities:activity_add") + (f"?{query}" if query else "")


def test_record_form_prefills_expected_members(client, branch, writer):
    client.force_login(writer)
    resp = client.get(record_url(org=branch.org.pk, kind="member_assembly", held_on="2024-05-10"))
    assert resp.status_code == 200
    rows = resp.context["rows"]
    assert {r.member.pk for r in rows} == {m.pk for m in branch.everyone}
    exempt_row = next(r for r in rows if r.member.pk == branch.exempt.pk)
    assert exempt_row.status == "exempt" and exempt_row.reason == "年老体弱"
    assert all(r.status == "attended" for r in rows if r.member.pk != branch.exempt.pk)
    assert "免于参加" in resp.content.decode()


def _post_meeting(client, org, members, *, overrides=None, **fields):
    overrides = overrides or {}
    data = {
        "org": org.pk,
        "kind": "member_assembly",
        "held_on": "2024-05-10",
        "title": "五月支部党员大会",
        "place": "三楼会议室",
        "agenda_key": ["a", "b"],
        "agenda_title": ["传达学习重要讲话精神", "讨论确定发展对象"],
        "agenda_first": "a",
        "tags": [],
        "att_ids": [str(m.pk) for m in members],
    }
    for m in members:
        data[f"att-{m.pk}"] = overrides.get(m.pk, "attended")
        data[f"reason-{m.pk}"] = "出差" if overrides.get(m.pk) == "leave" else ""
        data[f"hours-{m.pk}"] = ""
    data.update(fields)
    return client.post(reverse("activities:activity_add"), data)


def test_one_screen_form_records_thirty_attendees(client, tree, writer):
    members = make_members(tree.branch_a, 30)
    client.force_login(writer)
    resp = client.get(
        record_url(org=tree.branch_a.pk, kind="member_assembly", held_on="2024-05-10")
    )
    assert len(resp.context["rows"]) == 30
    resp = _post_meeting(client, tree.branch_a, members, overrides={members[0].pk: "leave"})
    activity = Activity.objects.get()
    assert resp.status_code == 302 and resp["Location"] == activity.get_absolute_url()
    assert activity.participations.count() == 30
    assert activity.participations.filter(status="attended").count() == 29
    assert activity.participations.get(member=members[0]).reason == "出差"
    first = activity.agenda_items.get(is_first_topic=True)
    assert first.title == "传达学习重要讲话精神" and first.order == 1
    assert activity.quorum_met is True and activity.recorded_by == writer


def test_form_warns_when_quorum_not_met(client, tree, writer):
    members = make_members(tree.branch_a, 10)
    client.force_login(writer)
    absent = {m.pk: "absent" for m in members[:6]}
    resp = _post_meeting(client, tree.branch_a, members, overrides=absent)
    assert resp.status_code == 302
    activity = Activity.objects.get()
    assert activity.quorum_met is False
    page = client.get(resp["Location"])
    text = page.content.decode()
    assert "未达到法定人数" in text and "应到有表决权的党员 10 人，实到 4 人" in text


def test_form_future_date_shows_chinese_error_and_saves_nothing(client, tree, writer):
    members = make_members(tree.branch_a, 3)
    client.force_login(writer)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    resp = _post_meeting(client, tree.branch_a, members, held_on=future)
    assert resp.status_code == 200
    assert "晚于今天" in resp.content.decode()
    assert not Activity.objects.exists() and not Participation.objects.exists()


def test_form_shows_agenda_errors_labelled_on_top(client, tree, writer):
    """The agenda has no form field: its error goes on top, saying what it is about."""
    members = make_members(tree.branch_a, 3)
    client.force_login(writer)
    resp = _post_meeting(
        client, tree.branch_a, members, agenda_key=["a"], agenda_title=["议" * 201]
    )
    assert resp.status_code == 200
    assert resp.context["form"].non_field_errors() == ["议题：第 1 项议题超过 200 个字，请精简。"]
    assert not Activity.objects.exists()


def test_form_extra_attendee_by_name(client, branch, writer, tree):
    client.force_login(writer)
    data = {
        "org": tree.branch_a.pk,
        "kind": "heart_talk",
        "held_on": "2024-05-10",
        "title": "谈心谈话",
        "extra_attendees": f"{branch.direct[0].name}、{branch.direct[1].name}",
    }
    resp = client.post(reverse("activities:activity_add"), data)
    assert resp.status_code == 302, resp.context["form"].errors
    activity = Activity.objects.get()
    assert set(activity.participations.values_list("member_id", flat=True)) == {
        branch.direct[0].pk,
        branch.direct[1].pk,
    }
    data["extra_attendees"] = "查无此人"
    resp = client.post(reverse("activities:activity_add"), data)
    assert "“查无此人”不是“甲局第一党支部”在该日期的党员" in resp.content.decode()


def test_htmx_refresh_returns_attendance_table(client, branch, writer):
    client.force_login(writer)
    resp = client.post(
        reverse("activities:activity_add"),
        {
            "org": branch.org.pk,
            "kind": "committee_meeting",
            "held_on": "2024-05-10",
            "_refresh": "1",
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="attendance",
    )
    assert resp.status_code == 200
    assert resp.templates[0].name == "activities/_attendance.html"
    assert {r.member.pk for r in resp.context["rows"]} == {m.pk for m in branch.committee}
    assert not Activity.objects.exists()


def test_edit_keeps_recorded_statuses(client, branch, writer):
    activity = services.record_activity(
        writer,
        branch.org,
        {"kind": "theme_day", "title": "主题党日", "held_on": DAY},
        participations=[{"member": branch.direct[0].pk, "status": "leave", "reason": "病假"}],
    )
    client.force_login(writer)
    resp = client.get(reverse("activities:activity_edit", args=[activity.pk]))
    row = next(r for r in resp.context["rows"] if r.member.pk == branch.direct[0].pk)
    assert row.status == "leave" and row.reason == "病假"


def test_list_filters_and_export(client, branch, writer, tree):
    make_activity(tree.branch_a, title="五月主题党日")
    make_activity(
        tree.branch_a, kind="party_lecture", title="专题党课", held_on=dt.date(2024, 7, 1)
    )
    make_activity(tree.branch_b, title="乙局主题党日")
    client.force_login(writer)
    resp = client.get(reverse("activities:activity_list"), {"kind": "party_lecture", "year": ""})
    titles = [row.record.title for row in resp.context["table"].rows]
    assert titles == ["专题党课"]
    resp = client.get(reverse("activities:activity_list"), {"date_before": "2024-06-01"})
    assert [row.record.title for row in resp.context["table"].rows] == ["五月主题党日"]
    resp = client.get(reverse("activities:activity_list"), {"export": "xlsx", "year": "2024"})
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    exported = sorted(r[4] for r in ws.iter_rows(min_row=2, values_only=True))
    assert exported == ["专题党课", "五月主题党日"]  # nothing of 乙局


def test_calendar_lays_out_by_day(client, tree, writer):
    make_activity(tree.branch_a, title="五月主题党日", held_on=dt.date(2024, 5, 10))
    make_activity(tree.group_a, kind="group_meeting", title="小组会", held_on=dt.date(2024, 5, 31))
    make_activity(tree.branch_a, title="六月", held_on=dt.date(2024, 6, 1))
    client.force_login(writer)
    resp = client.get(reverse("activities:calendar"), {"org": tree.branch_a.pk, "month": "2024-05"})
    cells = {c["day"]: c["activities"] for w in resp.context["weeks"] for c in w}
    assert [a.title for a in cells[dt.date(2024, 5, 10)]] == ["五月主题党日"]
    assert [a.title for a in cells[dt.date(2024, 5, 31)]] == ["小组会"]
    assert cells[dt.date(2024, 6, 1)] == []  # shown greyed, but not this month's
    resp = client.get(
        reverse("activities:calendar"), {"org": tree.branch_a.pk, "month": "2024-05", "sub": "0"}
    )
    cells = {c["day"]: c["activities"] for w in resp.context["weeks"] for c in w}
    assert cells[dt.date(2024, 5, 31)] == []
    assert client.get(reverse("activities:calendar"), {"org": tree.branch_b.pk}).status_code == 404


def test_detail_shows_agenda_attendance_and_observers(client, branch, writer, make_user, tree):
    observer = make_user("committee_admin", tree.root, display_name="工委王处长")
    activity = services.record_activity(
        writer,
        branch.org,
        {"kind": "member_assembly", "title": "大会", "held_on": DAY},
        participations=[m.pk for m in branch.direct[:5]],
        agenda=[{"title": "学习讲话", "is_first_topic": True}],
        observers=[observer.pk],
    )
    client.force_login(writer)
    text = client.get(activity.get_absolute_url()).content.decode()
    assert "第一议题" in text and "工委王处长" in text and "出席率" in text


def test_observer_must_come_from_a_higher_org(branch, writer, make_user, tree):
    from django.core.exceptions import ValidationError

    peer = make_user("branch_secretary", tree.branch_a, display_name="同级")
    with pytest.raises(ValidationError) as exc:
        services.record_activity(
            writer,
            branch.org,
            {"kind": "theme_day", "title": "x", "held_on": DAY},
            observers=[peer.pk],
        )
    assert "上级党组织" in exc.value.message_dict["observers"][0]


def test_member_history(client, branch, writer, make_user, tree):
    services.record_activity(
        writer,
        branch.org,
        {"kind": "party_lecture", "title": "党课", "held_on": DAY},
        participations=[{"member": branch.direct[0].pk, "hours": "2"}],
    )
    services.record_activity(
        writer,
        branch.org,
        {"kind": "theme_day", "title": "主题党日", "held_on": dt.date(2023, 3, 1)},
        participations=[{"member": branch.direct[0].pk, "hours": "1.5"}],
    )
    client.force_login(writer)
    url = reverse("activities:member_history", args=[branch.direct[0].pk])
    resp = client.get(url)
    years = {y["year"]: y for y in resp.context["years"]}
    assert years[2024]["attended"] == 1 and float(years[2024]["hours"]) == 2.0
    assert float(years[2023]["hours"]) == 1.5
    assert [p.activity.title for p in resp.context["rows"]] == ["党课"]
    member_page = client.get(reverse("members:member_detail", args=[branch.direct[0].pk]))
    assert url in member_page.content.decode()
    client.force_login(make_user("viewer", tree.unit_b))
    assert client.get(url).status_code == 404


def test_navigation_has_activities_entry(client, writer, make_user):
    client.force_login(writer)
    assert "组织生活" in [item.label for item in client.get("/").context["nav"]]
    client.force_login(make_user("audit_admin"))
    assert "组织生活" not in [item.label for item in client.get("/").context["nav"]]


def test_pages_render(client, tree, writer):
    planned = Activity.objects.create(
        org=tree.branch_a,
        kind="party_lecture",
        title="计划党课",
        planned_on=timezone.localdate() + dt.timedelta(days=10),
    )
    client.force_login(writer)
    for url in (
        reverse("activities:activity_add"),
        reverse("activities:calendar"),
        planned.get_absolute_url(),
        reverse("activities:activity_edit", args=[planned.pk]),
        reverse("activities:activity_delete", args=[planned.pk]),
        reverse("activities:agenda_row"),
    ):
        assert client.get(url).status_code == 200, url
    resp = client.post(reverse("activities:activity_delete", args=[planned.pk]))
    assert resp.status_code == 302 and not Activity.objects.exists()


def test_viewer_cannot_record(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    assert client.get(reverse("activities:activity_add")).status_code == 403
    activity = make_activity(tree.branch_a)
    assert client.get(reverse("activities:activity_edit", args=[activity.pk])).status_code == 403
    assert client.post(reverse("activities:activity_delete", args=[activity.pk])).status_code == 403


def test_list_defaults_to_this_year_with_a_removable_notice(client, tree, writer):
    today = timezone.localdate()
    make_activity(tree.branch_a, title="今年的主题党日", held_on=today.replace(month=1, day=2))
    make_activity(tree.branch_a, title="前年的主题党日", held_on=dt.date(today.year - 2, 5, 10))
    planned = make_activity(
        tree.branch_a, kind="party_lecture", title="今年计划的党课", held_on=None
    )
    Activity.objects.filter(pk=planned.pk).update(planned_on=today.replace(month=12, day=20))
    client.force_login(writer)
    url = reverse("activities:activity_list")

    resp = client.get(url, {"kind": "theme_day"})
    titles = {row.record.title for row in resp.context["table"].rows}
    assert titles == {"今年的主题党日"}
    page = resp.content.decode()
    assert f"默认只显示 {today.year} 年召开或计划的组织生活" in page
    assert resp.context["all_years_url"] == "?kind=theme_day&year="
    assert "查看全部年份" in page

    resp = client.get(url)  # a planned activity dated this year counts as this year's
    assert "今年计划的党课" in {row.record.title for row in resp.context["table"].rows}

    resp = client.get(url + resp.context["all_years_url"])  # the notice's link: every year
    titles = {row.record.title for row in resp.context["table"].rows}
    assert titles == {"今年的主题党日", "前年的主题党日", "今年计划的党课"}
    assert "默认只显示" not in resp.content.decode()

    # Any date filter of the user's own replaces the default.
    resp = client.get(url, {"year": today.year - 2})
    assert [row.record.title for row in resp.context["table"].rows] == ["前年的主题党日"]
    assert resp.context["default_year"] is None


def test_org_filter_select_offers_the_users_upper_levels(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.get(reverse("activities:activity_list"), {"within": tree.branch_a.pk})
    page = resp.content.decode()
    select = page[
        page.index('name="within"') : page.index("</select>", page.index('name="within"'))
    ]
    assert f'<option value="{tree.branch_a.pk}" selected>' in select
    assert tree.unit_a.name in select and tree.branch_b.name not in select
    assert select.index(tree.unit_a.name) < select.index(tree.branch_a.name)
    assert "　" + tree.branch_a.name in select  # indented below its unit
