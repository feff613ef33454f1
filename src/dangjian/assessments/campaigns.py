"""Campaigns (督查活动): who is checked, with which framework version, and the sampling plan.

Selection is `all` (every org of the target kinds in the scope), `manual` (a list), or a
random `sample` stratified by unit. The sample is reproducible: the population is ordered
by tree path in Python, each unit's share is allocated by the largest-remainder method with
integer arithmetic, and each unit's draw uses `random.Random` seeded from (seed, the unit's
tree path) — nothing depends on database ordering, primary keys or the vendor, so the same
seed and population give the same sample on SQLite and PostgreSQL.

The plan (population, strata, seed, who was drawn, when, by whom) is saved in
`Campaign.sampling_plan`; `plan_rows` turns it into printable rows. A re-draw replaces it,
only while no assessment has results, and is audited with its reason.

A new campaign uses the current version of its framework. An older version may be pinned
explicitly (`allow_old_version=True`), e.g. to repeat last year's check on the same
checklist; the UI offers it as a deliberate choice.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dangjian.core.db import path_prefix_q
from dangjian.core.models import snapshot
from dangjian.core.scoping import scope_q
from dangjian.core.services import OutOfScope, ensure_in_scope
from dangjian.core.signals import audit_event
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

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

MAX_SEED = 2_147_483_647  # PositiveIntegerField on PostgreSQL
STEPLEN = Organization.steplen
UNIT_KINDS = (OrgKind.UNIT_PARTY,)
NO_UNIT = "（不属于任何单位）"
UPDATABLE = ("name", "description", "period_start", "period_end", "status", "liaison_stage")
KIND_LABELS = {k.value: str(k.label) for k in OrgKind}
SELECTION_LABELS = {s.value: str(s.label) for s in SelectionMode}


# --- the population and its strata --------------------------------------------------------


def population(campaign: Campaign) -> QuerySet[Organization]:
    """Orgs of the campaign's target kinds in its scope org's subtree (deterministic order)."""
    return population_for(campaign.scope_org, campaign.target_kinds)


def population_for(scope_org: Organization, target_kinds: Iterable[str]) -> QuerySet[Organization]:
    return Organization.objects.filter(
        path_prefix_q("path", scope_org.path),
        kind__in=list(target_kinds),
        status=OrgStatus.ACTIVE,
    ).order_by("path")


@dataclass
class Stratum:
    """One unit (its unit-level party org) and the targets under it."""

    path: str  # "" for targets that belong to no unit
    unit_id: int | None
    unit_name: str
    members: list[tuple[str, int, str]] = field(default_factory=list)  # (path, id, name)
    drawn: int = 0


def stratify(
    orgs: Iterable[tuple[str, int, str]], units: dict[str, tuple[int, str]]
) -> list[Stratum]:
    """Group (path, id, name) rows under the unit whose path is a prefix of theirs.

    `units` maps unit-org paths to (id, name). Strata and their members come back sorted by
    path, whatever order the rows arrived in.
    """
    strata: dict[str, Stratum] = {}
    for path, pk, name in sorted(orgs):
        unit_path = next(
            (path[:n] for n in range(STEPLEN, len(path) + 1, STEPLEN) if path[:n] in units), ""
        )
        stratum = strata.get(unit_path)
        if stratum is None:
            unit_id, unit_name = units.get(unit_path, (None, NO_UNIT))
            stratum = strata[unit_path] = Stratum(unit_path, unit_id, unit_name)
        stratum.members.append((path, pk, name))
    return [strata[k] for k in sorted(strata)]


def allocate(sizes: list[int], total: int, seed: int | None = None) -> list[int]:
    """Largest-remainder (Hamilton) allocation of `total` over strata of `sizes`.

    Integer arithmetic only; ties in the remainder go to the larger stratum, then — with a
    seed — to a seeded shuffle of the tied strata (else to the earlier one; strata are in
    path order). Without the shuffle, a sample of units (each its own stratum of one) would
    always take the first units in the tree. Each share is ≤ its stratum's size.
    """
    population_size = sum(sizes)
    if not 0 <= total <= population_size:
        raise ValueError("sample size outside 0..population")
    if population_size == 0:
        return [0 for _ in sizes]
    shares = [total * n // population_size for n in sizes]
    remainders = [total * n % population_size for n in sizes]
    left = total - sum(shares)
    if seed is None:
        tiebreak = list(range(len(sizes)))
    else:
        tiebreak = random.Random(f"{seed}|allocate").sample(range(len(sizes)), len(sizes))
    order = sorted(range(len(sizes)), key=lambda i: (-remainders[i], -sizes[i], tiebreak[i]))
    for i in order[:left]:
        shares[i] += 1
    return shares


def draw(strata: list[Stratum], size: int, seed: int) -> list[tuple[str, int, str]]:
    """The drawn rows, in path order; sets each stratum's `drawn`."""
    shares = allocate([len(s.members) for s in strata], size, seed)
    chosen: list[tuple[str, int, str]] = []
    for stratum, share in zip(strata, shares, strict=True):
        stratum.drawn = share
        rng = random.Random(f"{seed}|{stratum.path}")  # str seeds hash with SHA-512: stable
        picks = sorted(rng.sample(range(len(stratum.members)), share))
        chosen.extend(stratum.members[i] for i in picks)
    return sorted(chosen)


