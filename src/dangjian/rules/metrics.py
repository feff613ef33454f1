"""Compliance rate per frequency rule: metric `compliance.<rule id>` (DESIGN §8).

The value is the percentage of judged (org, period) cells that are compliant, over the
scope's subtree and year (`evaluator.RuleSummary.rate`); None when nothing was judged
(no applicable org, or the rule is switched off). The drill-down lists the orgs with a
non-compliant cell.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dangjian.core.metrics import Metric, MetricScope, registry
from dangjian.orgs.models import Organization

from .evaluator import Status, evaluate
from .loader import Library
from .schema import FREQUENCY, Rule
from .switches import is_enabled


def metric_id(rule: Rule) -> str:
    return f"compliance.{rule.id}"


def _evaluation(rule: Rule, scope: MetricScope):
    rules = [rule] if is_enabled(rule) else []
    return evaluate(scope.user, scope.year, within=scope.within, rules=rules)


def make_compute(rule: Rule):
    def compute(scope: MetricScope) -> float | None:
        summary = _evaluation(rule, scope).summaries().get(rule.id)
        rate = summary.rate if summary else None
        return None if rate is None else round(rate * 100, 1)

    return compute


def make_drilldown(rule: Rule):
    def drilldown(scope: MetricScope) -> QuerySet:
        evaluation = _evaluation(rule, scope)
        ids = {c.org_id for c in evaluation.cells if c.status == Status.NONCOMPLIANT}
        return Organization.objects.filter(pk__in=ids).order_by("path")

    return drilldown


def register(library: Library) -> None:
    """Register one metric per frequency rule (idempotent: a re-run keeps the first)."""
    for rule in library:
        if rule.kind != FREQUENCY or metric_id(rule) in registry:
            continue
        registry.register(
            Metric(
                id=metric_id(rule),
                label=f"{rule.title}·达标率",
                unit="%",
                compute=make_compute(rule),
                drilldown=make_drilldown(rule),
                description=f"适用的（组织，期间）中达标的比例；豁免、未到期和不适用的不计。依据：{rule.citation.text()}",
            )
        )
