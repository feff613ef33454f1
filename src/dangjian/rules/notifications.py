"""Reminders (提醒): rule results → `Notification` rows for the users responsible.

`run(day)` gathers the drafts of every source for the day, finds who receives each one,
and inserts the rows that do not exist yet. Every row's `dedupe_key` names the user, the
kind, the subject and the period, so a second run for the same day inserts nothing.

Who is responsible (one query per permission, then dictionary look-ups by tree path):
a reminder about org O goes to the users holding the relevant permission (e.g. changing
terms for a 换届 reminder) through a role assigned
  1. at the nearest org on the path from O up to O's unit-level org (机关党组织) that has
     such a user — for a branch, its secretary if it has one, else the general branch or
     party committee above, else the unit;
  2. plus those assigned at O's unit-level org (the unit admins), who oversee the unit;
  3. and only when 1–2 find nobody, those at the nearest level above (the 工委), so that
     no reminder is lost for want of an account inside the unit — as a digest (below).
Committee admins therefore do not receive every branch's reminders: what nobody inside a
unit can act on reaches them as one digest per unit, kind and month. Holiday reminders are
addressed to a level exactly (each unit org's holders, and the 工委's own holders once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.roles import ROLES
from dangjian.core.scoping import SYSTEM
from dangjian.core.services import emit
from dangjian.orgs.models import Organization

from .models_notifications import Notification, NotificationKind
from .reminder_sources import (
    PERM_ACTIVITIES,
    PERM_MEMBERS,
    PERM_TERMS,
    PERM_UNIT,
    SOURCE_LABELS,
    SOURCES,
    Draft,
    Links,
    switched_off,
)

__all__ = [
    "PERM_ACTIVITIES",
    "PERM_MEMBERS",
    "PERM_TERMS",
    "PERM_UNIT",
    "SOURCES",
    "SOURCE_LABELS",
    "Draft",
    "RunResult",
    "address",
    "holders_by_path",
    "insert_new",
    "mark_read",
    "request_unread_count",
    "run",
    "send_emails",
    "unread_count",
]

logger = logging.getLogger(__name__)

STEP = Organization.steplen
UNIT_PATH_LEN = 2 * STEP
LOOKUP_BATCH = 500
EMAIL_LOOKBACK_DAYS = 7


@dataclass
class RunResult:
    day: dt.date
    drafts: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    skipped: dict[str, str] = field(default_factory=dict)
    emailed: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


# --- recipients -----------------------------------------------------------------------


def holders_by_path(perm: str) -> dict[str, set[int]]:
    """Org path → ids of active users holding `perm` through a role assigned there (one query)."""
    roles = [
        code for code, role in ROLES.items() if not role.is_global and perm in role.permissions
    ]
    out: dict[str, set[int]] = {}
    rows = RoleAssignment.objects.filter(
        role__in=roles, org__isnull=False, user__is_active=True
    ).values_list("org__path", "user_id")
    for path, user_id in rows:
        out.setdefault(path, set()).add(user_id)
    return out


def responsible(path: str, holders: dict[str, set[int]]) -> set[int]:
    """Rules 1–2: the nearest level inside the unit that has holders, plus the unit's own."""
    found: set[int] = set()
    for end in range(len(path), UNIT_PATH_LEN - 1, -STEP):
        if path[:end] in holders:
            found |= holders[path[:end]]
            break
    return found | holders.get(path[:UNIT_PATH_LEN], set())


def overseers(path: str, holders: dict[str, set[int]]) -> set[int]:
    """Rule 3: the holders at the nearest level above the unit (the 工委)."""
    for end in range(min(len(path), UNIT_PATH_LEN) - STEP, 0, -STEP):
        if path[:end] in holders:
            return set(holders[path[:end]])
    return set()


def recipients(path: str, holders: dict[str, set[int]], exact: bool = False) -> set[int]:
    """Who receives a reminder about the org at `path` itself (the module docstring's rule).

    When nobody inside the unit is responsible this names the 工委's holders; `address`
    then sends them one digest per unit instead of every single reminder.
    """
    if exact:
        return set(holders.get(path, ()))
    return responsible(path, holders) or overseers(path, holders)


