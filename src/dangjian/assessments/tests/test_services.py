"""The assessment workflow: results, totals and ratings, status and locking, quotas,
findings and rectification — every bad input refused in Chinese with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assessments import services
from dangjian.assessments.models import (
    Assessment,
    EvidenceFile,
    Finding,
    FrameworkItem,
    ItemKind,
    ItemResult,
    Rectification,
    RectificationEvidence,
)
from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import OrgKind

from .factories import (
    checklist_framework,
    fake_pdf_upload,
    make_assessment,
    make_campaign,
    make_finding,
    make_framework,
    pdf_upload,
    star_framework,
)

A = "assessments.assessment"


def items_of(framework) -> dict[str, FrameworkItem]:
    return {i.code: i for i in framework.items.all()}


@pytest.fixture
def star(tree):
    fw = star_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a, tree.branch_b])
    return campaign, campaign.assessments.get(target=tree.branch_a), items_of(fw)


def scores(items, values):
    return [{"item": items[str(i + 1)].pk, "score": v} for i, v in enumerate(values)]


# --- results and totals ---------------------------------------------------------------


def test_totals_and_bands_95_without_innovation_is_not_five_stars(star, people):
    _, a, items = star
    services.save_results(people.committee, a, scores(items, [15, 15, 15, 15, 15, 10, 5, 5]))
    a.refresh_from_db()
    assert a.total_score == Decimal(95)
    assert a.rating == "四星"  # ≥ 90 but no innovation project
    assert a.passed is True
    assert a.status == "in_progress"
    services.update_assessment(people.committee, a, has_innovation=True)
    a.refresh_from_db()
    assert a.rating == "五星"


def test_not_applicable_items_are_left_out_of_the_total(star, people):
    _, a, items = star
    rows = scores(items, [10, 10, 10, 10, 10, 10, 10, 8])
    rows[7] = {"item": "8", "result": "not_applicable", "score": 8}  # by code; score dropped
    services.save_results(people.committee, a, rows)
    a.refresh_from_db()
    assert a.total_score == Decimal(70)
    assert a.rating == "三星"
    assert ItemResult.objects.get(assessment=a, item=items["8"]).score is None


def test_pass_fail_framework_passes_without_nonconforming_items(tree, people):
    fw = make_framework(
        [{"code": "1", "kind": ItemKind.PASS_FAIL}, {"code": "2", "kind": ItemKind.PASS_FAIL}]
    )
    a = make_assessment(make_campaign(fw, tree.root), tree.branch_a)
    services.save_results(people.committee, a, [{"item": "1", "result": "conforming"}])
    a.refresh_from_db()
    assert a.passed is True and a.total_score is None
    services.save_results(people.committee, a, [{"item": "2", "result": "nonconforming"}])
    a.refresh_from_db()
    assert a.passed is False


def test_score_above_the_maximum_is_refused_and_nothing_is_saved(star, people):
    _, a, items = star
    rows = scores(items, [15, 15, 16, 15, 15, 15, 10, 10])
    with pytest.raises(ValidationError) as exc:
        services.save_results(people.committee, a, rows)
    assert "第 3 项：得分 16 超过该项满分 15 分" in str(exc.value)
    assert not ItemResult.objects.filter(assessment=a).exists()
    a.refresh_from_db()
    assert a.status == "planned" and a.total_score is None
    assert not AuditEvent.objects.filter(object_type=A).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"score": -1}, "不能为负数"),
        ({"score": "abc"}, "不是数字"),
        ({"score": "1.255"}, "两位小数"),
        ({"result": "excellent"}, "无效"),
        ({"methods": ["smell"]}, "检查方式"),
    ],
)
def test_bad_values_are_refused(star, people, row, message):
    _, a, items = star
    with pytest.raises(ValidationError) as exc:
        services.save_results(people.committee, a, [{"item": items["1"].pk, **row}])
    assert message in str(exc.value)


def test_result_for_an_item_of_another_framework_version_is_refused(star, people):
    campaign, a, items = star
    newer = star_framework(code=campaign.framework.code, version=2)
    stray = items_of(newer)["1"]
    with pytest.raises(ValidationError) as exc:
        services.save_results(
            people.committee,
            a,
            [{"item": items["2"].pk, "score": 5}, {"item": stray.pk, "score": 5}],
        )
    assert "不属于本次督查使用的" in str(exc.value) and "第 1 版" in str(exc.value)
    assert not ItemResult.objects.filter(assessment=a).exists()


def test_results_must_fit_the_item_kind(tree, people):
    fw = checklist_framework()
    a = make_assessment(make_campaign(fw, tree.root), tree.branch_a)
    cases = [
        ({"item": "1", "result": "conforming"}, "分类标题"),
        ({"item": "1.1", "result": "partial"}, "是否达标"),
        ({"item": "1.2", "result": "conforming", "score": 3}, "不计分"),
    ]
    for row, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.save_results(people.committee, a, [row])
        assert message in str(exc.value)
    assert not ItemResult.objects.filter(assessment=a).exists()


def test_upsert_keeps_missing_keys_and_audits_one_compact_diff_per_save(star, people):
    _, a, items = star
    services.save_results(
        people.committee,
        a,
        [
            {"item": items["1"].pk, "score": 12, "note": "记录齐全", "methods": ["check", "ask"]},
            {"item": items["2"].pk, "score": 10},
        ],
    )
    services.save_results(people.committee, a, [{"item": "1", "score": 13}])
    r = ItemResult.objects.get(assessment=a, item=items["1"])
    assert (r.score, r.note, r.methods) == (Decimal(13), "记录齐全", ["check", "ask"])
    events = list(AuditEvent.objects.filter(object_type=A).order_by("id"))
    assert len(events) == 2
    assert events[1].detail["results"] == {"1": {"score": ["12", "13"]}}
    assert events[1].before["total_score"] == "22" and events[1].after["total_score"] == "23"
    # an autosave that changes nothing writes nothing
    services.save_results(people.committee, a, [{"item": "1", "score": "13.00"}])
    assert AuditEvent.objects.filter(object_type=A).count() == 2


def test_saving_50_items_takes_a_fixed_number_of_queries(tree, people):
    fw = make_framework([{"code": f"{i}", "max_score": 2} for i in range(1, 51)])
    a = make_assessment(make_campaign(fw, tree.root), tree.branch_a)
    b = make_assessment(a.campaign, tree.branch_b)
    rows = [{"item": str(i), "result": "conforming", "score": 2} for i in range(1, 51)]
    services.save_results(people.committee, b, rows[:5])  # warm the user's grants
    with CaptureQueriesContext(connection) as five:
        services.save_results(people.committee, b, [dict(r, score=1) for r in rows[:5]])
    with CaptureQueriesContext(connection) as fifty:
        services.save_results(people.committee, a, rows)
    with CaptureQueriesContext(connection) as update:
        services.save_results(people.committee, a, [dict(r, score=1) for r in rows])
    assert len(fifty) <= 12
    assert len(five) == len(update)
    a.refresh_from_db()
    assert a.total_score == Decimal(50)


# --- status and locking ---------------------------------------------------------------


def test_status_moves_one_step_and_done_locks(star, people):
    _, a, items = star
    with pytest.raises(ValidationError) as exc:
        services.set_status(people.committee, a, "done")
    assert "不能从“待检查”直接改为“已完成”" in str(exc.value)
    services.save_results(people.committee, a, scores(items, [15] * 6 + [10, 10]))
    services.set_status(people.committee, a, "in_review")
    services.set_status(people.committee, a, "done")
    a.refresh_from_db()
    assert a.is_locked and a.completed_at is not None and a.total_score == 110
    with pytest.raises(ValidationError) as exc:
        services.save_results(people.committee, a, [{"item": "1", "score": 1}])
    assert "已完成并锁定" in str(exc.value)
    with pytest.raises(ValidationError):
        services.update_assessment(people.committee, a, summary="改一下")
    with pytest.raises(ValidationError):
        services.add_evidence_file(people.committee, a, pdf_upload())
    assert ItemResult.objects.get(assessment=a, item=items["1"]).score == 15
    services.set_status(people.committee, a, "in_progress")  # reopened by the owner
    a.refresh_from_db()
    assert a.completed_at is None
    services.save_results(people.committee, a, [{"item": "1", "score": 1}])


def test_the_checked_side_cannot_fill_in_its_own_assessment(star, people):
    campaign, a, _ = star
    campaign.results_released = True
    campaign.save()
    assert Assessment.objects.restrict(people.unit_admin, "view").filter(pk=a.pk).exists()
    for user in (people.unit_admin, people.secretary, people.viewer):
        with pytest.raises(OutOfScope):
            services.save_results(user, a, [{"item": "1", "score": 1}])
        with pytest.raises(OutOfScope):
            services.set_status(user, a, "in_progress")
    assert not ItemResult.objects.filter(assessment=a).exists()


def test_reopening_needs_change_campaign_on_the_scope_org(tree, people, make_user):
    # a unit checking its own branches: its admin runs and reopens; the 工委 may as well
    fw = star_framework()
    a = make_assessment(make_campaign(fw, tree.unit_a), tree.branch_a, status="done")
    with pytest.raises(OutOfScope):
        services.set_status(people.unit_b_admin, a, "in_review")
    services.set_status(people.unit_admin, a, "in_review")
    a.refresh_from_db()
    assert a.status == "in_review"


def test_update_assessment_validates(star, people):
    _, a, _ = star
    with pytest.raises(ValidationError) as exc:
        services.update_assessment(
            people.committee, a, assessed_on=timezone.localdate() + dt.timedelta(days=3)
        )
    assert "检查日期不能晚于今天" in str(exc.value)
    with pytest.raises(ValidationError):
        services.update_assessment(people.committee, a, rating="五星")
    services.update_assessment(
        people.committee,
        a,
        assessed_on=dt.date(2024, 6, 3),
        assessors=[people.committee],
        assessor_names="张三、李四",
    )
    a.refresh_from_db()
    assert a.assessed_on == dt.date(2024, 6, 3)
    assert list(a.assessors.all()) == [people.committee]


# --- quota ratings --------------------------------------------------------------------


def quota_campaign(tree, values):
    """A campaign with one done assessment per (score, innovation), new branches as targets."""
    fw = star_framework(
        quota_shares=[
            {"label": "五星", "share": 0.1},
            {"label": "四星", "share": 0.3},
            {"label": "三星", "share": 0.4},
            {"label": "二星", "share": 0.2},
        ]
    )
    campaign = make_campaign(fw, tree.root)
    out = []
    for i, (score, innovation) in enumerate(values):
        tree.unit_a.refresh_from_db()
        branch = tree.unit_a.add_child(kind=OrgKind.BRANCH, name=f"第{i + 10}党支部")
        out.append(
            make_assessment(
                campaign,
                branch,
                status="done",
                total_score=Decimal(score),
                has_innovation=innovation,
            )
        )
    # an unfinished one is not ranked
    make_assessment(campaign, tree.branch_b, status="in_review", total_score=Decimal(99))
    return campaign, out


def ratings(assessments):
    return [Assessment.objects.get(pk=a.pk).rating for a in assessments]


def test_quota_ratings_with_ties_at_a_boundary(tree, people):
    # 10 done: caps 1 / 4 / 8 / 10; the two 85s tie at the 四星 boundary and share it
    values = [(100, True), (95, False), (90, True), (85, False), (85, False)]
    values += [(80, False), (75, False), (70, False), (60, False), (50, False)]
    campaign, assessed = quota_campaign(tree, values)
    assert services.apply_quota_ratings(people.committee, campaign.pk) == 10
    assert (
        ratings(assessed) == ["五星", "四星", "四星", "四星", "四星"] + ["三星"] * 3 + ["二星"] * 2
    )


def test_quota_five_stars_still_needs_ninety_and_innovation(tree, people):
    values = [(95, False), (93, True), (88, True)] + [(70, False)] * 7
    campaign, assessed = quota_campaign(tree, values)
    services.apply_quota_ratings(people.committee, campaign.pk)
    # the best has no innovation project: 四星, and the 五星 slot is not passed down
    assert ratings(assessed)[:3] == ["四星", "四星", "四星"]
    assert "五星" not in ratings(assessed)


def test_quota_needs_a_quota_framework_and_scope(tree, people):
    campaign = make_campaign(star_framework(), tree.root)
    with pytest.raises(ValidationError):
        services.apply_quota_ratings(people.committee, campaign.pk)
    with pytest.raises(OutOfScope):
        services.apply_quota_ratings(people.unit_admin, campaign.pk)


# --- findings -------------------------------------------------------------------------


def test_finding_from_an_item_takes_its_category_and_opens_a_rectification(tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a])
    a = campaign.assessments.get()
    item = items_of(fw)["1.1"]
    f = services.raise_finding(
        people.committee,
        text="2024年3月、7月未开展主题党日",
        assessment=a,
        item=item,
        found_on=dt.date(2024, 9, 2),
    )
    assert (f.org, f.raised_by_org, f.campaign, f.category) == (
        tree.branch_a,
        tree.root,
        campaign,
        "三会一课",  # the section's category
    )
    r = f.rectification
    assert (r.org, r.status, r.deadline) == (tree.branch_a, "open", dt.date(2024, 10, 2))


def test_finding_bad_inputs(tree, people):
    fw = checklist_framework()
    campaign = make_campaign(fw, tree.root, [tree.branch_a])
    a = campaign.assessments.get()
    other = items_of(checklist_framework())["1.1"]
    with pytest.raises(ValidationError) as exc:
        services.raise_finding(
            people.committee, text="", assessment=a, item=other, org=tree.branch_b
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"text", "item", "org"}
    # the checked side cannot raise findings in the campaign's name
    with pytest.raises(OutOfScope):
        services.raise_finding(people.unit_admin, text="x", assessment=a, category="c")
    # free-standing: out of scope, and the org must be under the raising org
    with pytest.raises(OutOfScope):
        services.raise_finding(people.unit_b_admin, text="x", org=tree.branch_a, category="c")
    with pytest.raises(ValidationError) as exc:
        services.raise_finding(
            people.committee,
            text="x",
            org=tree.branch_a,
            category="c",
            raised_by_org=tree.unit_b,
        )
    assert "raised_by_org" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.raise_finding(
            people.committee, text="x", org=tree.branch_b, category="c", campaign=campaign
        )
    assert "不是督查活动" in str(exc.value)
    assert not Finding.objects.exists() and not Rectification.objects.exists()


def test_free_standing_finding_is_raised_by_the_users_highest_org(tree, people):
    f = services.raise_finding(
        people.unit_admin, text="党费收缴台账不全", org=tree.branch_a, category="党费"
    )
    assert f.raised_by_org == tree.unit_a and f.campaign is None
    f2 = services.raise_finding(
        people.committee, text="x", org=tree.branch_a, category="c", deadline=dt.date(2099, 1, 1)
    )
    assert f2.raised_by_org == tree.root
    assert f2.rectification.deadline == dt.date(2099, 1, 1)


# --- rectification --------------------------------------------------------------------


@pytest.fixture
def rect(tree):
    return make_finding(tree.branch_a, raised_by=tree.root).rectification


def test_submit_needs_measures_and_the_owner_side(rect, people):
    with pytest.raises(ValidationError) as exc:
        services.submit_rectification(people.secretary, rect, measures=" ")
    assert "请填写整改措施" in str(exc.value)
    with pytest.raises(OutOfScope):
        services.submit_rectification(people.unit_b_admin, rect, measures="补开主题党日")
    services.submit_rectification(
        people.secretary, rect, measures="补开主题党日", files=[pdf_upload()]
    )
    rect.refresh_from_db()
    assert rect.status == "submitted" and rect.submitted_by == people.secretary
    stored = RectificationEvidence.objects.get(rectification=rect)
    # a rectification's proof lives in its own folder, not the assessments' evidence one
    assert (RectificationEvidence.storage_dir() / stored.stored_name).is_file()
    assert str(RectificationEvidence.storage_dir()).endswith("files/rectifications")
    assert not (EvidenceFile.storage_dir() / stored.stored_name).exists()
    with pytest.raises(ValidationError):
        services.submit_rectification(people.secretary, rect, measures="再交一次")


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_kept(
    rect, people, settings, tmp_path
):
    settings.DATA_DIR = tmp_path  # a folder of its own: parallel tests store files too
    with pytest.raises(ValidationError) as exc:
        services.submit_rectification(
            people.secretary, rect, measures="补开", files=[pdf_upload("a.pdf"), fake_pdf_upload()]
        )
    assert "扩展名是 .pdf" in str(exc.value)
    rect.refresh_from_db()
    assert rect.status == "open" and not rect.files.exists()
    for folder in (RectificationEvidence.storage_dir(), EvidenceFile.storage_dir()):
        assert not folder.exists() or not any(folder.iterdir())


def test_closing_without_evidence_is_refused(rect, people):
    services.submit_rectification(people.secretary, rect, measures="补开主题党日")
    with pytest.raises(ValidationError) as exc:
        services.verify_rectification(people.committee, rect, accept=True)
    assert "没有整改佐证材料，不能销号" in str(exc.value)
    rect.refresh_from_db()
    assert rect.status == "submitted" and rect.closed_on is None


def test_verify_needs_the_raising_side(rect, people):
    services.submit_rectification(
        people.secretary, rect, measures="补开主题党日", evidence_text="已于10月补开，附记录"
    )
    # the owner's own unit admin holds verify_rectification, but not over the 工委
    for user in (people.unit_admin, people.secretary, people.unit_b_admin, people.viewer):
        with pytest.raises(OutOfScope):
            services.verify_rectification(user, rect, accept=True)
    with pytest.raises(ValidationError) as exc:
        services.verify_rectification(people.committee, rect, accept=False)
    assert "退回时请填写审核意见" in str(exc.value)
    services.verify_rectification(people.committee, rect, accept=False, note="缺会议记录")
    rect.refresh_from_db()
    assert rect.status == "returned" and rect.verify_note == "缺会议记录"
    services.submit_rectification(people.secretary, rect, measures="补开并补记录")
    services.verify_rectification(people.committee, rect, accept=True)
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.closed_on is not None
    assert rect.verified_by == people.committee


def test_a_unit_verifies_what_it_raised_itself(tree, people):
    rect = make_finding(tree.branch_a, raised_by=tree.unit_a).rectification
    services.add_rectification_file(people.secretary, rect, pdf_upload())
    services.submit_rectification(people.secretary, rect, measures="已整改")
    services.verify_rectification(people.unit_admin, rect, accept=True)
    rect.refresh_from_db()
    assert rect.status == "closed"


def test_evidence_file_for_an_item(star, people):
    _, a, items = star
    ev = services.add_evidence_file(
        people.committee, a, pdf_upload("台账.pdf"), item_id=items["2"].pk
    )
    assert ev.item_result.item == items["2"] and ev.original_name == "台账.pdf"
    assert (EvidenceFile.storage_dir() / ev.stored_name).is_file()
    with pytest.raises(ValidationError):
        services.add_evidence_file(people.committee, a, pdf_upload(), item_id=10**9)
    with pytest.raises(OutOfScope):
        services.add_evidence_file(people.secretary, a, pdf_upload())
    assert EvidenceFile.objects.count() == 1
