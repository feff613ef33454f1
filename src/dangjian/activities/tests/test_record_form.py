"""The record form knows what it can (issue 9): org, date, title and host filled in, one
学时 for every attendee, attachments with the first save, the fields of the chosen kind,
members of the same name told apart; bad 学时 refused with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.activities.models import Activity, Attachment, Participation
from dangjian.members.models import Member

from .conftest import make_member, make_members
from .helpers import PDF

pytestmark = pytest.mark.django_db
URL = reverse("activities:activity_add")


def _post(client, org, members, files=None, **fields):
    data = {
        "org": org.pk,
        "kind": "member_assembly",
        "held_on": "2024-05-10",
        "title": "",
        "agenda_key": ["a"],
        "agenda_title": ["传达学习重要讲话精神"],
        "agenda_first": "a",
        "att_ids": [str(m.pk) for m in members],
        **{f"att-{m.pk}": "attended" for m in members},
    }
    data.update(fields)
    if files:
        data["attachments"] = files
    return client.post(URL, data)


def test_prefills_the_one_branch_today_and_a_title(client, tree, writer):
    client.force_login(writer)
    form = client.get(URL).context["form"]
    today = timezone.localdate()
    assert form.initial["org"] == tree.branch_a.pk  # her branch, not its 党小组 too
    assert form.initial["held_on"] == today
    resp = client.get(URL + "?kind=party_lecture&held_on=2026-12-03")
    assert resp.context["form"].initial["title"] == "2026年12月党课"


def test_no_org_chosen_for_a_user_of_many(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get(URL).context["form"].initial["org"] is None


def test_link_parameters_are_range_checked(client, tree, writer):
    """The 待办's link names kind, org and held_on; a bad one is said and ignored, never a 500."""
    client.force_login(writer)
    resp = client.get(URL + f"?org={tree.branch_b.pk}&kind=bogus&held_on=2024-13-40", follow=True)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "链接中的党组织不存在或不在您可登记的范围内" in text
    assert "链接中的活动类型无效" in text and "链接中的召开日期无效" in text
    form = resp.context["form"]
    assert form.initial["org"] == tree.branch_a.pk  # out of scope: her own branch instead
    assert form.initial["held_on"] == timezone.localdate()
    for bad in ("99999999999999999999999", "²", "-1"):
        assert client.get(URL + f"?org={bad}&held_on=0000-01-01").status_code == 200


def test_blank_title_is_made_from_kind_and_date(client, tree, writer):
    members = make_members(tree.branch_a, 3)
    client.force_login(writer)
    resp = _post(client, tree.branch_a, members)
    assert resp.status_code == 302, resp.context["form"].errors
    assert Activity.objects.get().title == "2024年5月支部党员大会"


def test_one_hours_from_the_times_for_every_attendee_with_override(client, tree, writer):
    members = make_members(tree.branch_a, 4)
    client.force_login(writer)
    resp = _post(
        client,
        tree.branch_a,
        members,
        starts_at="14:00",
        ends_at="16:30",
        **{f"att-{members[1].pk}": "leave", f"hours-{members[2].pk}": "1.5"},
    )
    assert resp.status_code == 302, resp.context["form"].errors
    hours = dict(Participation.objects.values_list("member_id", "hours"))
    assert hours[members[0].pk] == hours[members[3].pk] == Decimal("2.5")
    assert hours[members[1].pk] is None  # on leave: no 学时
    assert hours[members[2].pk] == Decimal("1.5")  # typed for this person
    # Typed once, without times: the same for everyone.
    Activity.objects.all().delete()
    resp = _post(client, tree.branch_a, members, hours="3")
    assert resp.status_code == 302
    assert set(Participation.objects.values_list("hours", flat=True)) == {Decimal("3.0")}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hours": "-1"}, "学时不能为负数"),
        ({"hours": "3", "starts_at": "14:00", "ends_at": "16:00"}, "学时 3 超过活动时长 2.0 小时"),
        ({"hours": "abc"}, "学时应填写数字"),
    ],
)
def test_bad_hours_are_refused_and_nothing_written(client, tree, writer, fields, message):
    members = make_members(tree.branch_a, 3)
    client.force_login(writer)
    resp = _post(client, tree.branch_a, members, **fields)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not Activity.objects.exists() and not Participation.objects.exists()