# The columns `insert_new` writes, in order (the rest keep their defaults: unread, not emailed).
INSERT_COLUMNS = (
    "user_id",
    "kind",
    "title",
    "body",
    "link",
    "rule_id",
    "citation",
    "org_id",
    "due_on",
    "dedupe_key",
    "created",
)


def address(drafts: Iterable[Draft], day: dt.date, now: dt.datetime | None = None) -> list[tuple]:
    """One row (values in INSERT_COLUMNS order) per draft × responsible user.

    Drafts nobody inside their unit can act on become one digest per unit and kind for the
    工委's holders (rule 3), once a month: the 工委 learns that a unit lacks accounts
    without receiving each of its members' reminders.
    """
    now = now or timezone.now()
    created = Notification._meta.get_field("created").get_db_prep_save(now, connection)
    due_field = Notification._meta.get_field("due_on")
    holders: dict[str, dict[str, set[int]]] = {}
    orphans: dict[tuple[str, str, str], list[Draft]] = {}
    out: list[tuple] = []

    def rows(d: Draft, users: Iterable[int]) -> None:
        due_on = due_field.get_db_prep_save(d.due_on, connection)
        title = d.title[:200]
        out.extend(
            (
                u,
                d.kind,
                title,
                d.body,
                d.link,
                d.rule_id,
                d.citation,
                d.org_id,
                due_on,
                d.key(u),
                created,
            )
            for u in sorted(users)
        )

    for d in drafts:
        if d.perm not in holders:
            holders[d.perm] = holders_by_path(d.perm)
        if d.exact:
            rows(d, holders[d.perm].get(d.org_path, ()))
            continue
        users = responsible(d.org_path, holders[d.perm])
        if users:
            rows(d, users)
        else:
            orphans.setdefault((d.org_path[:UNIT_PATH_LEN], d.kind, d.perm), []).append(d)
    if orphans:
        units = {
            path: (pk, name)
            for path, pk, name in Organization.objects.filter(
                path__in={unit for unit, _, _ in orphans}
            ).values_list("path", "pk", "name")
        }
        for (unit_path, kind, perm), items in orphans.items():
            digest = unit_digest(unit_path, units.get(unit_path), kind, perm, items, day)
            rows(digest, overseers(unit_path, holders[perm]))
    return out


DIGEST_SHOWN = 5


