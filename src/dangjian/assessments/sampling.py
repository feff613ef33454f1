"""Sampling (抽样): the population of a campaign, its strata and the reproducible draw.

Pure functions over (path, id, name) rows, apart from the two queries that read the
population and the units (`population_for`, `units_for`). The sample is reproducible: the
population is ordered by tree path in Python, each unit's share is allocated by the
largest-remainder method with integer arithmetic, and each unit's draw uses
`random.Random` seeded from (seed, the unit's tree path) — nothing depends on database
ordering, primary keys or the vendor, so the same seed and population give the same sample
on SQLite and PostgreSQL.

The plan (population, strata, seed, who was drawn, when, by whom) is `build_plan`'s dict,
saved in `Campaign.sampling_plan`; `plan_rows` turns it into printable rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dangjian.core.db import path_prefix_q
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

from .models import Campaign, SelectionMode

STEPLEN = Organization.steplen
UNIT_KINDS = (OrgKind.UNIT_PARTY,)
NO_UNIT = "（不属于任何单位）"
KIND_LABELS = {k.value: str(k.label) for k in OrgKind}
SELECTION_LABELS = {s.value: str(s.label) for s in SelectionMode}
OPERATOR_WORDS = {"system": "系统"}  # a plan drawn by the server operator (CLI)


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
        # A person's name on the printed plan, never a login (issue 9); "system" for the CLI.
        "drawn_by": getattr(user, "person_name", "") or str(user),
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
        ("操作人", OPERATOR_WORDS.get(plan.get("drawn_by", ""), plan.get("drawn_by", ""))),
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
