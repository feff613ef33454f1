"""年度发展计划: each unit's planned admissions for a year, set against the admissions the
records show (`tables.yearly_by_unit`). Written by whoever holds
`recruitment.change_recruitmentplan` over the unit-level org — the unit itself or the 工委;
a branch's scope never reaches its unit's org, so a branch cannot set it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.core.models import snapshot
from dangjian.core.services import ErrorCollector, emit, ensure_in_scope
from dangjian.orgs.models import Organization, OrgKind

from .models import RecruitmentPlan

FIRST_YEAR = 2000
PLAN_MAX = 9999  # a unit of a city's organs admits a handful a year; a typo is refused


def plan_orgs(user: Any, action: str = "change"):
    """The unit-level orgs whose plan `user` may `action` (view/change)."""
    return Organization.objects.holding(user, f"recruitment.{action}_recruitmentplan").filter(
        kind=OrgKind.UNIT_PARTY
    )


def year_error(year: Any) -> str | None:
    last = timezone.localdate().year + 1
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= last:
        return f"年度应为{FIRST_YEAR}年至{last}年之间的年份。"
    return None


def set_plans(user: Any, year: int, planned: Mapping[int, int | None]) -> int:
    """Set the `year` plans of several unit-level orgs at once ({org id: people, or None to
    remove}); all or nothing. Returns how many rows changed. Every org must be one whose
    plan the user may change; every figure a whole number from 0 to PLAN_MAX."""
    errors = ErrorCollector()
    if (message := year_error(year)) is not None:
        errors.add("year", message)
    orgs = {o.pk: o for o in plan_orgs(user).filter(pk__in=list(planned))}
    for org_id, value in planned.items():
        if org_id not in orgs:
            errors.add("plan", "所选党组织不存在，或您不能制定它的发展计划，请重新选择。")
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PLAN_MAX
        ):
            errors.add(
                f"plan-{org_id}",
                f"{orgs[org_id].name}的计划发展人数应为0至{PLAN_MAX}之间的整数。",
            )
    errors.raise_if_any()
    changed = 0
    with transaction.atomic():
        existing = {
            p.org_id: p
            for p in RecruitmentPlan.objects.select_for_update().filter(
                org_id__in=list(planned), year=year
            )
        }
        for org_id, value in planned.items():
            plan = existing.get(org_id)
            if value is None:
                if plan is not None:
                    ensure_in_scope(user, plan, "delete")
                    emit("delete", plan, before=snapshot(plan))
                    plan.delete()
                    changed += 1
                continue
            if plan is None:
                plan = RecruitmentPlan.objects.create(org_id=org_id, year=year, planned=value)
                ensure_in_scope(user, plan, "add")
                emit("create", plan, after=snapshot(plan))
                changed += 1
            elif plan.planned != value:
                before = snapshot(plan)
                plan.planned = value
                plan.save(update_fields=["planned", "updated"])
                ensure_in_scope(user, plan, "change")
                emit("update", plan, before=before, after=snapshot(plan))
                changed += 1
    return changed


def planned_by_unit(user: Any, year: int, within: Organization | None = None) -> dict:
    """{机关单位 id: (unit-level org id, planned)} of `year` in the user's view — one query."""
    qs = RecruitmentPlan.objects.restrict(user, "view").filter(year=year)
    if within is not None:
        qs = qs.within(within)
    return {
        unit_id: (org_id, planned)
        for unit_id, org_id, planned in qs.values_list("org__unit_id", "org_id", "planned")
        if unit_id is not None
    }
