"""The dues ledger: each member's due per month, computed set-based and stored per month.

- `compute(members, months)`: the dues the bases, reductions and rate tables give — no
  query per member (bases and reductions for all of them in two queries; amounts cached per
  distinct base).
- `generate_month(month)`: stores the month's dues for every member in the register who had
  joined by the month's end (预备党员 pay from the branch assembly's day, 第八条) and has a
  base; idempotent (months already stored are kept as they are — a later table or base does
  not silently rewrite them, except through `refresh_unpaid` when a base or reduction of that
  member is recorded for those very months).
- `arrears(queryset, today)`: unpaid months before the current one, per member.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from dangjian.members.models import Member, MembershipState

from . import rates
from .models import DuesBase, DuesDue, DuesReduction, add_months, month_index

ZERO = Decimal("0")
BATCH = 2000


@dataclass(frozen=True)
class LedgerMember:
    id: int
    org_id: int
    org_path: str
    joined_on: dt.date | None


def members_for(queryset: QuerySet[Member]) -> list[LedgerMember]:
    """The members of `queryset` (already restricted by the caller) in the register."""
    rows = queryset.filter(membership=MembershipState.NORMAL).values_list(
        "id", "org_id", "org__path", "joined_on"
    )
    return [LedgerMember(*row) for row in rows.order_by()]


class BaseRow(NamedTuple):
    """The columns of a `DuesBase` the ledger needs (tuples: 75,000 model instances for a
    city's three years of bases would cost more than the rest of a month's generation)."""

    member_id: int
    year: int
    from_month: int
    category: str
    base: Decimal | None
    fixed_amount: Decimal | None


def _bases(member_ids: Sequence[int] | None, last: dt.date) -> dict[int, list[BaseRow]]:
    """Each member's bases starting on or before `last`, in order (one query per 2000 ids;
    `None`: every member's, in one query — a whole city needs no list of ids)."""
    out: dict[int, list[BaseRow]] = defaultdict(list)
    cutoff = Q(year__lt=last.year) | Q(year=last.year, from_month__lte=last.month)
    chunks: list[Sequence[int] | None] = [None]
    if member_ids is not None:
        chunks = [member_ids[i : i + BATCH] for i in range(0, len(member_ids), BATCH)]
    for chunk in chunks:
        qs = DuesBase.objects.filter(cutoff)
        if chunk is not None:
            qs = qs.filter(member_id__in=chunk)
        rows = qs.order_by("member_id", "year", "from_month").values_list(
            "member_id", "year", "from_month", "category", "base", "fixed_amount"
        )
        for row in rows:
            out[row[0]].append(BaseRow(*row))
    return out


def _reductions(member_ids: Sequence[int], first: dt.date, last: dt.date):
    out: dict[int, list[DuesReduction]] = defaultdict(list)
    for i in range(0, len(member_ids), BATCH):
        rows = DuesReduction.objects.filter(
            member_id__in=member_ids[i : i + BATCH],
            approved_on__isnull=False,
            starts__lte=last,
            ends__gte=first,
        ).order_by("member_id", "starts")
        for row in rows:
            out[row.member_id].append(row)
    return out


def _base_for(bases: list[BaseRow], month: dt.date) -> BaseRow | None:
    found = None
    for base in bases:  # ordered: the latest one starting on or before the month wins
        if (base.year, base.from_month) <= (month.year, month.month):
            found = base
        else:
            break
    return found


class _Amounts:
    """amount() per distinct input, once (25,000 members share a few thousand bases)."""

    def __init__(self) -> None:
        self.cache: dict[tuple, rates.DuesAmount | None] = {}
        self.local = any(t.local for t in rates.tables())

    def __call__(self, base: BaseRow, month: dt.date, org_path: str) -> rates.DuesAmount | None:
        path = org_path if self.local else ""
        key = (base.category, base.base, base.fixed_amount, month, path)
        if key not in self.cache:
            try:
                self.cache[key] = rates.amount(
                    base.category,
                    base.base,
                    month,
                    org_path=path or None,
                    fixed=base.fixed_amount,
                )
            except (ValueError, rates.NoTable):
                self.cache[key] = None
        return self.cache[key]


class DueRow(NamedTuple):
    """A computed month's due, not stored yet (the columns of `DuesDue` it fills)."""

    member_id: int
    org_id: int
    month: dt.date
    amount: Decimal
    category: str
    bracket: str
    table_id: str
    reduction_id: int | None


DUE_COLUMNS = (
    "created",
    "updated",
    "member_id",
    "org_id",
    "month",
    "amount",
    "category",
    "bracket",
    "table_id",
    "reduction_id",
    "payment_id",
    "paid_on",
    "reason",
)


