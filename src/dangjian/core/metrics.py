"""Metrics registry (DESIGN §8).

A metric is an id, a Chinese label, a unit, a function `(scope) -> value` and an
optional drill-down `(scope) -> QuerySet` listing the records behind the number.
Every metric computes through `restrict`, so a user only ever counts what they see.
Apps register their metrics in `AppConfig.ready()` via `metrics.py` modules.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import QuerySet

from .db import reading_replica


@dataclass(frozen=True)
class MetricScope:
    """Who asks, for which year, and optionally which subtree (an Organization or None)."""

    user: Any
    year: int
    within: Any = None

    def restrict(self, queryset: QuerySet, action: str = "view") -> QuerySet:
        qs = queryset.restrict(self.user, action)  # type: ignore[attr-defined]
        if self.within is not None:
            qs = qs.within(self.within)
        return qs


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    unit: str
    compute: Callable[[MetricScope], Any]
    drilldown: Callable[[MetricScope], QuerySet] | None = None
    description: str = ""

    def value(self, scope: MetricScope) -> Any:
        # Aggregates may be seconds old: read from the replica when one is configured.
        with reading_replica():
            return self.compute(scope)

    def as_dict(self, scope: MetricScope) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "unit": self.unit,
            "value": self.value(scope),
            "year": scope.year,
        }


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def register(self, metric: Metric) -> Metric:
        if metric.id in self._metrics and self._metrics[metric.id] != metric:
            raise ValueError(f"metric {metric.id!r} registered twice")
        self._metrics[metric.id] = metric
        return metric

    def get(self, metric_id: str) -> Metric:
        try:
            return self._metrics[metric_id]
        except KeyError:
            raise LookupError(metric_id) from None

    def all(self) -> list[Metric]:
        return sorted(self._metrics.values(), key=lambda m: m.id)

    def __contains__(self, metric_id: str) -> bool:
        return metric_id in self._metrics


registry = MetricRegistry()


def metric(id: str, label: str, unit: str, *, drilldown=None, description: str = ""):
    """Decorator form: `@metric("orgs.unit_party_count", "市直机关党组织数", "个")`."""

    def wrap(fn: Callable[[MetricScope], Any]) -> Callable[[MetricScope], Any]:
        registry.register(Metric(id, label, unit, fn, drilldown, description))
        return fn

    return wrap


# --- work shared by metrics computed together -------------------------------------------

T = TypeVar("T")
_together: ContextVar[dict[Hashable, Any] | None] = ContextVar("metrics_together", default=None)


@contextmanager
def together() -> Iterator[None]:
    """Metrics computed in this block (a page's area, a report) may share one computation
    through `shared`: the nine compliance rates of a year are one evaluation of the rules,
    not nine. Nothing outlives the block, so nothing shared can be stale."""
    token = _together.set({})
    try:
        yield
    finally:
        _together.reset(token)


def computing_together() -> bool:
    """Whether a `together` block is open (work worth sharing is worth doing)."""
    return _together.get() is not None


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per `key` inside a `together` block; outside one, every time."""
    memo = _together.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
