"""自动取证 (减负): each item linked to a rule shows the org's compliance for the period.

The rules evaluator judges the target org's subtree once per calendar year of the
campaign period, for all the linked rules together (its set-based queries), and each
item gets a summary: periods compliant / periods judged, in the words the assessor would
write ("支委会：12 个月中 11 个月达标"), with a suggested result and score.

Which periods count: those that end inside the campaign period (a quarter is judged in
its last month). Exempt, not-yet-due and not-applicable periods are left out of both
numbers, as in every compliance rate of the rules app. For a target with several orgs the
rule applies to (a unit and its branches), the numbers are org-periods ("3 个组织共 36 个月次").

Suggested result: all judged periods compliant → 符合; at least half → 部分符合 (不符合 for
a pass/fail item, which has no partial); fewer → 不符合; nothing judged → 不适用.
Suggested score (score items): max score × compliant / judged, rounded to 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from dangjian.activities.models import ActivityKind
from dangjian.core.scoping import SYSTEM
from dangjian.rules import evaluator, loader
from dangjian.rules.schema import FREQUENCY, Rule

from .models import Assessment, FrameworkItem, ItemKind, ResultValue

UNIT_WORDS = {"month": "个月", "quarter": "个季度", "year": "年"}
MULTI_WORDS = {"month": "个月次", "quarter": "个季度次", "year": "个年度次"}


@dataclass
class Suggestion:
    item_id: int
    rule_id: str
    rule_title: str
    citation: str
    compliant: int  # periods compliant (e.g. months)
    total: int  # periods judged (exempt / not applicable excluded)
    text: str  # e.g. "支委会：12 个月中 11 个月达标"
    result: str  # suggested ResultValue
    score: object | None  # suggested score (Decimal) for score items
    exempt: int = 0  # periods excused by an approved exemption (not in `total`)
    orgs: int = 0  # orgs with judged periods


def short_label(rule: Rule) -> str:
    """What the rule counts, briefly: the activity kind ("支委会") or the rule's title."""
    kinds = rule.schedule.activity_kinds
    if len(kinds) == 1 and kinds[0] in ActivityKind.values:
        return str(ActivityKind(kinds[0]).label)
    return rule.title


def suggest_result(kind: str, compliant: int, total: int) -> str:
    if total == 0:
        return ResultValue.NOT_APPLICABLE
    if compliant == total:
        return ResultValue.CONFORMING
    if kind != ItemKind.PASS_FAIL and compliant * 2 >= total:
        return ResultValue.PARTIAL
    return ResultValue.NONCONFORMING


def suggest_score(max_score: Decimal | None, compliant: int, total: int) -> Decimal | None:
    if max_score is None or total == 0:
        return None
    halves = (Decimal(max_score) * 2 * compliant / total).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return (halves / 2).quantize(Decimal("0.1"))


def describe(label: str, period: str, compliant: int, total: int, orgs: int, exempt: int) -> str:
    if total == 0:
        text = f"{label}：检查期间没有需要判定的记录（不适用或未到期）"
    elif orgs > 1:
        text = f"{label}：{orgs} 个组织共 {total} {MULTI_WORDS[period]}中 {compliant} 个达标"
    else:
        unit = UNIT_WORDS[period]
        text = f"{label}：{total} {unit}中 {compliant} {unit}达标"
    if exempt:
        text += f"（另有 {exempt} {UNIT_WORDS[period] if orgs <= 1 else MULTI_WORDS[period]}豁免）"
    return text


def suggestions(assessment: Assessment) -> dict[int, Suggestion]:
    """One suggestion per rule-linked item, computed set-based for the assessment's target
    org and the campaign period (one evaluator call per calendar year, not one per item)."""
    campaign = assessment.campaign
    items = list(
        FrameworkItem.objects.filter(framework_id=campaign.framework_id)
        .exclude(rule_id="")
        .exclude(kind=ItemKind.SECTION)
        .order_by("order")
    )
    if not items:
        return {}
    rules: dict[str, Rule] = {}
    for item in items:
        try:
            rule = loader.get_rule(item.rule_id)
        except LookupError:
            continue  # a rule withdrawn from the library: no suggestion
        if rule.kind == FREQUENCY:
            rules[rule.id] = rule
    if not rules:
        return {}
    start, end = campaign.period_start, campaign.period_end
    today = timezone.localdate()
    # rule id → [compliant, judged, exempt, set of orgs judged]
    tally: dict[str, list] = {rid: [0, 0, 0, set()] for rid in rules}
    for year in range(start.year, end.year + 1):
        result = evaluator.evaluate(
            SYSTEM, year, within=assessment.target, rules=list(rules.values()), today=today
        )
        for cell in result.cells:
            if not (start <= cell.period.end <= end):
                continue
            t = tally[cell.rule_id]
            if cell.status == evaluator.Status.COMPLIANT:
                t[0] += 1
                t[1] += 1
                t[3].add(cell.org_id)
            elif cell.status == evaluator.Status.NONCOMPLIANT:
                t[1] += 1
                t[3].add(cell.org_id)
            elif cell.status == evaluator.Status.EXEMPT:
                t[2] += 1
    out: dict[int, Suggestion] = {}
    for item in items:
        if item.rule_id not in rules:
            continue
        rule = rules[item.rule_id]
        compliant, total, exempt, orgs = tally[rule.id]
        period = rule.schedule.period
        out[item.pk] = Suggestion(
            item_id=item.pk,
            rule_id=rule.id,
            rule_title=rule.title,
            citation=rule.citation.text(),
            compliant=compliant,
            total=total,
            text=describe(short_label(rule), period, compliant, total, len(orgs), exempt),
            result=suggest_result(item.kind, compliant, total),
            score=(
                suggest_score(item.max_score, compliant, total)
                if item.kind == ItemKind.SCORE
                else None
            ),
            exempt=exempt,
            orgs=len(orgs),
        )
    return out