def compute(
    members: Sequence[LedgerMember], months: Sequence[dt.date], *, everyone: bool = False
) -> list[DueRow]:
    """The due of each member and month the member owes dues for (not stored). `everyone`:
    the members are the whole register, so bases are read without a list of ids."""
    if not members or not months:
        return []
    months = sorted(months)
    ids = [m.id for m in members]
    bases = _bases(None if everyone else ids, months[-1])
    reductions = _reductions(ids, months[0], months[-1])
    amounts = _Amounts()
    out: list[DueRow] = []
    for member in members:
        own = bases.get(member.id)
        if not own:
            continue
        for month in months:
            if member.joined_on and member.joined_on > add_months(month, 1) - dt.timedelta(1):
                continue
            base = _base_for(own, month)
            if base is None:
                continue
            result = amounts(base, month, member.org_path)
            if result is None:
                continue
            due_amount, bracket, reduction = result.amount, result.bracket, None
            for red in reductions.get(member.id, ()):
                if red.starts <= month <= red.ends:
                    reduction = red
                    if red.kind == DuesReduction.Kind.EXEMPT:
                        due_amount, bracket = ZERO, "经批准免交"
                    else:
                        due_amount = min(due_amount, red.amount or ZERO)
                        bracket = f"经批准少交（原{result.amount}元）"
            out.append(
                DueRow(
                    member.id,
                    member.org_id,
                    month,
                    due_amount,
                    base.category,
                    bracket[:64],
                    result.table_id,
                    reduction.pk if reduction is not None else None,
                )
            )
    return out


def store(rows: list[DueRow]) -> int:
    """Insert computed rows whose (member, month) is not stored yet; returns the count.

    One INSERT executed per batch with ready values: `bulk_create` would build and prepare
    a model instance per row, which for a city's month (25,000 rows) is most of the time."""
    if not rows:
        return 0
    months = sorted({r.month for r in rows})
    member_ids = sorted({r.member_id for r in rows})
    existing: set[tuple[int, dt.date]] = set()
    for i in range(0, len(member_ids), BATCH):
        existing.update(
            DuesDue.objects.filter(
                member_id__in=member_ids[i : i + BATCH], month__in=months
            ).values_list("member_id", "month")
        )
    new = [r for r in rows if (r.member_id, r.month) not in existing]
    return _insert(new)


def _insert(rows: list[DueRow], reasons: dict[tuple[int, dt.date], str] | None = None) -> int:
    """One INSERT per batch of ready values, COPY on PostgreSQL (`reasons`: the unpaid
    reason kept per month)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    quote = connection.ops.quote_name
    table = quote(DuesDue._meta.db_table)
    columns = ", ".join(quote(c) for c in DUE_COLUMNS)
    reasons = reasons or {}
    values = (
        (
            now,
            now,
            r.member_id,
            r.org_id,
            r.month.isoformat(),
            str(r.amount),
            r.category,
            r.bracket,
            r.table_id,
            r.reduction_id,
            None,
            None,
            reasons.get((r.member_id, r.month), ""),
        )
        for r in rows
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names from the model's meta, quoted; the rows go as data, never as SQL.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(DUE_COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            batch: list[tuple] = []
            for row in values:
                batch.append(row)
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
    return len(rows)


def generate_month(month: dt.date, queryset: QuerySet[Member] | None = None) -> int:
    """Store `month`'s dues for the members of `queryset` (default: everyone); idempotent."""
    month = month.replace(day=1)
    members = members_for(queryset if queryset is not None else Member.objects.all())
    if queryset is None:
        # The whole register: what is stored for the month is read by month, not by ids.
        stored = set(DuesDue.objects.filter(month=month).values_list("member_id", flat=True))
        members = [m for m in members if m.id not in stored]
        return _insert(compute(members, [month], everyone=True))
    return store(compute(members, [month]))


def generate_through(last: dt.date, first: dt.date | None = None) -> int:
    """Every month from `first` (default: `last`'s January) to `last`, for everyone."""
    month = (first or last.replace(month=1)).replace(day=1)
    created = 0
    while month <= last:
        created += generate_month(month)
        month = add_months(month, 1)
    return created


