"""What the service modules share: loading rows with what their write rules read, and
small helpers. Not called from outside `services`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dangjian.core import services as core_services

from ..models import Assessment, Rectification

OutOfScope = core_services.OutOfScope
LOCKED = "该检查已完成并锁定，不能再修改；确需修改的，请由督查活动主办方先重新打开。"


def user_or_none(user: Any) -> Any:
    """The user to record as author: None for the system actor (CLI, cron)."""
    return user if getattr(user, "pk", None) is not None else None


def sync(target: Any, source: Any, names: Iterable[str]) -> None:
    """Copy saved values onto the caller's instance so it shows what was written."""
    for name in names:
        setattr(target, name, getattr(source, name))


def load_assessment(assessment: Assessment | int, *, lock: bool = False) -> Assessment:
    """The assessment with its campaign's scope org (its writing side) and framework."""
    qs = Assessment.objects.select_related("campaign__framework", "campaign__scope_org", "target")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=getattr(assessment, "pk", assessment))


def load_rectification(rectification: Rectification | int, lock: bool = False) -> Rectification:
    """The rectification with its owner org (answering side) and raising org (verifying side)."""
    qs = Rectification.objects.select_related("org", "finding__raised_by_org")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=getattr(rectification, "pk", rectification))