def test_a_persons_hours_above_the_duration_are_refused(client, tree, writer):
    members = make_members(tree.branch_a, 3)
    client.force_login(writer)
    resp = _post(
        client,
        tree.branch_a,
        members,
        starts_at="09:00",
        ends_at="10:00",
        **{f"hours-{members[0].pk}": "4"},
    )
    assert resp.status_code == 200
    assert "的学时 4.0 超过活动时长 1.0 小时" in resp.content.decode()
    resp = _post(client, tree.branch_a, members, **{f"hours-{members[0].pk}": "-2"})
    assert "学时不能为负数" in resp.content.decode()
    assert not Activity.objects.exists() and not Participation.objects.exists()


def _files_on_disk() -> set[str]:
    folder = Attachment.storage_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_attachments_saved_with_the_first_save(client, tree, writer):
    members = make_members(tree.branch_a, 2)
    client.force_login(writer)
    files = [
        SimpleUploadedFile("签到表.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("会议照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
    ]
    resp = _post(client, tree.branch_a, members, files=files)
    assert resp.status_code == 302, resp.context["form"].errors
    activity = Activity.objects.get()
    names = set(activity.attachments.values_list("original_name", flat=True))
    assert names == {"签到表.pdf", "会议照片.png"}
    stored = set(activity.attachments.values_list("stored_name", flat=True))
    assert stored <= _files_on_disk()


def test_a_bad_attachment_writes_nothing(client, tree, writer):
    """One file is not what its name says: no record, no attendance, no file kept."""
    members = make_members(tree.branch_a, 2)
    client.force_login(writer)
    before = _files_on_disk()
    files = [
        SimpleUploadedFile("签到表.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("照片.png", b"MZ\x90\x00 not a picture", "image/png"),
    ]
    resp = _post(client, tree.branch_a, members, files=files)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "附件：“照片.png”的扩展名是 .png" in text
    assert "所选附件未保存" in text
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    assert _files_on_disk() == before


def test_a_failed_write_removes_the_files_it_stored(tree, writer, monkeypatch):
    """The files are written inside the transaction: when it fails after them, they go."""
    from dangjian.activities import services

    members = make_members(tree.branch_a, 2)
    before = _files_on_disk()

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services.core_services, "ensure_in_scope", fail)
    with pytest.raises(RuntimeError):
        services.record_activity(
            writer,
            tree.branch_a,
            {"kind": "theme_day", "title": "主题党日", "held_on": dt.date(2024, 5, 10)},
            [{"member": m.pk} for m in members],
            uploads=[SimpleUploadedFile("签到表.pdf", PDF, "application/pdf")],
        )
    assert not Activity.objects.exists() and _files_on_disk() == before


def test_only_the_fields_of_the_kind(client, tree, writer):
    client.force_login(writer)
    html = client.get(URL + "?kind=member_assembly").content.decode()
    assert 'data-dj-kind="training" hidden' in html and 'data-dj-kind="volunteer" hidden' in html
    html = client.get(URL + "?kind=training").content.decode()
    assert 'data-dj-kind="training">' in html and 'data-dj-kind="volunteer" hidden' in html
    # A sub-type left over from another kind's choice is dropped, not refused.
    members = make_members(tree.branch_a, 2)
    resp = _post(client, tree.branch_a, members, training_type="rotation")
    assert resp.status_code == 302
    assert Activity.objects.get().training_type == ""


def test_members_of_the_same_name_told_apart(client, tree, writer):
    older = make_member(tree.branch_a, "李帅", birth_date=dt.date(1980, 5, 1))
    grouped = make_member(tree.group_a, "李帅", birth_date=dt.date(1985, 7, 1))
    make_member(tree.branch_a, "王芳", birth_date=dt.date(1990, 1, 1))
    client.force_login(writer)
    resp = client.get(URL + "?kind=member_assembly&held_on=2024-05-10")
    labels = dict(resp.context["form"].fields["host"].choices)
    assert labels[older.pk] == "李帅（1980年生）"
    assert labels[grouped.pk] == "李帅（第一党小组，1985年生）"
    assert "王芳" in labels.values()  # a name nobody shares stays as it is
    rows = {r.member.pk: r.label for r in resp.context["rows"]}
    assert rows[older.pk] == "李帅（1980年生）"


def test_host_is_the_signed_in_member(client, tree, writer):
    members = make_members(tree.branch_a, 3)
    Member.objects.filter(pk=members[1].pk).update(account=writer)
    client.force_login(writer)
    form = client.get(URL + "?kind=member_assembly&held_on=2024-05-10").context["form"]
    assert form.initial["host"] == members[1].pk
    # The htmx reload after choosing the kind fills it too.
    resp = client.post(
        URL,
        {
            "org": tree.branch_a.pk,
            "kind": "member_assembly",
            "held_on": "2024-05-10",
            "_refresh": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert f'<option value="{members[1].pk}" selected>' in resp.content.decode()