def refresh_unpaid(member_ids: Iterable[int], from_month: dt.date) -> int:
    """Recompute the stored, unpaid dues of these members from `from_month` on (a base or
    reduction recorded for them): a pay change applies from the month the new pay is
    received (第十条). Paid months keep their amount. Returns the number changed.

    A changed month is deleted and inserted again with its recorded reason (two statements
    per batch: an UPDATE per row, or bulk_update's CASE, would be most of a yearly import)."""
    ids = sorted(set(member_ids))
    changed = 0
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        stored = list(
            DuesDue.objects.filter(
                member_id__in=chunk, month__gte=from_month, payment__isnull=True
            ).values_list(
                "pk",
                "member_id",
                "month",
                "amount",
                "bracket",
                "reduction_id",
                "category",
                "reason",
            )
        )
        if not stored:
            continue
        members = members_for(Member.objects.filter(pk__in=chunk))
        months = sorted({row[2] for row in stored})
        fresh = {(r.member_id, r.month): r for r in compute(members, months)}
        stale, rows, reasons = [], [], {}
        for pk, member_id, month, amount, bracket, reduction_id, category, reason in stored:
            new = fresh.get((member_id, month))
            if new is None:
                continue
            if (new.amount, new.bracket, new.reduction_id, new.category) != (
                amount,
                bracket,
                reduction_id,
                category,
            ):
                stale.append(pk)
                rows.append(new)
                reasons[(member_id, month)] = reason
        DuesDue.objects.filter(pk__in=stale).delete()
        changed += _insert(rows, reasons)
    return changed


# --- reading the ledger --------------------------------------------------------------


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the quarter `day` is in."""
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the quarter `day` is in: a month paid by then is paid on time
    (monthly, or each quarter with the branch's consent, 第十二条)."""
    return add_months(quarter_start(day), 3) - dt.timedelta(days=1)


def paid_on_time(year: int) -> Q:
    """Months of `year` paid by the end of their quarter (a filter on DuesDue)."""
    on_time = Q()
    for first in range(1, 13, 3):
        start = dt.date(year, first, 1)
        end = quarter_end(start)
        on_time |= Q(month__gte=start, month__lte=end, paid_on__lte=end)
    # The row's own columns (its copy of the payment's date), no join to the payments.
    return on_time & Q(payment__isnull=False)


def overdue_before(today: dt.date) -> dt.date:
    """The first month not yet overdue: the current quarter's first.

    欠交 is a month whose quarter has ended unpaid. Members pay monthly, or each quarter
    with the branch's consent (第十二条) — within the quarter; a month of the running
    quarter is 待交, not 欠交, or the arrears list would hold most of a branch in the
    quarter's second and third month. The 3- and 6-month alerts count actual months in a
    row (`alerts.unpaid_runs`): a quarterly payer never has three."""
    return quarter_start(today)


def unpaid(queryset: QuerySet[DuesDue], today: dt.date) -> QuerySet[DuesDue]:
    """Months owed and overdue: unpaid when their quarter ended (see `overdue_before`)."""
    return queryset.filter(payment__isnull=True, amount__gt=0, month__lt=overdue_before(today))


def unpaid_months(queryset: QuerySet[DuesDue], today: dt.date) -> QuerySet[DuesDue]:
    """Months owed and not paid before the current month (the month itself is not late):
    what the alerts count months in a row on."""
    return queryset.filter(payment__isnull=True, amount__gt=0, month__lt=today.replace(day=1))


def month_state(amount: Decimal, paid: bool, month: dt.date, today: dt.date) -> str:
    """A ledger cell: paid, zero (nothing owed), owed (overdue: its quarter ended), due."""
    if paid:
        return "paid"
    if not amount:
        return "zero"
    return "owed" if month < overdue_before(today) else "due"


@dataclass
class Arrears:
    member_id: int
    months: int
    amount: Decimal
    first: dt.date
    last: dt.date
    reasons: int  # unpaid months with a recorded reason


def arrears(queryset: QuerySet[DuesDue], today: dt.date) -> dict[int, Arrears]:
    """Per member: unpaid months, their sum, the first and last unpaid month (one query)."""
    rows = (
        unpaid(queryset, today)
        .order_by()
        .values("member_id")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            first=Min("month"),
            last=Max("month"),
            reasons=Count("id", filter=~Q(reason="")),
        )
    )
    return {
        r["member_id"]: Arrears(
            r["member_id"], r["n"], r["total"], r["first"], r["last"], r["reasons"]
        )
        for r in rows
    }


def consecutive_unpaid(months: Iterable[dt.date], today: dt.date) -> int:
    """How many months in a row, ending with last month, are unpaid (the 3/6-month alerts)."""
    owed = {month_index(m) for m in months}
    n, cursor = 0, month_index(today.replace(day=1)) - 1
    while cursor in owed:
        n, cursor = n + 1, cursor - 1
    return n


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def ensure_months(member: Any, months: Sequence[dt.date]) -> dict[dt.date, DuesDue]:
    """The member's stored dues for `months`, generating the missing ones first (a payment
    for a month not yet generated). Locked for update where the database can."""
    lm = LedgerMember(member.id, member.org_id, member.org.path, member.joined_on)
    store(compute([lm], months))
    rows = DuesDue.objects.select_for_update().filter(member_id=member.id, month__in=months)
    return {r.month: r for r in rows}
