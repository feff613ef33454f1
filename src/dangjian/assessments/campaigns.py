"""Campaigns (督查活动): who is checked, with which framework version — the writes.

Selection is `all` (every org of the target kinds in the scope), `manual` (a list), or a
random `sample` stratified by unit (`sampling.py`: population, strata, the reproducible
draw and the saved plan). `create_campaign` is three steps: validate the request, select
the targets, write the campaign and its assessments. A re-draw replaces the plan, only
while no assessment has results, and is audited with its reason.

Who: `Campaign.write_sides` — the scope org's side creates, changes and deletes a campaign.

A new campaign uses the current version of its framework. An older version may be pinned
explicitly (`allow_old_version=True`), e.g. to repeat last year's check on the same
checklist; the UI offers it as a deliberate choice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import snapshot
from dangjian.core.services import ErrorCollector, OutOfScope, emit, ensure_in_scope
from dangjian.orgs.models import Organization, OrgStatus

from .models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CampaignType,
    EvidenceFile,
    Finding,
    Framework,
    ItemResult,
    LiaisonStage,
    SelectionMode,
)
from .sampling import (
    KIND_LABELS,
    Stratum,
    build_plan,
    draw,
    org_rows,
    population_for,
    ratio_size,
    stratify,
    units_for,
)

MAX_SEED = 2_147_483_647  # PositiveIntegerField on PostgreSQL
UPDATABLE = ("name", "description", "period_start", "period_end", "status", "liaison_stage")


# --- validation ---------------------------------------------------------------------------


def _parse_ratio(errors: ErrorCollector, ratio: Any) -> Decimal | None:
    if ratio in (None, ""):
        return None
    try:
        value = Decimal(str(ratio))
    except InvalidOperation:
        errors.add("sample_ratio", "抽样比例应为数字，如 0.3 表示 30%。")
        return None
    if not value.is_finite() or value <= 0 or value > 1:
        errors.add("sample_ratio", "抽样比例应大于 0 且不超过 1（如 0.3 表示 30%）。")
        return None
    if value != value.quantize(Decimal("0.0001")):
        errors.add("sample_ratio", "抽样比例最多保留 4 位小数。")
        return None
    return value


def _check_seed(errors: ErrorCollector, seed: Any) -> int | None:
    if seed in (None, ""):
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        errors.add("seed", f"随机种子应为 0 至 {MAX_SEED} 之间的整数。")
        return None
    return seed


def _check_sample_args(
    errors: ErrorCollector, size: Any, ratio: Any, seed: Any
) -> tuple[int | None, Decimal | None, int | None]:
    ratio_value = _parse_ratio(errors, ratio)
    size_value = None
    if size not in (None, ""):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            errors.add("sample_size", "抽样数量应为正整数。")
        else:
            size_value = size
    given = (size not in (None, "")) + (ratio not in (None, ""))
    if given == 0:
        errors.add("sample_size", "分层随机抽样请填写抽样数量或抽样比例（二选一）。")
    elif given == 2:
        errors.add("sample_size", "抽样数量和抽样比例只能填写一项。")
    return size_value, ratio_value, _check_seed(errors, seed)


def _target_problem(
    org: Organization, scope_org: Organization, target_kinds: list[str]
) -> str | None:
    if not org.path.startswith(scope_org.path):
        return f"{org.name} 不在本次督查的组织范围（{scope_org.name}）内"
    if org.kind not in target_kinds:
        wanted = "、".join(KIND_LABELS.get(k, k) for k in target_kinds)
        return f"{org.name} 是{KIND_LABELS.get(org.kind, org.kind)}，不是检查对象层级（{wanted}）"
    if org.status != OrgStatus.ACTIVE:
        return f"{org.name} 已撤销"
    return None


# --- writes -------------------------------------------------------------------------------


def _bulk_assessments(
    campaign: Campaign, rows: list[tuple[str, int, str]], unit_of: dict[int, Stratum]
) -> list[Assessment]:
    objs = [
        Assessment(campaign=campaign, target_id=pk, unit_org_id=unit_of[pk].unit_id)
        for _path, pk, _name in rows
    ]
    return Assessment.objects.bulk_create(objs, batch_size=500)


@dataclass
class CampaignSpec:
    """A campaign request that passed validation: every value checked and normalized."""

    name: str
    campaign_type: str
    framework: Framework
    scope_org: Organization
    target_kinds: list[str]
    period_start: dt.date
    period_end: dt.date
    selection: str
    size: int | None  # a sample's size (from the ratio once the population is known)
    ratio: Decimal | None
    seed: int | None
    manual: list[Organization]
    description: str
    liaison_stage: str


@dataclass
class Selection:
    """The targets chosen for a campaign, with the strata they were chosen from."""

    strata: list[Stratum]
    chosen: list[tuple[str, int, str]]  # (path, id, name) in path order
    unit_of: dict[int, Stratum]
    population: int
    size: int | None
    seed: int | None


def validate_campaign(
    user: Any,
    *,
    name: str,
    campaign_type: str,
    framework: Framework,
    scope_org: Organization,
    target_kinds: list[str],
    period_start: dt.date,
    period_end: dt.date,
    selection: str = "all",
    sample_size: int | None = None,
    sample_ratio: Decimal | None = None,
    seed: int | None = None,
    manual_targets: Iterable[Organization] = (),
    description: str = "",
    liaison_stage: str = "",
    allow_old_version: bool = False,
) -> CampaignSpec:
    """Step 1: may the user run a campaign there, and is every field right? Raises
    OutOfScope, or ValidationError naming each field to fix (Chinese). No query beyond
    the scope check."""
    if not Campaign(scope_org=scope_org).allows(user, "add"):
        raise OutOfScope("您无权在该组织范围内开展督查。")
    errors = ErrorCollector()
    name = (name or "").strip()
    if not name:
        errors.add("name", "请填写督查活动名称。")
    elif len(name) > 120:
        errors.add("name", "名称不能超过 120 个字。")
    if campaign_type not in CampaignType.values:
        errors.add("campaign_type", f"未知的督查类型 {campaign_type!r}。")
    elif campaign_type not in framework.campaign_types:
        errors.add(
            "framework",
            f"考评模板“{framework.name}”不适用于{CampaignType(campaign_type).label}。",
        )
    if not framework.is_current and not allow_old_version:
        errors.add(
            "framework",
            f"“{framework.name}”第 {framework.version} 版已不是当前版本；"
            "请选用当前版本，或明确选择沿用旧版本。",
        )
    target_kinds = list(dict.fromkeys(target_kinds or []))
    if not target_kinds:
        errors.add("target_kinds", "请选择检查对象层级。")
    for kind in target_kinds:
        if kind not in KIND_LABELS:
            errors.add("target_kinds", f"未知的组织类别 {kind!r}。")
        elif kind not in framework.target_kinds:
            allowed = "、".join(KIND_LABELS.get(k, k) for k in framework.target_kinds)
            errors.add(
                "target_kinds",
                f"考评模板“{framework.name}”不适用于{KIND_LABELS[kind]}（适用：{allowed}）。",
            )
    if period_start and period_end and period_end < period_start:
        errors.add("period_end", "检查期间止不能早于检查期间起。")
    if liaison_stage and (
        liaison_stage not in LiaisonStage.values or campaign_type != CampaignType.INSPECTION_LIAISON
    ):
        errors.add("liaison_stage", "只有“党建+巡察”督查活动可以设置巡察阶段。")
    if selection not in SelectionMode.values:
        errors.add("selection", f"未知的选取方式 {selection!r}。")
    size = ratio = None
    if selection == SelectionMode.SAMPLE:
        size, ratio, seed = _check_sample_args(errors, sample_size, sample_ratio, seed)
    elif sample_size not in (None, "") or sample_ratio not in (None, ""):
        errors.add("sample_size", "只有分层随机抽样需要填写抽样数量或比例。")
    manual = list(dict.fromkeys(manual_targets or ()))
    if selection == SelectionMode.MANUAL:
        if not manual:
            errors.add("manual_targets", "请选择检查对象。")
        for org in manual:
            problem = _target_problem(org, scope_org, target_kinds)
            if problem:
                errors.add("manual_targets", problem + "。")
    elif manual:
        errors.add("manual_targets", "只有“指定”选取方式可以逐个选择检查对象。")
    errors.raise_if_any()
    return CampaignSpec(
        name=name,
        campaign_type=campaign_type,
        framework=framework,
        scope_org=scope_org,
        target_kinds=target_kinds,
        period_start=period_start,
        period_end=period_end,
        selection=selection,
        size=size,
        ratio=ratio,
        seed=seed if selection == SelectionMode.SAMPLE else None,
        manual=manual,
        description=description or "",
        liaison_stage=liaison_stage or "",
    )


def select_targets(spec: CampaignSpec) -> Selection:
    """Step 2: the population of the scope and the targets chosen from it — all of it, the
    manual list, or the stratified sample (a seed drawn when none was given). Raises
    ValidationError for an empty population or a sample larger than it."""
    errors = ErrorCollector()
    strata = stratify(
        org_rows(population_for(spec.scope_org, spec.target_kinds)), units_for(spec.scope_org)
    )
    population_size = sum(len(s.members) for s in strata)
    if population_size == 0:
        errors.add("target_kinds", f"{spec.scope_org.name} 范围内没有符合条件的检查对象。")
    size, seed = spec.size, spec.seed
    if spec.selection == SelectionMode.SAMPLE:
        if spec.ratio is not None:
            size = ratio_size(population_size, spec.ratio)
        if size is not None and size > population_size:
            errors.add(
                "sample_size",
                f"抽样数量 {size} 超过了总体数量 {population_size}，请减少抽样数量。",
            )
    errors.raise_if_any()

    unit_of = {pk: s for s in strata for _p, pk, _n in s.members}
    if spec.selection == SelectionMode.SAMPLE:
        if seed is None:
            seed = secrets.randbelow(1_000_000)
        assert size is not None
        chosen = draw(strata, size, seed)
    else:
        if spec.selection == SelectionMode.MANUAL:
            chosen = sorted((o.path, o.pk, o.name) for o in spec.manual)
        else:
            chosen = [m for s in strata for m in s.members]
        picked = {pk for _p, pk, _n in chosen}
        for s in strata:
            s.drawn = sum(1 for _p, pk, _n in s.members if pk in picked)
    return Selection(strata, chosen, unit_of, population_size, size, seed)


def write_campaign(user: Any, spec: CampaignSpec, selection: Selection) -> Campaign:
    """Step 3: the campaign with its saved plan and one assessment per target, in one
    transaction; scope re-checked on the saved row; audited."""
    sample = spec.selection == SelectionMode.SAMPLE
    plan = build_plan(
        mode=spec.selection,
        user=user,
        scope_org=spec.scope_org,
        target_kinds=spec.target_kinds,
        strata=selection.strata,
        drawn=selection.chosen,
        unit_of=selection.unit_of,
        seed=selection.seed,
        size=selection.size,
        ratio=spec.ratio,
    )
    campaign = Campaign(
        name=spec.name,
        campaign_type=spec.campaign_type,
        framework=spec.framework,
        scope_org=spec.scope_org,
        target_kinds=spec.target_kinds,
        period_start=spec.period_start,
        period_end=spec.period_end,
        selection=spec.selection,
        sample_size=selection.size if sample else None,
        sample_ratio=spec.ratio,
        seed=selection.seed if sample else None,
        sampling_plan=plan,
        description=spec.description,
        liaison_stage=spec.liaison_stage,
        created_by=user if getattr(user, "pk", None) else None,
    )
    with transaction.atomic():
        campaign.save()
        ensure_in_scope(user, campaign, "add")
        _bulk_assessments(campaign, selection.chosen, selection.unit_of)
        emit(
            "create",
            campaign,
            user=user,
            after=snapshot(campaign),
            targets=len(selection.chosen),
            population=selection.population,
        )
    return campaign


def create_campaign(user: Any, **fields: Any) -> Campaign:
    """Validate, select the targets (all / manual / stratified sample), write the campaign
    and one Assessment per target; atomic, audited. Raises ValidationError (Chinese) or
    OutOfScope. `fields` are `validate_campaign`'s; `allow_old_version` pins a framework
    version that is no longer current (deliberately)."""
    spec = validate_campaign(user, **fields)
    return write_campaign(user, spec, select_targets(spec))


def _has_results(campaign: Campaign) -> bool:
    return (
        ItemResult.objects.filter(assessment__campaign=campaign).exists()
        or Finding.objects.filter(campaign=campaign).exists()
        or EvidenceFile.objects.filter(assessment__campaign=campaign).exists()
        or campaign.assessments.exclude(status=AssessmentStatus.PLANNED).exists()
    )


def redraw(
    user: Any,
    campaign: Campaign,
    *,
    seed: int | None = None,
    size: int | None = None,
    ratio: Decimal | None = None,
    reason: str = "",
) -> Campaign:
    """Draw the sample again (only while no assessment has results); audited with the reason.

    `seed` omitted: a new random seed. `size`/`ratio` omitted: the campaign's. Orgs drawn
    again keep their assessment (and its assessors); targets added by hand stay.
    """
    ensure_in_scope(user, campaign, "change")
    errors = ErrorCollector()
    if campaign.selection != SelectionMode.SAMPLE:
        errors.add("selection", "只有分层随机抽样的督查活动可以重新抽样。")
    if not (reason or "").strip():
        errors.add("reason", "请填写重新抽样的原因。")
    if campaign.status == CampaignStatus.CLOSED:
        errors.add("status", "督查活动已结束，不能重新抽样。")
    if size in (None, "") and ratio in (None, ""):
        size, ratio = (
            (None, campaign.sample_ratio)
            if campaign.sample_ratio is not None
            else (campaign.sample_size, None)
        )
    size, ratio, seed = _check_sample_args(errors, size, ratio, seed)
    errors.raise_if_any()

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if _has_results(campaign):
            raise ValidationError("已有检查对象录入了检查结果，不能重新抽样。")
        strata = stratify(
            org_rows(population_for(campaign.scope_org, campaign.target_kinds)),
            units_for(campaign.scope_org),
        )
        population_size = sum(len(s.members) for s in strata)
        if ratio is not None:
            size = ratio_size(population_size, ratio)
        assert size is not None
        if size > population_size:
            raise ValidationError(
                {
                    "sample_size": f"抽样数量 {size} 超过了总体数量 {population_size}，请减少抽样数量。"
                }
            )
        if seed is None:
            seed = secrets.randbelow(1_000_000)
        chosen = draw(strata, size, seed)
        unit_of = {pk: s for s in strata for _p, pk, _n in s.members}
        old_plan = campaign.sampling_plan or {}
        added = old_plan.get("added", [])
        keep = {pk for _p, pk, _n in chosen} | {a["id"] for a in added}
        existing = set(campaign.assessments.values_list("target_id", flat=True))
        removed = campaign.assessments.exclude(target_id__in=keep)
        removed_count = removed.count()
        removed.delete()
        _bulk_assessments(campaign, [r for r in chosen if r[1] not in existing], unit_of)
        before = {
            "seed": campaign.seed,
            "sample_size": campaign.sample_size,
            "sample_ratio": str(campaign.sample_ratio) if campaign.sample_ratio else None,
            "drawn": len(old_plan.get("drawn", [])),
        }
        campaign.seed = seed
        campaign.sample_size = size
        campaign.sample_ratio = ratio
        campaign.sampling_plan = build_plan(
            mode=SelectionMode.SAMPLE,
            user=user,
            scope_org=campaign.scope_org,
            target_kinds=campaign.target_kinds,
            strata=strata,
            drawn=chosen,
            unit_of=unit_of,
            seed=seed,
            size=size,
            ratio=ratio,
            draw_number=int(old_plan.get("draw_number", 1)) + 1,
            added=added,
        )
        campaign.save(
            update_fields=["seed", "sample_size", "sample_ratio", "sampling_plan", "updated"]
        )
        emit(
            "update",
            campaign,
            user=user,
            before=before,
            after={
                "seed": seed,
                "sample_size": size,
                "sample_ratio": str(ratio) if ratio else None,
                "drawn": len(chosen),
            },
            operation="redraw",
            reason=reason.strip(),
            removed=removed_count,
        )
    return campaign


def add_targets(user: Any, campaign: Campaign, orgs: Iterable[Organization]) -> list[Assessment]:
    """Add targets by hand (must be in scope and of a target kind)."""
    ensure_in_scope(user, campaign, "change")
    orgs = list(dict.fromkeys(orgs))
    errors = ErrorCollector()
    if not orgs:
        errors.add("targets", "请选择要增加的检查对象。")
    if campaign.status == CampaignStatus.CLOSED:
        errors.add("targets", "督查活动已结束，不能增加检查对象。")
    existing = set(campaign.assessments.filter(target__in=orgs).values_list("target_id", flat=True))
    for org in orgs:
        problem = _target_problem(org, campaign.scope_org, campaign.target_kinds)
        if problem:
            errors.add("targets", problem + "。")
        elif org.pk in existing:
            errors.add("targets", f"{org.name} 已是本次督查的检查对象。")
    errors.raise_if_any()
    rows = sorted((o.path, o.pk, o.name) for o in orgs)
    strata = stratify(rows, units_for(campaign.scope_org))
    unit_of = {pk: s for s in strata for _p, pk, _n in s.members}
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        created = _bulk_assessments(campaign, rows, unit_of)
        plan = dict(campaign.sampling_plan or {})
        plan["added"] = [
            *plan.get("added", []),
            *(
                {
                    "id": pk,
                    "name": name,
                    "unit_id": unit_of[pk].unit_id,
                    "added_by": getattr(user, "person_name", "") or str(user),
                    "added_at": timezone.now().isoformat(timespec="seconds"),
                }
                for _p, pk, name in rows
            ),
        ]
        campaign.sampling_plan = plan
        campaign.save(update_fields=["sampling_plan", "updated"])
        emit(
            "update",
            campaign,
            user=user,
            operation="add_targets",
            targets=[pk for _p, pk, _n in rows],
        )
    return created


def update_campaign(user: Any, campaign: Campaign, **fields: Any) -> Campaign:
    """Edit name/description/period/status/liaison_stage; audited."""
    ensure_in_scope(user, campaign, "change")
    errors = ErrorCollector()
    for key in fields:
        if key not in UPDATABLE:
            errors.add(key, "该项不能修改（可修改：名称、说明、检查期间、状态、巡察阶段）。")
    errors.raise_if_any()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = snapshot(campaign)
        for key, value in fields.items():
            setattr(campaign, key, value.strip() if isinstance(value, str) else value)
        if not campaign.name:
            errors.add("name", "请填写督查活动名称。")
        elif len(campaign.name) > 120:
            errors.add("name", "名称不能超过 120 个字。")
        if campaign.period_end < campaign.period_start:
            errors.add("period_end", "检查期间止不能早于检查期间起。")
        if campaign.status not in CampaignStatus.values:
            errors.add("status", f"未知的状态 {campaign.status!r}。")
        if campaign.liaison_stage and (
            campaign.liaison_stage not in LiaisonStage.values
            or campaign.campaign_type != CampaignType.INSPECTION_LIAISON
        ):
            errors.add("liaison_stage", "只有“党建+巡察”督查活动可以设置巡察阶段。")
        errors.raise_if_any()
        campaign.save()
        emit("update", campaign, user=user, before=before, after=snapshot(campaign))
    return campaign


def release_results(user: Any, campaign: Campaign, released: bool = True) -> Campaign:
    """Make the results visible to the target orgs (or hide them again); audited."""
    ensure_in_scope(user, campaign, "change")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.results_released == released:
            return campaign
        before = snapshot(campaign)
        campaign.results_released = released
        campaign.save(update_fields=["results_released", "updated"])
        emit(
            "update",
            campaign,
            user=user,
            before=before,
            after=snapshot(campaign),
            operation="release_results" if released else "withdraw_results",
        )
    return campaign


def delete_campaign(user: Any, campaign: Campaign) -> None:
    """Delete a campaign that has no results yet (its planned assessments go with it);
    one with results, findings or evidence is closed instead, never deleted. Audited."""
    ensure_in_scope(user, campaign, "delete")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if _has_results(campaign):
            raise ValidationError(
                "该督查活动已有检查结果、问题或检查材料，不能删除；如已结束，请将状态改为“已结束”。"
            )
        targets = campaign.assessments.count()
        emit("delete", campaign, user=user, before=snapshot(campaign), after=None, targets=targets)
        campaign.delete()