def _digest_link(kind: str, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    pages: dict[str, str] = {
        NotificationKind.TERM_DUE: "rules:sweep",
        NotificationKind.TERM_OVERDUE: "rules:sweep",
        NotificationKind.TERM_NO_DATA: "rules:sweep",
        NotificationKind.COMPLIANCE_GAP: "rules:compliance",
    }
    try:
        if kind in pages:
            return f"{reverse(pages[kind])}?within={unit_id}"
        return reverse("orgs:organization_detail", args=[unit_id])
    except NoReverseMatch:
        return ""


def unit_digest(
    unit_path: str,
    unit: tuple[int, str] | None,
    kind: str,
    perm: str,
    items: list[Draft],
    day: dt.date,
) -> Draft:
    """One monthly reminder to the 工委 for a unit's drafts that nobody in the unit can act on."""
    unit_id, unit_name = unit if unit else (None, "未归属单位的组织")
    label = NotificationKind(kind).label
    shown = "；".join(d.title for d in items[:DIGEST_SHOWN])
    more = f"……共{len(items)}项" if len(items) > DIGEST_SHOWN else ""
    citations = list(dict.fromkeys(d.citation for d in items if d.citation))
    rule_ids = {d.rule_id for d in items}
    return Draft(
        kind=kind,
        subject=f"unit:{unit_id if unit_id is not None else unit_path}",
        period=f"digest:{day:%Y-%m}",
        title=f"{unit_name}有{len(items)}项“{label}”无人接收",
        body=(
            f"{unit_name}内没有可以处理这些提醒的账号（如支部书记、组织委员、单位党组织管理员），"
            f"本月转工委知悉：{shown}{more}。请为该单位分配负责账号。"
        ),
        link=_digest_link(kind, unit_id),
        rule_id=rule_ids.pop() if len(rule_ids) == 1 else "",
        citation="；".join(citations[:3]),
        org_id=unit_id,
        org_path=unit_path,
        perm=perm,
    )


def _insert_sql() -> str:
    """INSERT of one row, skipping it when its dedupe key exists, in the backend's syntax.

    Sent with `executemany` (psycopg pipelines it). Django's `bulk_create(
    ignore_conflicts=True)` writes the same statement but builds it through the model layer
    row by row and, on SQLite, 90 rows per statement (999 parameters): a city's first run of
    the day took three times longer that way.
    """
    ops = connection.ops
    by_attname = {f.attname: f for f in Notification._meta.concrete_fields}
    fields = [by_attname[c] for c in INSERT_COLUMNS]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    head = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    tail = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ""
    table = ops.quote_name(Notification._meta.db_table)
    return f"{head} {table} ({columns}) VALUES ({values}) {tail}".rstrip()


def insert_new(rows: list[tuple]) -> int:
    """Insert the rows whose dedupe key is new (the unique key decides); how many were new."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(), rows)
        return cursor.rowcount


# --- the run --------------------------------------------------------------------------


def run(
    day: dt.date | None = None,
    *,
    sources: Iterable[str] | None = None,
    email: bool = False,
) -> RunResult:
    """Compute every reminder source for `day` and insert the new notifications (atomic)."""
    day = day or timezone.localdate()
    wanted = list(sources) if sources is not None else list(SOURCES)
    unknown = [name for name in wanted if name not in SOURCES]
    if unknown:
        raise ValueError(f"unknown reminder sources: {unknown}")
    result = RunResult(day=day)
    links = Links()
    with transaction.atomic():
        for name in wanted:
            why = switched_off(name)
            if why:
                result.skipped[name] = why
                continue
            drafts = SOURCES[name](day, links)
            result.drafts[name] = len(drafts)
            result.created[name] = insert_new(address(drafts, day))
        emit(
            "remind",
            user=SYSTEM,
            date=day.isoformat(),
            created=dict(result.created),
            skipped=sorted(result.skipped),
        )
    if email:
        result.emailed = send_emails()
    return result


def send_emails(now: dt.datetime | None = None) -> int:
    """One digest per user of their unread, not yet emailed notifications of the last days."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            read_at__isnull=True,
            emailed_at__isnull=True,
            created__gte=now - dt.timedelta(days=EMAIL_LOOKBACK_DAYS),
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id", "-created", "-id")
    )
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    if not by_user:
        return 0
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", None)
    messages = []
    for items in by_user.values():
        lines = [f"您有 {len(items)} 条新的党建工作提醒："]
        lines += [f"· {n.title}\n  {n.body}\n  依据：{n.citation}" for n in items]
        messages.append(
            (
                f"党建工作平台提醒（{len(items)} 条）",
                "\n\n".join(lines),
                sender,
                [items[0].user.email],
            )
        )
    sent = send_mass_mail(messages, fail_silently=False, connection=get_connection())
    ids = [n.pk for items in by_user.values() for n in items]
    for i in range(0, len(ids), LOOKUP_BATCH):
        Notification.objects.filter(pk__in=ids[i : i + LOOKUP_BATCH]).update(emailed_at=now)
    logger.info("reminder emails sent: %s", sent)
    return sent


# --- the inbox ------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    return Notification.objects.for_user(user).unread().count()


def request_unread_count(request: Any) -> int:
    """The signed-in user's unread count, counted once per request: the navbar's badge and the
    inbox page show the same figure. Only for reading pages (a request that marks reminders
    read counts afresh with `unread_count`)."""
    cached = getattr(request, "_dangjian_unread", None)
    if cached is None:
        cached = request._dangjian_unread = unread_count(request.user)
    return cached


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all unread ones when `ids` is None) read; how many."""
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
