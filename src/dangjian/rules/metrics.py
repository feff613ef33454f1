"""Compliance rate per frequency rule: metric `compliance.<rule id>` (DESIGN §8).

The value is the percentage of judged (org, period) cells that are compliant, over the
scope's subtree and year (`evaluator.RuleSummary.rate`); None when nothing was judged
(no applicable org, or the rule is switched off). The drill-down lists the orgs with a
non-compliant cell.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dangjian.core.metrics import Metric, MetricScope, computing_together, registry, shared
from dangjian.orgs.models import Organization

from . import rollup
from .evaluator import VIEW_PERM, Status, evaluate
from .loader import Library
from .schema import FREQUENCY, Rule
from .switches import enabled_rules, is_enabled


def metric_id(rule: Rule) -> str:
    return f"compliance.{rule.id}"


def _evaluation(rule: Rule, scope: MetricScope):
    rules = [rule] if is_enabled(rule) else []
    return evaluate(scope.user, scope.year, within=scope.within, rules=rules)


def _summary(rule: Rule, scope: MetricScope):
    """The rule's summary over the scope. Within an org, from the compliance roll-ups
    (rollup.py, decision 0013): the enabled frequency rules judged together once and kept
    per unit until a write there changes its token — so the nine rates of 统计指标 cost one
    evaluation, or none, instead of nine; the compliance page shares the same entries."""
    if not is_enabled(rule):
        return None
    root = scope.within
    rules = [r for r in enabled_rules() if r.kind == FREQUENCY]
    if root is None:  # the user's whole reach, maybe several subtrees: judged directly
        if not computing_together():  # one rate: its rule alone
            return _evaluation(rule, scope).summaries().get(rule.id)
        # Rates computed together (`core.metrics.together`) share one evaluation of every rule.
        key = ("compliance", getattr(scope.user, "pk", None), scope.year, rollup.rules_key(rules))
        by_rule = shared(key, lambda: evaluate(scope.user, scope.year, rules=rules).summaries())
        return by_rule.get(rule.id)
    children = (
        list(
            rollup.with_tokens(
                Organization.objects.holding(scope.user, VIEW_PERM).children_of(root)
            )
        )
        if root.depth == 1
        else None
    )
    parts = rollup.load(scope.user, scope.year, root, rules, children=children, orgs=False)
    return rollup.summaries(parts, rules).get(rule.id)


def make_compute(rule: Rule):
    def compute(scope: MetricScope) -> float | None:
        summary = _summary(rule, scope)
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
