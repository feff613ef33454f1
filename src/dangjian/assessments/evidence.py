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

Items linked to a term rule (按期换届, `term.renewal.on_time`) get the term records
instead: the term current on the campaign's last day (today while it runs) of the target
and the elected orgs below it — one query, the 换届 sweep's (`rules.sweep`). One org: its
term number, election date, due date and whether it was overdue that day, with a link to
its page; several: how many were overdue (named) and how many have no term recorded.
Compliant = not overdue, judged = orgs with a term recorded; no term recorded suggests
nothing (the assessor checks the paper records); a 党小组 is not elected: 不适用.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils import timezone

from dangjian.activities.models import ActivityKind
from dangjian.core.scoping import SYSTEM
from dangjian.dues import audit as dues_audit
from dangjian.orgs import termrules
from dangjian.orgs.models import OrgKind
from dangjian.rules import evaluator, loader, sweep
from dangjian.rules.schema import FREQUENCY, TERM, Rule

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
    links: list[tuple[str, str]] = field(default_factory=list)  # (org name, its page)


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
        .exclude(rule_id="", evidence_source="")
        .exclude(kind=ItemKind.SECTION)
        .order_by("order")
    )
    if not items:
        return {}
    ledger = ledger_suggestions(assessment, [i for i in items if i.evidence_source])
    items = [i for i in items if i.rule_id]
    rules: dict[str, Rule] = {}
    term_rules: dict[str, Rule] = {}
    for item in items:
        try:
            rule = loader.get_rule(item.rule_id)
        except LookupError:
            continue  # a rule withdrawn from the library: no suggestion
        if rule.kind == FREQUENCY:
            rules[rule.id] = rule
        elif rule.kind == TERM:
            term_rules[rule.id] = rule
    out = term_suggestions(assessment, [i for i in items if i.rule_id in term_rules], term_rules)
    out.update(ledger)
    if not rules:
        return out
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


# --- 按期换届: the term records ----------------------------------------------------------


def _org_link(org_id: int, name: str) -> tuple[str, str]:
    return name, reverse("orgs:organization_detail", args=[org_id])


def _one_term(row: dict, day: dt.date) -> tuple[str, str]:
    """(text, suggested result) for one elected org's term on `day`."""
    status = row["sweep_status"]
    if status == termrules.TermStatus.NO_DATA:
        return "换届：尚未录入届次信息，请核实后在组织页登记", ""
    number = f"第{row['term_number']}届，" if row["term_number"] else ""
    text = f"换届：{number}{row['term_started_on']:%Y-%m-%d} 选举，应于 {row['term_due_on']:%Y-%m-%d} 换届，"
    if status == termrules.TermStatus.OVERDUE:
        days = (day - row["term_due_on"]).days
        return f"{text}已逾期 {days} 天（截至 {day:%Y-%m-%d}）", ResultValue.NONCONFORMING
    if status in sweep.DUE_STATUSES:
        label = termrules.TermStatus.LABELS[status]
        return f"{text}{label}，尚未逾期（截至 {day:%Y-%m-%d}）", ResultValue.CONFORMING
    return f"{text}未到期（截至 {day:%Y-%m-%d}）", ResultValue.CONFORMING


def term_suggestions(
    assessment: Assessment, items: list[FrameworkItem], rules: dict[str, Rule]
) -> dict[int, Suggestion]:
    """The term status of the target and the elected orgs under it, on the campaign's last
    day (today while it runs), for each item linked to a term rule. One query."""
    if not items:
        return {}
    campaign = assessment.campaign
    day = min(campaign.period_end, timezone.localdate())
    kinds = tuple(
        sorted({k for r in rules.values() for k in r.applies_to} & set(termrules.term_kinds()))
    )
    rows = list(
        sweep.sweep_queryset(SYSTEM, day, within=assessment.target, kinds=kinds).values(
            "pk", "name", "term_number", "term_started_on", "term_due_on", "sweep_status"
        )
    )
    overdue = [r for r in rows if r["sweep_status"] == termrules.TermStatus.OVERDUE]
    no_data = [r for r in rows if r["sweep_status"] == termrules.TermStatus.NO_DATA]
    judged = len(rows) - len(no_data)
    compliant = judged - len(overdue)
    links: list[tuple[str, str]] = []
    result: str | None = None  # None: by the item's kind, from the counts
    if not rows:
        kind = OrgKind(assessment.target.kind).label
        text, result = f"换届：{kind}不实行任期制", ResultValue.NOT_APPLICABLE
    elif len(rows) == 1:
        text, result = _one_term(rows[0], day)
        links = [_org_link(rows[0]["pk"], rows[0]["name"])]
    else:
        text = f"换届：{len(rows)} 个组织中 {len(overdue)} 个逾期未换届"
        if overdue:
            text += "（" + "、".join(r["name"] for r in overdue[:3])
            text += "等）" if len(overdue) > 3 else "）"
        if no_data:
            text += f"，{len(no_data)} 个无届次信息"
        links = [_org_link(r["pk"], r["name"]) for r in (overdue + no_data)[:5]]
    out: dict[int, Suggestion] = {}
    for item in items:
        rule = rules[item.rule_id]
        suggested = result
        if suggested is None:
            suggested = suggest_result(item.kind, compliant, judged) if judged else ""
        out[item.pk] = Suggestion(
            item_id=item.pk,
            rule_id=rule.id,
            rule_title=rule.title,
            citation=rule.citation.text(),
            compliant=compliant,
            total=judged,
            text=text,
            result=suggested,
            score=(
                suggest_score(item.max_score, compliant, judged)
                if item.kind == ItemKind.SCORE and suggested
                else None
            ),
            orgs=judged,
            links=links,
        )
    return out


# --- 党费审查: the dues ledger ---------------------------------------------------------------


def ledger_suggestions(assessment: Assessment, items: list[FrameworkItem]) -> dict[int, Suggestion]:
    """Items that name a ledger source (dues.audit.SOURCES): the figure for the target's
    subtree over the campaign period, as of its last day (today while it runs)."""
    if not items:
        return {}
    campaign = assessment.campaign
    today = timezone.localdate()
    computed: dict[str, dues_audit.LedgerEvidence] = {}
    out: dict[int, Suggestion] = {}
    for item in items:
        source = item.evidence_source
        if source not in dues_audit.SOURCES:
            continue  # a source withdrawn since the framework was loaded: no suggestion
        if source not in computed:  # each source once, however many items name it
            computed[source] = dues_audit.evaluate(
                source, assessment.target, campaign.period_start, campaign.period_end, today
            )
        found = computed[source]
        result = suggest_result(item.kind, found.compliant, found.total)
        out[item.pk] = Suggestion(
            item_id=item.pk,
            rule_id="",
            rule_title=dues_audit.SOURCES[source][0],
            citation="",
            compliant=found.compliant,
            total=found.total,
            text=found.text,
            result=result,
            score=(
                suggest_score(item.max_score, found.compliant, found.total)
                if item.kind == ItemKind.SCORE
                else None
            ),
            orgs=0,
            links=list(found.links),
        )
    return out
