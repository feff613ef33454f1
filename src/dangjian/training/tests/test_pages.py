"""The training pages: enrolment and attendance through their forms, certificates, the
member's 学时 on the member page and on 我的 — and the bad input answered in Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from dangjian.selfservice.tests.conftest import open_for
from dangjian.training.models import Enrolment

from .factories import TrainingClassFactory, make_enrolment, make_member, make_session

pytestmark = pytest.mark.django_db


def current_class(org, **kw):
    today = timezone.localdate()
    fields = {
        "year": today.year,
        "starts_on": today - dt.timedelta(days=30),
        "ends_on": today + dt.timedelta(days=60),
    }
    return TrainingClassFactory(org=org, **fields | kw)


def test_secretary_enrols_branch_members_in_the_committee_class(client, tree, make_user):
    klass = current_class(tree.root, capacity=2)
    a, b = make_member(tree.branch_a), make_member(tree.branch_a)
    client.force_login(make_user("branch_secretary", tree.branch_a))
    page = client.get(f"/training/classes/{klass.pk}/")
    assert (
        page.status_code == 200 and f"/training/classes/{klass.pk}/enrol/" in page.content.decode()
    )
    today = timezone.localdate().isoformat()
    resp = client.post(
        f"/training/classes/{klass.pk}/enrol/", {"members": [a.pk, b.pk], "enrolled_on": today}
    )
    assert resp.status_code == 302
    assert set(Enrolment.objects.values_list("member_id", flat=True)) == {a.pk, b.pk}
    # the class is full now: a third is refused, in Chinese, nothing written
    c = make_member(tree.branch_a)
    resp = client.post(
        f"/training/classes/{klass.pk}/enrol/", {"members": [c.pk], "enrolled_on": today}
    )
    assert resp.status_code == 200
    assert "本班共 2 个名额，已报名 2 人，还能报名 0 人" in resp.content.decode()
    assert Enrolment.objects.count() == 2


def test_enrol_page_refuses_a_member_outside_scope_and_an_ended_class(client, tree, make_user):
    klass = current_class(tree.root)
    client.force_login(make_user("branch_secretary", tree.branch_a))
    today = timezone.localdate().isoformat()
    outside = make_member(tree.branch_b)
    resp = client.post(
        f"/training/classes/{klass.pk}/enrol/", {"members": [outside.pk], "enrolled_on": today}
    )
    assert resp.status_code == 200
    assert "所选党员不在您可以报名的范围内" in resp.content.decode()
    ended = TrainingClassFactory(org=tree.root)  # 2024
    resp = client.post(
        f"/training/classes/{ended.pk}/enrol/",
        {"members": [make_member(tree.branch_a).pk], "enrolled_on": today},
    )
    assert "结业，不能再报名" in resp.content.decode()
    assert not Enrolment.objects.exists()


def test_organizer_records_attendance_on_the_page(client, tree, make_user):
    klass = current_class(tree.root)
    e1, e2 = make_enrolment(tree.branch_a, klass), make_enrolment(tree.branch_b, klass)
    client.force_login(make_user("committee_admin", tree.root))
    day = timezone.localdate().isoformat()
    resp = client.post(
        f"/training/classes/{klass.pk}/sessions/add/", {"title": "第一课", "held_on": day}
    )
    assert resp.status_code == 302, resp.content.decode()
    session = klass.class_sessions.get()
    url = f"/training/sessions/{session.pk}/attendance/"
    assert e2.member.name in client.get(url).content.decode()
    bad = client.post(
        url, {"held_on": day, f"status-{e1.member_id}": "attended", f"hours-{e1.member_id}": "30"}
    )
    assert "学时应在 0 至 24 之间" in bad.content.decode()
    assert not session.activity.participations.exists()
    resp = client.post(
        url,
        {
            "held_on": day,
            f"status-{e1.member_id}": "attended",
            f"hours-{e1.member_id}": "",
            f"status-{e2.member_id}": "leave",
        },
    )
    assert resp.status_code == 302
    assert dict(session.activity.participations.values_list("member_id", "status")) == {
        e1.member_id: "attended",
        e2.member_id: "leave",
    }
    assert session.activity.participations.get(member_id=e1.member_id).hours == Decimal("2.0")


def test_a_unit_cannot_open_the_committee_class_attendance(client, tree, make_user):
    klass = current_class(tree.root)
    session = make_session(klass, 1, timezone.localdate())
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get(f"/training/sessions/{session.pk}/attendance/").status_code == 404
    assert client.post(f"/training/sessions/{session.pk}/attendance/").status_code == 404
    assert client.post(f"/training/classes/{klass.pk}/sessions/add/").status_code == 404


def test_certificates_list_those_who_met_the_requirement(client, tree, make_user):
    klass = TrainingClassFactory(org=tree.root, required_sessions=2)
    good, short = make_enrolment(tree.branch_a, klass), make_enrolment(tree.branch_a, klass)
    make_session(klass, 1, dt.date(2024, 4, 1), attended=[good.member, short.member])
    make_session(klass, 2, dt.date(2024, 4, 8), attended=[good.member])
    client.force_login(make_user("unit_admin", tree.unit_a))
    html = client.get(f"/training/classes/{klass.pk}/certificates/").content.decode()
    assert f'data-member="{good.member_id}"' in html
    assert f'data-member="{short.member_id}"' not in html
    cert = strip_tags(client.get(f"/training/enrolments/{good.pk}/certificate/").content.decode())
    assert "准予结业" in cert and "出席 2 课次，计 4.0 学时" in cert
    none = strip_tags(client.get(f"/training/enrolments/{short.pk}/certificate/").content.decode())
    assert "未达到结业要求" in none and "准予结业" not in none


def test_member_page_and_my_page_show_the_yearly_hours(client, tree, make_user):
    year = timezone.localdate().year
    klass = current_class(tree.root)
    me = make_member(tree.branch_a)
    make_enrolment(tree.branch_a, klass, member=me, enrolled_on=klass.starts_on)
    make_session(klass, 1, klass.starts_on, attended=[me], hours="2.5")
    client.force_login(make_user("unit_admin", tree.unit_a))
    page = strip_tags(client.get(f"/members/{me.pk}/").content.decode())
    assert "学时" in page and f"{year} 年" in page and "2.5" in page and klass.title in page
    open_for([me])
    me.refresh_from_db()
    account = me.account
    account.must_change_password = False
    account.save(update_fields=["must_change_password"])
    client.force_login(account)
    text = strip_tags(client.get("/me/").content.decode())
    assert "我的学时" in text
    assert "培训 2.5（其中培训班课次 2.5）" in text
    assert klass.title in text and "出席 1 课次 · 2.5 学时" in text


def test_enrolment_export_is_xlsx(client, tree, make_user):
    klass = TrainingClassFactory(org=tree.root)
    make_enrolment(tree.branch_a, klass)
    client.force_login(make_user("unit_admin", tree.unit_a))
    resp = client.get(f"/training/enrolments/?training_class={klass.pk}&export=xlsx")
    assert resp.status_code == 200
    assert "spreadsheetml" in resp["Content-Type"]
