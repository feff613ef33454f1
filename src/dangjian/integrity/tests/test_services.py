"""The register's writes: a round gives every unit its register; a unit writes only its own
register of an open round; measures only on the same register's points; bad input is a
Chinese message and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.integrity import services
from dangjian.integrity.models import (
    Institution,
    Measure,
    RiskPoint,
    RiskReview,
    RiskSubmission,
)

from .factories import make_measure, make_point, register_for

pytestmark = pytest.mark.django_db
D = dt.date


def review_fields(tree, **changes):
    return {
        "org": tree.root,
        "year": 2025,
        "title": "2025年度廉政风险排查",
        "opens_on": D(2025, 3, 1),
        "due_on": D(2025, 5, 31),
        "closed": False,
        "warning_activity": None,
        "note": "",
    } | changes


def test_opening_a_round_gives_every_unit_its_register(tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    review = services.save_review(gongwei, RiskReview(), **review_fields(tree))
    subs = RiskSubmission.objects.filter(review=review)
    assert sorted(s.org_id for s in subs) == sorted([tree.unit_a.pk, tree.unit_b.pk])
    assert not any(s.submitted_at for s in subs)
    assert AuditEvent.objects.filter(action="create", object_type="integrity.riskreview").exists()


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"year": 1999}, "year", "2000 至 2100"),
        ({"year": 2101}, "year", "2000 至 2100"),
        ({"due_on": D(2025, 2, 1)}, "due_on", "不能早于开始日期"),
        ({"title": " "}, "title", "排查名称"),
    ],
)
def test_bad_rounds_are_refused(tree, make_user, changes, field, text):
    gongwei = make_user("committee_admin", tree.root)
    with pytest.raises(ValidationError) as info:
        services.save_review(gongwei, RiskReview(), **review_fields(tree, **changes))
    assert text in " ".join(info.value.message_dict[field])
    assert not RiskReview.objects.exists() and not RiskSubmission.objects.exists()


def test_a_year_has_one_round(tree, make_user):
    gongwei = make_user("committee_admin", tree.root)
    services.save_review(gongwei, RiskReview(), **review_fields(tree))
    with pytest.raises(ValidationError) as info:
        services.save_review(gongwei, RiskReview(), **review_fields(tree, title="再来一次"))
    assert "已组织过" in info.value.message_dict["year"][0]
    assert RiskReview.objects.count() == 1


def test_a_unit_cannot_open_a_round(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    with pytest.raises(ValidationError):
        services.save_review(admin, RiskReview(), **review_fields(tree, org=tree.unit_a))
    assert not RiskReview.objects.exists()


def point_fields(sub, **changes):
    return {
        "submission": sub,
        "code": "FX-01",
        "post": "finance",
        "post_title": "出纳",
        "description": "现金管理不规范，存在挪用公款的风险",
        "category": "process",
        "level": "high",
    } | changes


def test_a_measure_cannot_guard_another_units_point(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    own = make_point(tree.unit_a)
    foreign = make_point(tree.unit_b)
    with pytest.raises(ValidationError) as info:
        services.save_measure(
            admin,
            Measure(),
            [own, foreign],
            submission=own.submission,
            description="实行钱账分管",
            responsible="财务科长",
            deadline=None,
        )
    message = info.value.message_dict["risk_points"][0]
    assert "只能关联本单位本轮的风险点" in message and foreign.code in message
    assert not Measure.objects.exists()


def test_a_measure_links_points_of_its_register(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    a = make_point(tree.unit_a)
    b = make_point(tree.unit_a, submission=a.submission)
    m = services.save_measure(
        admin,
        Measure(),
        [a, b],
        submission=a.submission,
        description="实行钱账分管，每月对账",
        responsible="财务科长",
        deadline=D(2025, 12, 31),
    )
    assert set(m.risk_points.values_list("pk", flat=True)) == {a.pk, b.pk}


def test_a_unit_writes_only_its_own_register(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    other = register_for(tree.unit_b)
    with pytest.raises(ValidationError) as info:
        services.save_point(admin, RiskPoint(), **point_fields(other))
    assert "不是您可以填报的单位" in info.value.message_dict["submission"][0]
    assert not RiskPoint.objects.exists()


def test_a_closed_round_takes_no_writes_nor_submission(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    make_measure(tree.unit_a, submission=sub)
    RiskReview.objects.filter(pk=sub.review_id).update(closed=True)
    sub.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.submit(admin, sub)
    assert "已结束" in info.value.message_dict["submission"][0]
    with pytest.raises(ValidationError):
        services.save_point(admin, RiskPoint(), **point_fields(sub, code="FX-77"))
    with pytest.raises(ValidationError):
        services.save_institution(
            admin,
            Institution(),
            submission=sub,
            kind="revised",
            name="公务接待管理办法",
            issued_on=D(2025, 3, 1),
            document_number="",
        )
    sub.refresh_from_db()
    assert sub.submitted_at is None
    assert RiskPoint.objects.count() == 1 and not Institution.objects.exists()


def test_submitting_needs_points_each_with_a_measure(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    with pytest.raises(ValidationError) as info:
        services.submit(admin, sub)
    assert "还没有填报风险点" in info.value.messages[0]
    bare = make_point(tree.unit_a, submission=sub, code="FX-09")
    make_measure(tree.unit_a, submission=sub)
    with pytest.raises(ValidationError) as info:
        services.submit(admin, sub)
    assert "FX-09" in info.value.messages[0]
    make_measure(tree.unit_a, submission=sub, risk_points=[bare])
    services.submit(admin, sub)
    sub.refresh_from_db()
    assert sub.submitted_at is not None and sub.submitted_by == admin


def test_point_codes_are_unique_in_a_register(tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    services.save_point(admin, RiskPoint(), **point_fields(sub))
    with pytest.raises(ValidationError) as info:
        services.save_point(admin, RiskPoint(), **point_fields(sub, post="nobody"))
    assert "已有编号为 FX-01" in info.value.message_dict["code"][0]
    assert "岗位不在岗位列表中" in info.value.message_dict["post"][0]
    assert RiskPoint.objects.count() == 1


def test_the_unit_submits_through_the_page(client, tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    client.force_login(admin)
    resp = client.post(reverse("integrity:submission_submit", args=[sub.pk]), follow=True)
    assert "还没有填报风险点" in resp.content.decode()
    make_measure(tree.unit_a, submission=sub)
    resp = client.post(reverse("integrity:submission_submit", args=[sub.pk]), follow=True)
    assert "已提交本单位" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.submitted_at is not None


def test_the_forms_add_rows_to_the_register(client, tree, make_user):
    admin = make_user("unit_admin", tree.unit_a)
    sub = register_for(tree.unit_a)
    client.force_login(admin)
    page = client.get(reverse("integrity:point_add") + f"?submission={sub.pk}")
    assert page.status_code == 200 and f'value="{sub.pk}"' in page.content.decode()
    resp = client.post(
        reverse("integrity:point_add"),
        {
            "submission_id": sub.pk,
            "code": "FX-01",
            "post": "procurement",
            "category": "process",
            "level": "medium",
            "description": "采购需求设置倾向性条款",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    point = RiskPoint.objects.get(submission=sub)
    resp = client.post(
        reverse("integrity:measure_add"),
        {
            "submission_id": sub.pk,
            "risk_points": [point.pk],
            "description": "采购需求集体研究",
            "responsible": "办公室主任",
        },
    )
    assert resp.status_code == 302
    assert list(Measure.objects.get().risk_points.all()) == [point]
    # another unit's register cannot be named in the form
    other = register_for(tree.unit_b)
    resp = client.post(
        reverse("integrity:institution_add"),
        {"submission_id": other.pk, "kind": "revised", "name": "X", "issued_on": "2025-03-01"},
    )
    assert resp.status_code == 200 and "排查填报页面进入" in resp.content.decode()
    assert not Institution.objects.exists()
