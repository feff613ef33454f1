"""Metric values for a page, computed once per data version (decisions/0021).

A group's values for (user, scope, year) are kept in Django's cache under a key that holds
the **data version**: the id and time of the newest audit event that records a change.
Every write that matters goes through a service that `emit`s its audit event in the
writer's own transaction, so a reader sees a new version exactly when it sees the new
data; values stored under an older version are never read again. Reads (logins, exports,
reveals) write audit events too but change no figure: they do not count.

The key also holds today's date (figures such as 欠交 and 到期 move with the calendar),
the metrics' definitions (a renamed or re-registered metric) and the user (a figure counts
what its user may see). Entries live `TIMEOUT` seconds at most: the bound on a change made
without an audit event (none should be; a data fix straight in the database).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.cache import caches
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.db import reading_replica
from dangjian.core.metrics import Metric, MetricScope, together

log = logging.getLogger(__name__)

TIMEOUT = 600
# Audit actions that change no record (the rest — create, update, delete, import, approve,
# role grants, restore, the demo load … — may change a figure).
READS = (
    "login",
    "login_failed",
    "logout",
    "lockout",
    "permission_denied",
    "reveal",
    "export",
    "password_change",
    "mfa_enrol",
    "mfa_disable",
    "mfa_reset",
    "mfa_recovery_codes",
    "token_create",
    "unlock",
    "backup",
    "audit_rekey",
    "audit_anchor_restart",
)
FAILED = object()  # a metric whose computation raised: shown as 暂不可用, not cached


def data_version() -> str:
    """The newest change's audit event (id and time: a restored database that reuses an
    id has another time) — one indexed query, read where the values will be read."""
    with reading_replica():
        row = (
            AuditEvent.objects.exclude(action__in=READS)
            .order_by("-id")
            .values_list("id", "occurred_at")
            .first()
        )
    return "0" if row is None else f"{row[0]}@{row[1].timestamp():.6f}"


def definitions(metrics: Iterable[Metric]) -> str:
    text = "|".join(f"{m.id}:{m.label}:{m.unit}:{m.description}" for m in metrics)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_key(
    user: Any,
    within: Any,
    year: int,
    group: str,
    metrics: Iterable[Metric],
    version: str,
    today: dt.date,
) -> str:
    who = f"{getattr(user, 'pk', '')}:{getattr(within, 'pk', 0)}"
    return f"reports:metrics:{who}:{year}:{group}:{today:%Y%m%d}:{version}:{definitions(metrics)}"


def compute(metrics: Iterable[Metric], scope: MetricScope) -> dict[str, Any]:
    """{metric id: value}; a metric that fails is logged and marked, never a 500 for the page."""
    out: dict[str, Any] = {}
    with together():
        for m in metrics:
            try:
                out[m.id] = m.value(scope)
            except Exception:
                log.exception("metric %s failed for year %s", m.id, scope.year)
                out[m.id] = FAILED
    return out


def group_values(
    user: Any,
    within: Any,
    year: int,
    group: str,
    metrics: tuple[Metric, ...],
    *,
    version: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The group's values, from the cache when this data version has them. A metric
    that failed is not kept: it is computed again next time, the others are not."""
    version = data_version() if version is None else version
    today = today or timezone.localdate()
    key = cache_key(user, within, year, group, metrics, version, today)
    found = caches["metrics"].get(key) or {}
    missing = [m for m in metrics if m.id not in found]
    if not missing:
        return found
    fresh = compute(missing, MetricScope(user, year, within))
    kept = {**found, **{k: v for k, v in fresh.items() if v is not FAILED}}
    if len(kept) > len(found):
        caches["metrics"].set(key, kept, TIMEOUT)
    return {**found, **fresh}


# --- how a value reads ---------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def display(value: Any, unit: str = "") -> str:
    if value is FAILED:
        return "暂不可用"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}" if value != int(value) or unit == "%" else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def change(current: Any, previous: Any, unit: str) -> tuple[str, str]:
    """(text, direction up/down/same/"") of the change from last year; none without both."""
    if not (is_number(current) and is_number(previous)):
        return "", ""
    diff = Decimal(str(current)) - Decimal(str(previous))
    direction = "up" if diff > 0 else "down" if diff < 0 else "same"
    if diff == 0:
        return "持平", direction
    sign = "+" if diff > 0 else "−"
    size = abs(diff)
    if unit == "%":
        return f"{sign}{size:.1f} 个百分点", direction
    text = f"{size:,.2f}" if size != size.to_integral_value() else f"{int(size):,}"
    return f"{sign}{text}", direction
