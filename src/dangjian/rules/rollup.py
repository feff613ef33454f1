"""Compliance roll-ups kept between views (docs/decisions/0013-compliance-without-recompute.md).

The compliance page shows, for a subtree and a year, twelve months of status counts per row
and the totals per rule. They come from judging every (org, rule, period) — 46,840 cells
for the demo city — which cost most of the page. Here an evaluation is folded into one
**roll-up per part** of the page's subtree, kept in Django's cache:
- for a tree root (the 工委): its own results, and one part per child (a unit's subtree);
- for any other org: its whole subtree as one part.

A part's cache key holds its path, the year, today, the rules judged and two tokens read
with the orgs the page fetches anyway (`with_tokens`) on every view: the part's own token —
kept per unit-level org (two tree steps) and per org three steps down (a unit's 党委, 总支
or 支部), a deeper part using its three-step ancestor's, a root its own — and the global
token (""). Every write that can change a result changes the tokens of its unit and of its
three-step ancestor in the writer's own transaction (`touch_orgs`): an activity, a member (his status, dates or org: the 支委会
condition counts full members), an org-level exemption — saved (model signals) or deleted
(the delete services' audit event). A change to the tree itself (an org added, edited,
moved, dissolved or deleted), a bulk import or the demo load changes the global token
(`touch_all`). Participations, agenda items of a recorded activity (its save touches it),
terms and posts do not enter the evaluation.

A view reads the tokens, takes the parts whose key is in the cache and judges every other
part together in one evaluation (four queries, however many parts are missing), so a
meeting recorded in one unit costs the 工委's next view one unit, not the city, and a
secretary's view nothing unless it was in her branch.

Scope: a page is only ever about an org the user holds `rules.view_compliance` over, so
each part is a whole subtree inside the user's scope, and its roll-up is the same for every
user allowed to see it. The key names the part; `load` refuses an org the user does not hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.db.models.signals import post_save, pre_save
from django.http import Http404
from django.utils import timezone

from dangjian.activities.models import Activity
from dangjian.core.scoping import holds
from dangjian.core.signals import audit_event
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .evaluator import VIEW_PERM, Evaluation, RuleSummary, Status, evaluate
from .models import ComplianceToken, RuleExemption
from .schema import FREQUENCY, Rule

GLOBAL = ""
CACHE = "rollups"  # settings.CACHES: per process, or the shared Redis
KEY_VERSION = 1  # bump when the roll-up's shape changes: older entries are not read
TIMEOUT = 2 * 24 * 3600  # the key holds today: an entry is never read on another day
STATUSES = Status.ALL
_INDEX = {s: i for i, s in enumerate(STATUSES)}
_WIDTH = len(STATUSES)


def unit_path(path: str) -> str:
    """The unit-level org's path above `path` (two tree steps), or a root's own."""
    return path[: 2 * Organization.steplen]


def token_path(path: str) -> str:
    """The token a part at `path` is kept under: its org's three-step ancestor (a unit's
    党委/总支/支部 — so a secretary's branch is not judged again for the other branches of
    her unit), or, above that, the unit-level org's (or a root's own)."""
    return path[: 3 * Organization.steplen]


# --- the tokens -------------------------------------------------------------------------------


def touch_orgs(org_ids: Iterable[int | None]) -> None:
    """New tokens for these orgs' units and their three-step ancestors — one statement, in
    the caller's transaction."""
    ids = sorted({i for i in org_ids if i is not None})
    if not ids:
        return
    q = connection.ops.quote_name
    table, orgs = q(ComplianceToken._meta.db_table), q(Organization._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    step = Organization.steplen
    # Table names from the models; every value is a parameter. (A path shorter than three
    # steps gives the same prefix twice: UNION keeps one.) Rows in path order: two writers
    # touching the same two rows (transfers both ways) lock them in the same order.
    sql = (
        f"INSERT INTO {table} (path, token) SELECT u.p, %s FROM ("  # noqa: S608
        f"SELECT substr(o.path, 1, %s) AS p FROM {orgs} o WHERE o.id IN ({marks}) UNION "
        f"SELECT substr(o.path, 1, %s) FROM {orgs} o WHERE o.id IN ({marks})"
        ") u WHERE true ORDER BY u.p ON CONFLICT (path) DO UPDATE SET token = excluded.token"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [secrets.randbits(62), 2 * step, *ids, 3 * step, *ids])


def touch_all() -> None:
    """A new global token: every roll-up is judged again on its next view."""
    ComplianceToken.objects.bulk_create(
        [ComplianceToken(path=GLOBAL, token=secrets.randbits(62))],
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=["token"],
    )


def read_tokens(paths: Iterable[str]) -> dict[str, int]:
    """{path: token} of these paths and the global one (absent: 0) — one query."""
    wanted = sorted({GLOBAL, *paths})
    found = dict(ComplianceToken.objects.filter(path__in=wanted).values_list("path", "token"))
    return {p: found.get(p, 0) for p in wanted}


def with_tokens(queryset):
    """Organizations annotated with the token a part at each is kept under (`token_path`)
    and the global one — no extra query: the compliance page fetches its root and the
    root's children anyway."""
    unit = ComplianceToken.objects.filter(
        path=Substr(OuterRef("path"), 1, 3 * Organization.steplen)
    ).values("token")[:1]
    top = ComplianceToken.objects.filter(path=GLOBAL).values("token")[:1]
    return queryset.annotate(rollup_token=Subquery(unit), rollup_global=Subquery(top))


def _tokens(
    root: Organization, children: Sequence[Organization] | None, parts: list[tuple[str, bool]]
) -> dict[str, int]:
    """The tokens the parts need: from the orgs' annotations (`with_tokens`), else read."""
    orgs = [root, *(children or ())]
    if not all(hasattr(o, "rollup_token") for o in orgs):
        return read_tokens(token_path(path) for path, _own in parts)
    tokens = {token_path(o.path): o.rollup_token or 0 for o in orgs}
    tokens[GLOBAL] = root.rollup_global or 0
    return tokens


# Signals: every save of a row the evaluation reads; an update may move the row to another
# org (a transfer), so the org it had is read before the save and touched too. Deletes are
# taken from the audit event the delete services send (core.services.delete_object): a
# post_delete receiver would make Django load every row of a bulk or cascading delete (the
# demo's reset, an org's subtree) to call it; an org deleted changes the global token.


def _remember_org(sender, instance, raw=False, **kwargs) -> None:
    if instance.pk is None or instance._state.adding:
        return
    instance._rollup_old_org = (
        sender._base_manager.filter(pk=instance.pk).values_list("org_id", flat=True).first()
    )


def _touch_saved(sender, instance, **kwargs) -> None:
    touch_orgs([instance.org_id, getattr(instance, "_rollup_old_org", None)])


def _touch_tree(sender, instance=None, **kwargs) -> None:
    touch_all()


def _on_audit(sender, action=None, obj=None, outcome="success", **kwargs) -> None:
    if outcome != "success":
        return
    if isinstance(obj, Organization) or action == "import":
        # The tree itself (an org added, edited, moved — treebeard rewrites the subtree's
        # paths without a save —, dissolved or deleted with its rows), or a bulk import.
        touch_all()
    elif action == "delete" and isinstance(obj, Activity | Member | RuleExemption):
        touch_orgs([obj.org_id])


def connect() -> None:
    for model in (Activity, Member, RuleExemption):
        uid = f"rules.rollup.{model.__name__}"
        pre_save.connect(_remember_org, sender=model, dispatch_uid=uid)
        post_save.connect(_touch_saved, sender=model, dispatch_uid=uid)
    post_save.connect(_touch_tree, sender=Organization, dispatch_uid="rules.rollup.org")
    audit_event.connect(_on_audit, dispatch_uid="rules.rollup.audit")


# --- the roll-ups -----------------------------------------------------------------------------

# An org's own results by month: (id, name, kind, path, 12 × len(STATUSES) counts flat,
# its parent's name).
OrgMonths = tuple[int, str, str, str, tuple[int, ...], str]


@dataclass(frozen=True, slots=True)
class Rollup:
    """What the compliance page needs of one part of its subtree."""

    path: str
    own: bool  # the org at `path` alone (a root's own results), not its subtree
    total: tuple[int, ...]  # 12 × len(STATUSES) counts of the part (not_applicable left out)
    rules: dict[str, tuple[int, ...]]  # rule id → counts per STATUSES, then warnings
    orgs: tuple[OrgMonths, ...]  # the orgs with a judged result, in tree order
    # The orgs with a missed result (未达标组织): (id, name, kind, path, parent's name,
    # ((rule id, period label), …) in the evaluation's order).
    behind: tuple[tuple[int, str, str, str, str, tuple[tuple[str, str], ...]], ...] = ()

    def months(self, counts: tuple[int, ...] | None = None) -> list[dict[str, int]]:
        """Twelve {status: count} of `counts` (default: the part's total)."""
        flat = self.total if counts is None else counts
        return [
            dict(zip(STATUSES, flat[m * _WIDTH : (m + 1) * _WIDTH], strict=True)) for m in range(12)
        ]


def parts_of(root: Organization, children: Sequence[Organization] | None) -> list[tuple[str, bool]]:
    """A root: itself alone and each child's subtree; any other org: its subtree."""
    if root.depth == 1 and children is not None:
        return [(root.path, True), *((c.path, False) for c in children)]
    return [(root.path, False)]


def fold(
    evaluation: Evaluation, parts: Sequence[tuple[str, bool]]
) -> dict[tuple[str, bool], Rollup]:
    """The roll-up of each part from one evaluation covering them (one pass over the cells)."""
    own = {path: (path, True) for path, is_own in parts if is_own}
    subtrees = {path: (path, False) for path, is_own in parts if not is_own}
    lengths = sorted({len(p) for p in subtrees}, reverse=True)
    part_of: dict[int, tuple[str, bool] | None] = {}
    for org in evaluation.orgs.values():
        part = own.get(org.path)
        if part is None:
            part = next((subtrees[org.path[:n]] for n in lengths if org.path[:n] in subtrees), None)
        part_of[org.id] = part
    rule_counts: dict[tuple[str, bool], dict[str, list[int]]] = {p: {} for p in parts}
    org_counts: dict[int, list[int]] = {}
    missed: dict[int, list[tuple[str, str]]] = {}
    na, missed_status, index, width = Status.NOT_APPLICABLE, Status.NONCOMPLIANT, _INDEX, _WIDTH
    for cell in evaluation.cells:
        part = part_of.get(cell.org_id)
        if part is None:
            continue
        by_rule = rule_counts[part]
        counts = by_rule.get(cell.rule_id)
        if counts is None:
            counts = by_rule[cell.rule_id] = [0] * (width + 1)
        i = index[cell.status]
        counts[i] += 1
        if cell.warning:
            counts[width] += 1
        if cell.status == na:
            continue
        if cell.status == missed_status:
            missed.setdefault(cell.org_id, []).append((cell.rule_id, cell.period.short_label))
        months = org_counts.get(cell.org_id)
        if months is None:
            months = org_counts[cell.org_id] = [0] * (12 * width)
        months[(cell.period.last_month - 1) * width + i] += 1
    rows: dict[tuple[str, bool], list[OrgMonths]] = {p: [] for p in parts}
    behind: dict[tuple[str, bool], list] = {p: [] for p in parts}
    for org in evaluation.orgs.values():  # in tree order (the orgs are fetched by path)
        months = org_counts.get(org.id)
        part = part_of[org.id]
        if months is None or part is None:
            continue
        parent = evaluation.parents.get(org.id, "")
        if any(months):
            rows[part].append((org.id, org.name, org.kind, org.path, tuple(months), parent))
        if org.id in missed:
            behind[part].append(
                (org.id, org.name, org.kind, org.path, parent, tuple(missed[org.id]))
            )
    result = {}
    for part in parts:
        total = [0] * (12 * width)
        for *_, months_of, _parent in rows[part]:
            for j, n in enumerate(months_of):
                if n:
                    total[j] += n
        result[part] = Rollup(
            part[0],
            part[1],
            tuple(total),
            {rule: tuple(c) for rule, c in rule_counts[part].items()},
            tuple(rows[part]),
            tuple(behind[part]),
        )
    return result


def rules_key(rules: Sequence[Rule]) -> str:
    """The judged rules as they are now (their whole definition, not only their ids)."""
    return hashlib.blake2b(repr(tuple(rules)).encode(), digest_size=8).hexdigest()


def part_keys(
    user: Any,
    year: int,
    root: Organization,
    chosen: Sequence[Rule],
    parts: Sequence[tuple[str, bool]],
    children: Sequence[Organization] | None,
    today: dt.date,
) -> dict[tuple[str, bool], str]:
    """The cache key of each part: its path, the year, today, the rules and the tokens that
    change with every write the part's results depend on. What is kept under a key is the
    caller's (a suffix: the compliance page's ":sum", the 待办's ":todo")."""
    if not holds(user, VIEW_PERM, root.path):
        raise Http404  # a page never asks for an org out of scope; never cache one piecemeal
    tokens = _tokens(root, children, list(parts))
    # A root's own results count the full members of the whole tree when one of its rules
    # has a committee condition: then any unit's write changes them.
    whole = any(r.schedule.min_full_members and root.kind in r.applies_to for r in chosen)
    everything = ".".join(str(t) for _p, t in sorted(tokens.items()))
    base = (
        f"rules.rollup:{KEY_VERSION}:{year}:{today.isoformat()}:{rules_key(chosen)}:"
        f"{tokens[GLOBAL]}"
    )
    return {
        (path, own): f"{base}:{path}:{'own' if own else 'tree'}:"
        + (everything if own and whole else str(tokens[token_path(path)]))
        for path, own in parts
    }


def load(
    user: Any,
    year: int,
    root: Organization,
    rules: Iterable[Rule],
    *,
    children: Sequence[Organization] | None = None,
    today: dt.date | None = None,
    orgs: bool = True,
    behind: bool = False,
) -> list[Rollup]:
    """The roll-ups of `root`'s parts (`children`: a root's children, one part each), from
    the cache where the tokens allow, the rest judged together in one evaluation.

    Each part is kept as three entries: its totals, its orgs' own months (`orgs=False`:
    not read — the city's one row per unit needs only the totals of 85 parts) and its orgs
    with missed results (`behind=True`: read for 未达标组织)."""
    today = today or timezone.localdate()
    chosen = [r for r in rules if r.kind == FREQUENCY]
    parts = parts_of(root, children)
    keys = part_keys(user, year, root, chosen, parts, children, today)
    names = ("sum", *(("orgs",) if orgs else ()), *(("behind",) if behind else ()))
    found = (
        caches[CACHE].get_many([f"{k}:{n}" for k in keys.values() for n in names]) if chosen else {}
    )
    missing = [p for p in parts if any(f"{keys[p]}:{n}" not in found for n in names)]
    result: dict[tuple[str, bool], Rollup] = {}
    for part in parts:
        if part not in missing:
            key = keys[part]
            total, by_rule = found[f"{key}:sum"]
            rows = found[f"{key}:orgs"] if orgs else ()
            missed = found[f"{key}:behind"] if behind else ()
            result[part] = Rollup(part[0], part[1], total, by_rule, rows, missed)
    if missing:
        evaluation = evaluate(
            user,
            year,
            within=root,
            rules=chosen,
            today=today,
            parent_names=True,
            # Most of the parts missing (a first view, a change to the tree): the whole
            # subtree reads faster than a long OR of paths.
            parts=None if 2 * len(missing) > len(parts) else missing,
        )
        fresh = fold(evaluation, missing)
        result.update(fresh)
        if chosen:
            entries: dict[str, Any] = {}
            for part in missing:
                r = fresh[part]
                entries[f"{keys[part]}:sum"] = (r.total, r.rules)
                entries[f"{keys[part]}:orgs"] = r.orgs
                entries[f"{keys[part]}:behind"] = r.behind
            caches[CACHE].set_many(entries, TIMEOUT)
    return [result[p] for p in parts]


def summaries(rollups: Sequence[Rollup], rules: Iterable[Rule]) -> dict[str, RuleSummary]:
    """{rule id: its summary over the parts} — what `Evaluation.summaries()` gives."""
    result = {}
    for rule in rules:
        if rule.kind != FREQUENCY:
            continue
        summary = result[rule.id] = RuleSummary(rule.id)
        for r in rollups:
            counts = r.rules.get(rule.id)
            if counts is None:
                continue
            for status, n in zip(STATUSES, counts, strict=False):
                summary.counts[status] += n
            summary.warnings += counts[_WIDTH]
    return result