def ratio_size(population_size: int, ratio: Decimal) -> int:
    """Sample size for a ratio: rounded half up, at least 1 of a non-empty population."""
    size = int((Decimal(population_size) * ratio).to_integral_value(rounding=ROUND_HALF_UP))
    return max(1, size) if population_size else 0


def units_for(scope_org: Organization) -> dict[str, tuple[int, str]]:
    """Unit-level orgs that can be a target's stratum: in the scope, or above it."""
    ancestors = [scope_org.path[:n] for n in range(STEPLEN, len(scope_org.path), STEPLEN)]
    rows = Organization.objects.filter(
        path_prefix_q("path", scope_org.path) | Q(path__in=ancestors), kind__in=UNIT_KINDS
    ).values_list("path", "pk", "name")
    return {path: (pk, name) for path, pk, name in rows}


def org_rows(qs: QuerySet[Organization]) -> list[tuple[str, int, str]]:
    """(path, id, name) of each org: what `stratify` takes."""
    return [(p, pk, n) for p, pk, n in qs.values_list("path", "pk", "name")]


# --- validation ---------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_scope(user: Any, org: Organization) -> None:
    q = scope_q(user, "assessments.add_campaign", "path")
    if q is None or not Organization.objects.filter(q, pk=org.pk).exists():
        raise OutOfScope("您无权在该组织范围内开展督查。")


def _parse_ratio(errors: _Errors, ratio: Any) -> Decimal | None:
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


def _check_seed(errors: _Errors, seed: Any) -> int | None:
    if seed in (None, ""):
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        errors.add("seed", f"随机种子应为 0 至 {MAX_SEED} 之间的整数。")
        return None
    return seed


