"""Meeting notices (会议通知): scheduled ahead, read by members (回执), recorded as held once.

Bad input: a notice in the past and a second recording of one notice are refused with a
Chinese message and nothing written.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.activities import notices
from dangjian.activities.models import (
    Activity,
    ActivityStatus,
    AgendaItem,
    NoticeReceipt,
    Participation,
)
from dangjian.audit.models import AuditEvent
from dangjian.core.testing.querycount import (
    assert_query_count_constant,
    check_baseline,
    occurrences,
)
from dangjian.members.models import Member

from .conftest import make_member
from .test_query_counts import BASELINES

pytestmark = pytest.mark.django_db


def _later(days: int = 7) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _schedule(writer, org, day=None, invitees=None, **fields):
    data = {
        "kind": "member_assembly",
        "title": "",
        "planned_on": day or _later(),
        "starts_at": dt.time(14, 30),
        "ends_at": dt.time(16, 0),
        "place": "三楼会议室",
        **fields,
    }
    data["title"] = data["title"] or notices.default_title(data["kind"], data["planned_on"])
    agenda = [{"title": "传达学习重要讲话精神", "is_first_topic": True}, {"title": "讨论发展对象"}]
    return notices.schedule_notice(writer, org, data, agenda, invitees)


def _snapshot() -> tuple:
    return (
        Activity.objects.count(),
        NoticeReceipt.objects.count(),
        AgendaItem.objects.count(),
        Participation.objects.count(),
        list(Activity.objects.values_list("held_on", flat=True)),
    )


def test_schedule_sends_to_the_roster(branch, writer):
    notice = _schedule(writer, branch.org)
    assert notice.status == ActivityStatus.SCHEDULED and notice.held_on is None
    assert notice.get_status_display() == "已通知"
    invited = set(notice.receipts.values_list("member_id", flat=True))
    assert invited == {m.pk for m in branch.everyone}  # the branch and its 党小组
    assert not notice.receipts.filter(read_at__isnull=False).exists()
    assert list(Activity.objects.scheduled()) == [notice]
    assert not Activity.objects.held().exists()
    assert list(Activity.objects.notices_for(branch.direct[0])) == [notice]
    assert not Activity.objects.notices_for(make_member(branch.org)).exists()  # joined after
    # Gone by: no longer "upcoming" for the member.
    assert not Activity.objects.notices_for(branch.direct[0], day=_later(8)).exists()
    event = AuditEvent.objects.get(action="create", object_id=str(notice.pk))
    assert event.detail["notice_receipts"] == len(branch.everyone)


def test_schedule_to_chosen_members(branch, writer, tree):
    notice = _schedule(writer, branch.org, invitees=[m.pk for m in branch.committee])
    assert set(notice.receipts.values_list("member_id", flat=True)) == {
        m.pk for m in branch.committee
    }
    before = _snapshot()
    outsider = make_member(tree.branch_b)
    with pytest.raises(Exception) as exc:
        _schedule(writer, branch.org, invitees=[branch.direct[0].pk, outsider.pk])
    assert "有 1 名通知对象不是“甲局第一党支部”的党员" in str(exc.value)
    with pytest.raises(Exception) as exc:
        _schedule(writer, branch.org, invitees=[])
    assert "请至少选择一名通知对象" in str(exc.value)
    assert _snapshot() == before


def test_a_notice_in_the_past_is_refused(branch, writer):
    before = _snapshot()
    with pytest.raises(Exception) as exc:
        _schedule(writer, branch.org, day=timezone.localdate() - dt.timedelta(days=1))
    assert "已经过去：请改为今天或以后的日期" in str(exc.value)
    assert _snapshot() == before


def test_a_start_time_gone_by_today_is_refused(branch, writer, monkeypatch):
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
    monkeypatch.setattr(timezone, "now", lambda: noon)
    before = _snapshot()
    with pytest.raises(Exception) as exc:
        _schedule(writer, branch.org, day=timezone.localdate(), starts_at=dt.time(9, 0))
    assert "开始时间 09:00 已经过去" in str(exc.value)
    assert _snapshot() == before
    assert _schedule(writer, branch.org, day=timezone.localdate(), starts_at=dt.time(15, 0))


def test_the_api_refuses_a_planned_date_in_the_past(client, branch, make_user, tree):
    client.force_login(make_user("unit_admin", tree.unit_a))
    payload = {
        "org": branch.org.pk,
        "kind": "theme_day",
        "title": "主题党日",
        "planned_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
    }
    resp = client.post("/api/activities/", payload, content_type="application/json")
    assert resp.status_code == 400
    assert "已经过去" in resp.json()["planned_on"][0]
    assert not Activity.objects.exists()
    payload["planned_on"] = _later().isoformat()
    resp = client.post("/api/activities/", payload, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["status"] == "scheduled"
    assert NoticeReceipt.objects.count() == len(branch.everyone)


def _link(member, user):
    Member.objects.filter(pk=member.pk).update(account=user)


def test_member_opening_the_notice_records_the_receipt_once(client, branch, writer, make_user):
    notice = _schedule(writer, branch.org)
    reader = branch.direct[3]
    account = make_user()  # no role at all: the receipt names them
    _link(reader, account)
    client.force_login(account)
    url = reverse("activities:notice_detail", args=[notice.pk])
    resp = client.get(url)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "三楼会议室" in text and "传达学习重要讲话精神" in text
    assert "回执" not in text  # who has read it is the secretary's to see
    receipt = NoticeReceipt.objects.get(activity=notice, member=reader)
    first = receipt.read_at
    assert first is not None
    assert NoticeReceipt.objects.filter(activity=notice, read_at__isnull=False).count() == 1
    client.get(url)
    receipt.refresh_from_db()
    assert receipt.read_at == first  # the first opening is kept
    events = AuditEvent.objects.filter(
        action="update", object_type="activities.noticereceipt", object_id=str(receipt.pk)
    )
    assert events.count() == 1
    # A notice not sent to them stays closed to a user without a role.
    other = _schedule(writer, branch.org, invitees=[branch.direct[0].pk])
    assert client.get(reverse("activities:notice_detail", args=[other.pk])).status_code == 403


def test_secretary_sees_who_has_read(client, branch, writer, make_user):
    notice = _schedule(writer, branch.org)
    NoticeReceipt.objects.filter(activity=notice, member=branch.direct[2]).update(
        read_at=timezone.now()
    )
    client.force_login(writer)
    resp = client.get(reverse("activities:notice_detail", args=[notice.pk]))
    text = resp.content.decode()
    assert f"已读 1 / {len(branch.everyone)}" in text
    assert "不作考核" in text  # optional, no ranking
    # A member of the branch with the reader's role sees the notice, not the receipts.
    client.force_login(make_user("party_member", branch.org))
    text = client.get(reverse("activities:notice_detail", args=[notice.pk])).content.decode()
    assert "传达学习重要讲话精神" in text and "已读 1" not in text


def test_record_it_keeps_everything_and_prefills_attendance(client, branch, writer):
    notice = _schedule(
        writer, branch.org, day=timezone.localdate(), starts_at=dt.time(23, 59), ends_at=None
    )
    NoticeReceipt.objects.filter(activity=notice, member=branch.direct[0]).update(
        read_at=timezone.now()
    )
    client.force_login(writer)
    resp = client.get(reverse("activities:activity_add") + f"?notice={notice.pk}")
    assert resp.status_code == 200
    form = resp.context["form"]
    assert form.initial["title"] == notice.title and form.initial["place"] == "三楼会议室"
    assert form.initial["held_on"] == timezone.localdate()
    rows = {r.member.pk: r.status for r in resp.context["rows"]}
    assert set(rows) == {m.pk for m in branch.everyone}
    assert rows[branch.exempt.pk] == "exempt"
    assert [a["title"] for a in resp.context["agenda"]] == ["传达学习重要讲话精神", "讨论发展对象"]

    data = {
        "notice": notice.pk,
        "org": branch.org.pk,
        "kind": "member_assembly",
        "held_on": timezone.localdate().isoformat(),
        "title": notice.title,
        "place": "三楼会议室",
        "agenda_key": ["a", "b"],
        "agenda_title": ["传达学习重要讲话精神", "讨论发展对象"],
        "agenda_first": "a",
        "att_ids": [str(pk) for pk in rows],
        **{f"att-{pk}": status for pk, status in rows.items()},
        f"att-{branch.direct[1].pk}": "leave",
        f"reason-{branch.direct[1].pk}": "病假",
    }
    resp = client.post(reverse("activities:activity_add"), data)
    assert resp.status_code == 302, resp.context["form"].errors
    assert Activity.objects.count() == 1  # the same row became the record
    held = Activity.objects.get()
    assert held.pk == notice.pk and held.status == ActivityStatus.HELD
    assert held.planned_on == timezone.localdate() and held.place == "三楼会议室"
    assert held.receipts.count() == len(branch.everyone)  # receipts kept
    assert held.receipts.filter(read_at__isnull=False).count() == 1
    assert held.participations.get(member=branch.direct[1]).reason == "病假"
    assert resp["Location"] == reverse("activities:activity_detail", args=[held.pk])

    # Recording it twice: refused, nothing written.
    before = (_snapshot(), list(Participation.objects.values_list("member_id", "status", "reason")))
    data[f"att-{branch.direct[1].pk}"] = "attended"
    resp = client.post(reverse("activities:activity_add"), data)
    assert resp.status_code == 200
    assert "该会议通知已于" in resp.content.decode() and "不能重复登记" in resp.content.decode()
    after = (_snapshot(), list(Participation.objects.values_list("member_id", "status", "reason")))
    assert after == before
    # Following the old link again leads to the record.
    resp = client.get(reverse("activities:activity_add") + f"?notice={notice.pk}", follow=True)
    assert "不能重复登记" in resp.content.decode()
    assert resp.redirect_chain[-1][0] == reverse("activities:activity_detail", args=[held.pk])


def test_record_notice_service_refuses_a_second_time(branch, writer):
    notice = _schedule(writer, branch.org, day=timezone.localdate(), starts_at=None)
    data = {"kind": "member_assembly", "title": notice.title, "held_on": timezone.localdate()}
    notices.record_notice(writer, notice, data)
    stale = Activity.objects.get(pk=notice.pk)
    stale.held_on = None  # a copy loaded before the first recording
    before = _snapshot()
    with pytest.raises(Exception) as exc:
        notices.record_notice(writer, stale, data)
    assert "不能重复登记" in str(exc.value)
    assert _snapshot() == before
    with pytest.raises(Exception) as exc:
        notices.record_notice(writer, notice, {**data, "held_on": None})
    assert "请填写实际召开日期" in str(exc.value)


def test_schedule_and_edit_through_the_page(client, branch, writer):
    client.force_login(writer)
    url = reverse("activities:notice_add")
    page = client.get(url)
    assert page.context["form"].initial["org"] == branch.org.pk
    day = _later(10)
    data = {
        "org": branch.org.pk,
        "kind": "party_lecture",
        "planned_on": day.isoformat(),
        "starts_at": "09:00",
        "ends_at": "11:00",
        "place": "党员活动室",
        "title": "",
        "agenda_key": ["a"],
        "agenda_title": ["党课：学习党章"],
        "invite": "all",
    }
    resp = client.post(url, data)
    notice = Activity.objects.get()
    assert resp.status_code == 302 and resp["Location"] == notice.get_absolute_url()
    assert notice.title == f"{day.year}年{day.month}月党课"
    assert notice.receipts.count() == len(branch.everyone)
    # Changing it: only the committee; those kept keep their receipt.
    NoticeReceipt.objects.filter(activity=notice, member=branch.committee[0]).update(
        read_at=timezone.now()
    )
    edit = reverse("activities:notice_edit", args=[notice.pk])
    data.update(
        invite="some", invitee=[str(m.pk) for m in branch.committee], place="二楼", title="党课"
    )
    resp = client.post(edit, data)
    assert resp.status_code == 302, resp.context["form"].errors
    notice.refresh_from_db()
    assert notice.place == "二楼"
    assert set(notice.receipts.values_list("member_id", flat=True)) == {
        m.pk for m in branch.committee
    }
    assert notice.receipts.get(member=branch.committee[0]).read_at is not None
    # A date gone by: the Chinese message on the date field, nothing changed.
    data["planned_on"] = "2020-01-01"
    resp = client.post(edit, data)
    assert resp.status_code == 200
    assert "已经过去" in str(resp.context["form"].errors["planned_on"])
    notice.refresh_from_db()
    assert notice.planned_on == day


def test_notice_list_and_query_count(client, branch, writer):
    client.force_login(writer)
    url = reverse("activities:notice_list")
    _schedule(writer, branch.org)
    count = assert_query_count_constant(
        client,
        url,
        lambda: [_schedule(writer, branch.org, day=_later(i)) for i in range(2, 6)],
        occurrences("dj-notice-card"),
    )
    check_baseline(BASELINES, "activities:notice_list", count)
    text = client.get(url).content.decode()
    assert f"已读 0 / {len(branch.everyone)}" in text


def test_scheduled_activity_detail_goes_to_the_notice(client, branch, writer):
    notice = _schedule(writer, branch.org)
    client.force_login(writer)
    resp = client.get(reverse("activities:activity_detail", args=[notice.pk]))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("activities:notice_detail", args=[notice.pk])


def test_notice_pages_refuse_outsiders(client, branch, writer, make_user, tree):
    notice = _schedule(writer, branch.org)
    detail = reverse("activities:notice_detail", args=[notice.pk])
    assert client.get(detail).status_code == 302  # to the login page
    client.force_login(make_user("branch_secretary", tree.branch_b))
    assert client.get(detail).status_code == 404
    edit = reverse("activities:notice_edit", args=[notice.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"place": "别处"}).status_code == 404
    notice.refresh_from_db()
    assert notice.place == "三楼会议室"
    client.force_login(make_user("audit_admin"))
    assert client.get(reverse("activities:notice_list")).status_code == 403
