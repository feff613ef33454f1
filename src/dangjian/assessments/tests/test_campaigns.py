"""Campaign services: validation (Chinese errors, nothing saved), selection modes, re-draws,
added targets, edits and releasing results — each audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.assessments import campaigns, sampling
from dangjian.assessments.frameworks import import_framework
from dangjian.assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Framework,
    ItemKind,
    ItemResult,
)
from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import OrgKind

pytestmark = pytest.mark.django_db


def basic() -> Framework:
    return Framework.objects.get(code="basic_system", is_current=True)


@pytest.fixture
def admin(make_user, tree):
    return make_user("committee_admin", tree.root)


@pytest.fixture
def more(tree):
    """Four more branches (with a 党小组 each) under 甲局, so 甲局 has 5 branches + 5 groups."""
    for i in range(2, 6):
        tree.unit_a.refresh_from_db()
        branch = tree.unit_a.add_child(kind=OrgKind.BRANCH, name=f"甲局第{i}党支部")
        branch.add_child(kind=OrgKind.PARTY_GROUP, name=f"甲局第{i}党小组")
    return tree


def make(user, scope, **overrides):
    args = {
        "name": "2024年基础制度落实抽查调阅",
        "campaign_type": "sampled_review",
        "framework": basic(),
        "scope_org": scope,
        "target_kinds": ["branch", "party_group"],
        "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
    }
    args.update(overrides)
    return campaigns.create_campaign(user, **args)


def refused(user, scope, field: str, fragment: str, **overrides) -> None:
    before = (Campaign.objects.count(), Assessment.objects.count())
    with pytest.raises(ValidationError) as info:
        make(user, scope, **overrides)
    messages = info.value.message_dict.get(field, [])
    assert any(fragment in m for m in messages), info.value.message_dict
    assert (Campaign.objects.count(), Assessment.objects.count()) == before


# --- creating ---------------------------------------------------------------------------------


def test_all_targets(admin, tree):
    campaign = make(admin, tree.root)
    targets = set(campaign.assessments.values_list("target__name", flat=True))
    assert targets == {"甲局第一党支部", "第一党小组", "乙局第一党支部"}
    units = dict(campaign.assessments.values_list("target_id", "unit_org_id"))
    assert units[tree.group_a.pk] == tree.unit_a.pk and units[tree.branch_b.pk] == tree.unit_b.pk
    assert campaign.created_by == admin and campaign.sampling_plan["mode"] == "all"
    assert campaign.sampling_plan["population"] == 3
    assert all(a.status == AssessmentStatus.PLANNED for a in campaign.assessments.all())
    event = AuditEvent.objects.get(object_type="assessments.campaign", action="create")
    assert event.actor_id == admin.pk and event.detail["targets"] == 3


def test_manual_targets(admin, tree):
    campaign = make(
        admin,
        tree.root,
        selection="manual",
        target_kinds=["branch"],
        manual_targets=[tree.branch_b, tree.branch_b],
    )
    assert list(campaign.assessments.values_list("target_id", flat=True)) == [tree.branch_b.pk]
    assert campaign.sampling_plan["strata"][1]["drawn"] == 1


def test_unit_admin_runs_a_campaign_in_own_unit_only(make_user, tree):
    unit_admin = make_user("unit_admin", tree.unit_a)
    campaign = make(unit_admin, tree.unit_a)
    assert campaign.assessments.count() == 2
    with pytest.raises(OutOfScope):
        make(unit_admin, tree.root)
    with pytest.raises(OutOfScope):
        make(make_user("branch_secretary", tree.branch_a), tree.branch_a)


def test_sample_larger_than_population(admin, tree):
    refused(admin, tree.root, "sample_size", "超过了总体数量 3", selection="sample", sample_size=4)


def test_size_and_ratio_both_or_neither(admin, tree):
    refused(
        admin,
        tree.root,
        "sample_size",
        "只能填写一项",
        selection="sample",
        sample_size=2,
        sample_ratio=Decimal("0.5"),
    )
    refused(admin, tree.root, "sample_size", "二选一", selection="sample")
    refused(admin, tree.root, "sample_size", "只有分层随机抽样", sample_size=2)


@pytest.mark.parametrize("ratio", [Decimal("0"), Decimal("1.5"), Decimal("-0.1"), "abc"])
def test_ratio_outside_range(admin, tree, ratio):
    refused(admin, tree.root, "sample_ratio", "抽样比例", selection="sample", sample_ratio=ratio)


def test_ratio_one_takes_everyone(admin, tree):
    campaign = make(admin, tree.root, selection="sample", sample_ratio=Decimal("1"), seed=1)
    assert campaign.assessments.count() == 3


def test_bad_seed(admin, tree):
    refused(admin, tree.root, "seed", "随机种子", selection="sample", sample_size=1, seed=-1)


def test_target_kind_not_allowed_by_framework(admin, tree):
    refused(admin, tree.root, "target_kinds", "不适用于党组", target_kinds=["leading_group"])
    refused(admin, tree.root, "target_kinds", "未知的组织类别", target_kinds=["village"])
    refused(admin, tree.root, "target_kinds", "请选择检查对象层级", target_kinds=[])


def test_campaign_type_not_allowed_by_framework(admin, tree):
    refused(
        admin, tree.root, "framework", "不适用于明察暗访", campaign_type="unannounced_inspection"
    )


def test_manual_target_outside_scope_or_of_wrong_kind(admin, tree):
    refused(
        admin,
        tree.unit_a,
        "manual_targets",
        "不在本次督查的组织范围",
        selection="manual",
        manual_targets=[tree.branch_b],
    )
    refused(
        admin,
        tree.root,
        "manual_targets",
        "是党小组，不是检查对象层级",
        selection="manual",
        target_kinds=["branch"],
        manual_targets=[tree.group_a],
    )
    refused(admin, tree.root, "manual_targets", "请选择检查对象", selection="manual")
    refused(admin, tree.root, "manual_targets", "只有“指定”", manual_targets=[tree.branch_a])


def test_period_end_before_start(admin, tree):
    refused(admin, tree.root, "period_end", "不能早于", period_end=dt.date(2023, 12, 31))


def test_empty_population(admin, tree):
    refused(
        admin, tree.unit_b, "target_kinds", "没有符合条件的检查对象", target_kinds=["party_group"]
    )


def test_liaison_stage_only_for_liaison_campaigns(admin, tree):
    refused(admin, tree.root, "liaison_stage", "党建+巡察", liaison_stage="pre")


def test_old_framework_version_needs_an_explicit_choice(admin, tree):
    old = basic()
    import_framework(SYSTEM, old.source_text + "\n# 第二版\n", "basic_system.yaml")
    old.refresh_from_db()
    assert not old.is_current
    refused(admin, tree.root, "framework", "已不是当前版本", framework=old)
    campaign = make(admin, tree.root, framework=old, allow_old_version=True)
    assert campaign.framework_id == old.pk


# --- re-drawing -------------------------------------------------------------------------------


def test_redraw_audited_with_reason(admin, more):
    campaign = make(admin, more.root, selection="sample", sample_size=5, seed=1)
    first = set(campaign.assessments.values_list("target_id", flat=True))
    with pytest.raises(ValidationError, match="原因"):
        campaigns.redraw(admin, campaign, seed=2)
    campaign = campaigns.redraw(admin, campaign, seed=2, reason="抽中单位正在机构改革")
    second = set(campaign.assessments.values_list("target_id", flat=True))
    assert len(second) == 5 and second != first
    assert campaign.seed == 2 and campaign.sampling_plan["draw_number"] == 2
    assert {d["id"] for d in campaign.sampling_plan["drawn"]} == second
    event = AuditEvent.objects.filter(object_type="assessments.campaign", action="update").get()
    assert event.detail["operation"] == "redraw"
    assert event.detail["reason"] == "抽中单位正在机构改革"
    assert event.before["seed"] == 1 and event.after["seed"] == 2
    assert event.actor_id == admin.pk


def test_redraw_keeps_assessments_drawn_again(admin, more):
    campaign = make(admin, more.root, selection="sample", sample_size=5, seed=1)
    kept = {a.target_id: a.pk for a in campaign.assessments.all()}
    campaign = campaigns.redraw(admin, campaign, seed=1, size=6, reason="增加抽查数量")
    now = {a.target_id: a.pk for a in campaign.assessments.all()}
    assert len(now) == 6
    assert all(now[t] == pk for t, pk in kept.items() if t in now)


def test_redraw_refused_after_results(admin, more):
    campaign = make(admin, more.root, selection="sample", sample_size=5, seed=1)
    assessment = campaign.assessments.first()
    item = campaign.framework.items.exclude(kind=ItemKind.SECTION).first()
    ItemResult.objects.create(assessment=assessment, item=item, result="conforming")
    with pytest.raises(ValidationError, match="已有检查对象录入了检查结果"):
        campaigns.redraw(admin, campaign, seed=9, reason="重抽")
    campaign.refresh_from_db()
    assert campaign.seed == 1 and campaign.assessments.count() == 5


def test_redraw_only_for_samples_and_not_too_many(admin, tree):
    campaign = make(admin, tree.root)
    with pytest.raises(ValidationError, match="只有分层随机抽样"):
        campaigns.redraw(admin, campaign, reason="x")
    sampled = make(admin, tree.root, selection="sample", sample_size=2, seed=1)
    with pytest.raises(ValidationError, match="超过了总体数量"):
        campaigns.redraw(admin, sampled, size=9, reason="x")


def test_redraw_out_of_scope(make_user, admin, tree):
    campaign = make(admin, tree.root, selection="sample", sample_size=2, seed=1)
    with pytest.raises(OutOfScope):
        campaigns.redraw(make_user("unit_admin", tree.unit_a), campaign, reason="x")


# --- adding targets, editing, releasing ----------------------------------------------------------


def test_add_targets(admin, tree):
    campaign = make(admin, tree.root, selection="sample", sample_size=1, seed=4)
    missing = [
        o
        for o in (tree.branch_a, tree.group_a, tree.branch_b)
        if not campaign.assessments.filter(target=o).exists()
    ]
    added = campaigns.add_targets(admin, campaign, missing[:1])
    assert len(added) == 1 and added[0].unit_org_id is not None
    campaign.refresh_from_db()
    assert [a["id"] for a in campaign.sampling_plan["added"]] == [missing[0].pk]
    with pytest.raises(ValidationError, match="已是本次督查的检查对象"):
        campaigns.add_targets(admin, campaign, missing[:1])
    with pytest.raises(ValidationError, match="不是检查对象层级"):
        campaigns.add_targets(admin, campaign, [tree.unit_a])
    # targets added by hand survive a re-draw
    campaign = campaigns.redraw(admin, campaign, seed=5, reason="重抽")
    assert campaign.assessments.filter(target=missing[0]).exists()


def test_update_campaign(admin, tree):
    campaign = make(admin, tree.root)
    campaign = campaigns.update_campaign(admin, campaign, name=" 新名称 ", status="active")
    assert campaign.name == "新名称" and campaign.status == "active"
    with pytest.raises(ValidationError, match="不能早于"):
        campaigns.update_campaign(admin, campaign, period_end=dt.date(2023, 1, 1))
    with pytest.raises(ValidationError, match="不能修改"):
        campaigns.update_campaign(admin, campaign, scope_org=tree.unit_a)
    with pytest.raises(ValidationError, match="党建\\+巡察"):
        campaigns.update_campaign(admin, campaign, liaison_stage="pre")
    campaign.refresh_from_db()
    assert campaign.period_end == dt.date(2024, 12, 31) and campaign.liaison_stage == ""
    event = AuditEvent.objects.filter(action="update", object_type="assessments.campaign").get()
    assert event.before["name"] == "2024年基础制度落实抽查调阅" and event.after["name"] == "新名称"


def test_release_results(admin, tree):
    campaign = make(admin, tree.root)
    campaign = campaigns.release_results(admin, campaign)
    assert campaign.results_released
    campaigns.release_results(admin, campaign)  # already released: no second event
    campaign = campaigns.release_results(admin, campaign, released=False)
    assert not campaign.results_released
    operations = list(
        AuditEvent.objects.filter(action="update").order_by("id").values_list("detail", flat=True)
    )
    assert [d["operation"] for d in operations] == ["release_results", "withdraw_results"]


def test_population_excludes_dissolved_orgs(admin, tree):
    from dangjian.orgs.models import Organization, OrgStatus

    Organization.objects.filter(pk=tree.branch_b.pk).update(status=OrgStatus.DISSOLVED)
    campaign = make(admin, tree.root)
    assert not campaign.assessments.filter(target=tree.branch_b).exists()
    assert [o.pk for o in sampling.population(campaign)] == [tree.branch_a.pk, tree.group_a.pk]


def test_a_campaign_is_deleted_only_while_it_has_no_results(client, tree, make_user):
    """DELETE /api/campaigns/<id>/ of a campaign with a finding was a 500 (the finding
    protects it): now a Chinese 400 saying to close it instead; an untouched one goes,
    its planned assessments with it, audited."""
    from dangjian.assessments.models import Assessment, Campaign

    from .factories import checklist_framework, make_campaign, make_finding

    committee = make_user("committee_admin", tree.root)
    used = make_campaign(checklist_framework(), tree.root, [tree.branch_a])
    make_finding(
        tree.branch_a, raised_by=tree.root, campaign=used, assessment=used.assessments.get()
    )
    fresh = make_campaign(checklist_framework(), tree.root, [tree.branch_a, tree.branch_b])
    client.force_login(committee)
    resp = client.delete(f"/api/campaigns/{used.pk}/")
    assert resp.status_code == 400 and "不能删除" in str(resp.json())
    assert Campaign.objects.filter(pk=used.pk).exists()
    assert client.delete(f"/api/campaigns/{fresh.pk}/").status_code == 204
    assert not Assessment.objects.filter(campaign_id=fresh.pk).exists()
    assert AuditEvent.objects.filter(
        action="delete", object_type="assessments.campaign", object_id=str(fresh.pk)
    ).exists()
    # the checked unit's admin cannot delete the 工委's campaign (not even see it)
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.delete(f"/api/campaigns/{used.pk}/").status_code == 404