def _check_sample_args(
    errors: _Errors, size: Any, ratio: Any, seed: Any
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


# --- plan ---------------------------------------------------------------------------------


def build_plan(
    *,
    mode: str,
    user: Any,
    scope_org: Organization,
    target_kinds: list[str],
    strata: list[Stratum],
    drawn: list[tuple[str, int, str]],
    unit_of: dict[int, Stratum],
    seed: int | None = None,
    size: int | None = None,
    ratio: Decimal | None = None,
    draw_number: int = 1,
    added: list | None = None,
) -> dict[str, Any]:
    return {
        "mode": mode,
        "scope_org": {"id": scope_org.pk, "name": scope_org.name},
        "target_kinds": list(target_kinds),
        "population": sum(len(s.members) for s in strata),
        "seed": seed,
        "size": size,
        "ratio": str(ratio) if ratio is not None else None,
        "method": (
            "按单位分层；各单位抽取数按总体占比以最大余额法分配；单位内以“种子|单位路径”为随机种子不放回抽取"
            if mode == SelectionMode.SAMPLE
            else ""
        ),
        "strata": [
            {
                "unit_id": s.unit_id,
                "unit_name": s.unit_name,
                "path": s.path,
                "population": len(s.members),
                "drawn": s.drawn,
            }
            for s in strata
        ],
        "drawn": [
            {"id": pk, "name": name, "unit_id": unit_of[pk].unit_id} for _path, pk, name in drawn
        ],
        "added": added or [],
        "draw_number": draw_number,
        "drawn_at": timezone.now().isoformat(timespec="seconds"),
        "drawn_by": getattr(user, "username", "") or str(user),
    }


def plan_time(value: Any) -> str:
    """The plan stores its time as ISO 8601; print it as local 年-月-日 时:分."""
    moment = parse_datetime(str(value)) if value else None
    if moment is None:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def plan_rows(plan: dict[str, Any]) -> dict[str, list]:
    """Printable rows of a saved plan: `summary` (label, value), `strata` and `drawn` tables
    (each a header row then data rows), every value ready to print (the draw time in local
    time). Pure: no database access."""
    if not plan:
        return {"summary": [], "strata": [], "drawn": []}
    mode = plan.get("mode", "")
    population_size = plan.get("population", 0)
    drawn = plan.get("drawn", [])
    summary: list[tuple[str, str]] = [
        ("选取方式", SELECTION_LABELS.get(mode, mode)),
        ("组织范围", plan.get("scope_org", {}).get("name", "")),
        ("检查对象层级", "、".join(KIND_LABELS.get(k, k) for k in plan.get("target_kinds", []))),
        ("总体数量", str(population_size)),
    ]
    if mode == SelectionMode.SAMPLE:
        ratio = plan.get("ratio")
        summary += [
            ("随机种子", str(plan.get("seed"))),
            ("抽样数量", str(plan.get("size"))),
            ("抽样比例", f"{Decimal(ratio) * 100:.2f}%" if ratio else "—"),
            ("抽样方法", plan.get("method", "")),
            ("第几次抽取", str(plan.get("draw_number", 1))),
        ]
    summary += [
        ("选中数量", str(len(drawn))),
        ("另行增加", str(len(plan.get("added", [])))),
        ("抽取时间", plan_time(plan.get("drawn_at"))),
        ("操作人", plan.get("drawn_by", "")),
    ]
    strata: list[list[Any]] = [["序号", "单位", "总体数", "选中数", "选中比例"]]
    for n, s in enumerate(plan.get("strata", []), start=1):
        share = f"{s['drawn'] / s['population'] * 100:.1f}%" if s["population"] else "—"
        strata.append([n, s["unit_name"], s["population"], s["drawn"], share])
    names = {s["unit_id"]: s["unit_name"] for s in plan.get("strata", [])}
    table: list[list[Any]] = [["序号", "检查对象", "所属单位"]]
    for n, row in enumerate(drawn, start=1):
        table.append([n, row["name"], names.get(row.get("unit_id"), NO_UNIT)])
    return {"summary": summary, "strata": strata, "drawn": table}


# --- writes -------------------------------------------------------------------------------


def _audit(user: Any, action: str, obj: Any, **kwargs: Any) -> None:
    before = kwargs.pop("before", None)
    after = kwargs.pop("after", None)
    audit_event.send(
        sender=type(obj),
        action=action,
        obj=obj,
        before=before,
        after=after,
        outcome="success",
        detail=kwargs,
        user=user,
    )


def _bulk_assessments(
    campaign: Campaign, rows: list[tuple[str, int, str]], unit_of: dict[int, Stratum]
) -> list[Assessment]:
    objs = [
        Assessment(campaign=campaign, target_id=pk, unit_org_id=unit_of[pk].unit_id)
        for _path, pk, _name in rows
    ]
    return Assessment.objects.bulk_create(objs, batch_size=500)


def create_campaign(
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
) -> Campaign:
    """Validate, create the campaign, select the targets (all / manual / stratified sample)
    and create one Assessment per target; atomic, audited. Raises ValidationError (Chinese).

    `allow_old_version`: pin a framework version that is no longer current (deliberately).
    """
    _check_scope(user, scope_org)
    errors = _Errors()
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

    units = units_for(scope_org)
    strata = stratify(org_rows(population_for(scope_org, target_kinds)), units)
    if selection == SelectionMode.MANUAL:
        chosen = sorted((o.path, o.pk, o.name) for o in manual)
    else:
        chosen = [m for s in strata for m in s.members]
    population_size = sum(len(s.members) for s in strata)
    if population_size == 0:
        errors.add("target_kinds", f"{scope_org.name} 范围内没有符合条件的检查对象。")
    if selection == SelectionMode.SAMPLE:
        if ratio is not None:
            size = ratio_size(population_size, ratio)
        if size is not None and size > population_size:
            errors.add(
                "sample_size",
                f"抽样数量 {size} 超过了总体数量 {population_size}，请减少抽样数量。",
            )
    errors.raise_if_any()

    unit_of = {pk: s for s in strata for _p, pk, _n in s.members}
    if selection == SelectionMode.SAMPLE:
        if seed is None:
            seed = secrets.randbelow(1_000_000)
        assert size is not None
        chosen = draw(strata, size, seed)
    else:
        picked = {pk for _p, pk, _n in chosen}
        for s in strata:
            s.drawn = sum(1 for _p, pk, _n in s.members if pk in picked)
    plan = build_plan(
        mode=selection,
        user=user,
        scope_org=scope_org,
        target_kinds=target_kinds,
        strata=strata,
        drawn=chosen,
        unit_of=unit_of,
        seed=seed if selection == SelectionMode.SAMPLE else None,
        size=size,
        ratio=ratio,
    )
    campaign = Campaign(
        name=name,
        campaign_type=campaign_type,
        framework=framework,
        scope_org=scope_org,
        target_kinds=target_kinds,
        period_start=period_start,
        period_end=period_end,
        selection=selection,
        sample_size=size if selection == SelectionMode.SAMPLE else None,
        sample_ratio=ratio,
        seed=seed if selection == SelectionMode.SAMPLE else None,
        sampling_plan=plan,
        description=description or "",
        liaison_stage=liaison_stage or "",
        created_by=user if getattr(user, "pk", None) else None,
    )
    with transaction.atomic():
        campaign.save()
        ensure_in_scope(user, campaign, "add")
        _bulk_assessments(campaign, chosen, unit_of)
        _audit(
            user,
            "create",
            campaign,
            after=snapshot(campaign),
            targets=len(chosen),
            population=population_size,
        )
    return campaign


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
    errors = _Errors()
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
        _audit(
            user,
            "update",
            campaign,
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
    errors = _Errors()
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
                    "added_by": getattr(user, "username", "") or str(user),
                    "added_at": timezone.now().isoformat(timespec="seconds"),
                }
                for _p, pk, name in rows
            ),
        ]
        campaign.sampling_plan = plan
        campaign.save(update_fields=["sampling_plan", "updated"])
        _audit(
            user,
            "update",
            campaign,
            operation="add_targets",
            targets=[pk for _p, pk, _n in rows],
        )
    return created


def update_campaign(user: Any, campaign: Campaign, **fields: Any) -> Campaign:
    """Edit name/description/period/status/liaison_stage; audited."""
    ensure_in_scope(user, campaign, "change")
    errors = _Errors()
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
        _audit(user, "update", campaign, before=before, after=snapshot(campaign))
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
        _audit(
            user,
            "update",
            campaign,
            before=before,
            after=snapshot(campaign),
            operation="release_results" if released else "withdraw_results",
        )
    return campaign
