"""党费 in the demo city: a base per member and year from 2024, and the ledger to today.

Deterministic (the plan's seed). Bases: in-service pay drawn around the city's after-tax
pay, a raise each January and for some a pay change in July (a new base from that month);
retirees on a pension; students, the unemployed and members on relief at the fixed amount.
Payments, per member: most pay each quarter within it (经支部同意按季度交纳), some monthly,
some late (补交 a few months after), a few fall behind and owe the last months (a handful
six months or more, some with a recorded reason), one paid by proxy in the showcase branch;
one approved exemption; the branches hand over each quarter to their unit, the units to the
工委, confirmed. Everything is written with bulk inserts: the months are computed here with
the same `rates.amount` the ledger uses, not by generating month by month.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS

from dangjian.dues import rates
from dangjian.dues.models import (
    DuesBase,
    DuesCategory,
    DuesDue,
    DuesPayment,
    DuesReduction,
    DuesRemittance,
    add_months,
)
from dangjian.members.models import Category, Member, MembershipState
from dangjian.orgs.models import Organization

from . import bulk
from .plan import CityPlan

BASE_COLUMNS = (
    "created",
    "updated",
    "member_id",
    "year",
    "from_month",
    "category",
    "base",
    "fixed_amount",
    "reviewed_on",
    "reviewed_by_id",
    "note",
)
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
PAYMENT_COLUMNS = (
    "id",
    "created",
    "updated",
    "member_id",
    "org_id",
    "paid_on",
    "from_month",
    "to_month",
    "amount",
    "due_total",
    "extra",
    "method",
    "payer_name",
    "back_payment",
    "decision_ref",
    "central",
    "recorded_by_id",
    "note",
)


@dataclass(slots=True)
class _Base:
    """A base row before it is written (model instances cost too much at city scale)."""

    member_id: int
    year: int
    from_month: int
    category: str
    base: Decimal | None
    reviewed_on: dt.date
    note: str


@dataclass(slots=True)
class _Due:
    member_id: int
    org_id: int
    month: dt.date
    amount: Decimal
    category: str
    bracket: str
    table_id: str
    reduction_id: int | None
    payment_id: int | None = None
    paid_on: dt.date | None = None
    reason: str = ""


@dataclass(slots=True)
class _Payment:
    member_id: int
    org_id: int
    paid_on: dt.date
    from_month: dt.date
    to_month: dt.date
    amount: Decimal
    due_total: Decimal
    extra: Decimal
    method: str
    payer_name: str
    back_payment: bool
    pk: int = 0


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


FIRST = dt.date(2024, 1, 1)
BATCH = 5000
CATEGORY = {
    Category.IN_SERVICE: DuesCategory.IN_SERVICE,
    Category.RETIRED: DuesCategory.RETIRED,
    Category.STUDENT: DuesCategory.STUDENT,
    Category.UNEMPLOYED: DuesCategory.UNEMPLOYED,
    Category.OTHER: DuesCategory.RELIEF,
}
REASONS = ["长期病休，已谈心谈话", "外出务工，联系不上，正在了解情况", "经济困难，已申请少交"]


def reset_dues() -> None:
    """Delete the whole dues ledger with plain DELETEs (as core.backup does): the ORM's
    delete would load a city's 900,000 months to cascade through them."""
    for model in (DuesDue, DuesPayment, DuesReduction, DuesRemittance, DuesBase):
        model._base_manager.all()._raw_delete(DEFAULT_DB_ALIAS)  # type: ignore[attr-defined]


def _pay(rng: random.Random, category: str) -> Decimal | None:
    if category == DuesCategory.IN_SERVICE:
        return Decimal(int(rng.triangular(2600, 16000, 5600)) // 10 * 10)
    if category == DuesCategory.RETIRED:
        return Decimal(int(rng.triangular(2800, 9000, 4600)) // 10 * 10)
    return None


def write_dues(plan: CityPlan, showcase: Organization) -> dict[str, int]:
    rng = random.Random(f"{plan.seed}-dues")
    today = plan.today
    current = today.replace(day=1)
    last_year = today.year
    members = list(
        Member.objects.filter(membership=MembershipState.NORMAL)
        .order_by("pk")
        .values_list("pk", "org_id", "org__path", "joined_on", "category")
    )
    showcase_ids = [m[0] for m in members if m[2].startswith(showcase.path)]
    bases: list[_Base] = []
    # member → [(first month, category, base)] in order
    segments: dict[int, list[tuple[dt.date, str, Decimal | None]]] = defaultdict(list)
    for pk, _org_id, _path, joined_on, member_category in members:
        category = CATEGORY.get(member_category, DuesCategory.IN_SERVICE)
        pay = _pay(rng, category)
        start_year = max(FIRST.year, joined_on.year if joined_on else FIRST.year)
        for year in range(start_year, last_year + 1):
            first_month = joined_on.month if joined_on and joined_on.year == year else 1
            if year > start_year and pay is not None:
                pay = (pay * Decimal("1.03")).quantize(Decimal("10"))
            reviewed = dt.date(year, max(first_month, 1), 1) + dt.timedelta(days=rng.randint(3, 25))
            changes = [(first_month, pay)]
            if (
                pay is not None
                and rng.random() < 0.1
                and first_month < 7
                and dt.date(year, 7, 1) <= current
            ):
                changes.append((7, (pay * Decimal("1.08")).quantize(Decimal("10"))))
                pay = changes[-1][1]
            for month, value in changes:
                start = dt.date(year, month, 1)
                if start > current:
                    continue
                bases.append(
                    _Base(
                        member_id=pk,
                        year=year,
                        from_month=month,
                        category=category,
                        base=value,
                        reviewed_on=min(
                            reviewed if month == first_month else start + dt.timedelta(days=5),
                            today,
                        ),
                        note="工资调整，自领取新工资的月份起调整基数" if month == 7 else "",
                    )
                )
                segments[pk].append((start, category, value))
    now = bulk.now_value()
    writer = bulk.RowWriter.for_model(DuesBase, BASE_COLUMNS, batch=BATCH)
    writer.extend(
        (
            now,
            now,
            b.member_id,
            b.year,
            b.from_month,
            b.category,
            _num(b.base),
            None,
            b.reviewed_on.isoformat(),
            None,
            b.note,
        )
        for b in bases
    )
    writer.flush()

    # One approved exemption in the showcase branch (a member on long sick leave).
    reductions: dict[int, DuesReduction] = {}
    if showcase_ids:
        exempt = showcase_ids[len(showcase_ids) // 2]
        starts = max(FIRST, add_months(current, -14))
        red = DuesReduction.objects.create(
            member_id=exempt,
            kind=DuesReduction.Kind.EXEMPT,
            starts=starts,
            ends=add_months(starts, 5),
            reason="身患重病长期住院治疗，家庭经济困难",
            branch_reviewed_on=starts - dt.timedelta(days=20),
            approved_on=starts - dt.timedelta(days=10),
            approval_ref="机关党委批复",
        )
        reductions[exempt] = red

    amounts: dict[tuple, rates.DuesAmount] = {}

    def due_of(category: str, base: Decimal | None, month: dt.date, path: str) -> rates.DuesAmount:
        key = (category, base, month >= dt.date(2008, 4, 1))
        if key not in amounts:
            amounts[key] = rates.amount(category, base, month, org_path=path)
        return amounts[key]

    months_all = []
    month = FIRST
    while month <= current:
        months_all.append(month)
        month = add_months(month, 1)

    payments: list[_Payment] = []
    dues: list[_Due] = []
    plan_of: list[tuple[int, list[_Due], _Payment]] = []  # dues each payment covers
    special = set(showcase_ids[:3])
    for pk, org_id, path, joined_on, _cat in members:
        own = segments.get(pk)
        if not own:
            continue
        first_due = max(FIRST, joined_on.replace(day=1) if joined_on else FIRST)
        member_dues: list[_Due] = []
        seg = 0
        red = reductions.get(pk)
        for m in months_all:
            if m < first_due:
                continue
            while seg + 1 < len(own) and own[seg + 1][0] <= m:
                seg += 1
            if own[seg][0] > m:
                continue
            seg_category, base = own[seg][1], own[seg][2]
            result = due_of(seg_category, base, m, path)
            amount, bracket, reduction = result.amount, result.bracket, None
            if red is not None and red.starts <= m <= red.ends:
                amount, bracket, reduction = Decimal("0"), "经批准免交", red.pk
            member_dues.append(
                _Due(pk, org_id, m, amount, seg_category, bracket, result.table_id, reduction)
            )
        dues.extend(member_dues)
        # How this member pays.
        roll = rng.random()
        if pk in special:
            style = ["behind6", "behind3", "back"][showcase_ids.index(pk)]
        elif roll < 0.62:
            style = "quarterly"
        elif roll < 0.80:
            style = "monthly"
        elif roll < 0.92:
            style = "late"
        elif roll < 0.96:
            style = "back"
        elif roll < 0.97:
            style = "gap"
        elif roll < 0.985:
            style = "behind3"
        else:
            style = "behind6"
        stop = len(member_dues)
        if style == "behind3":
            stop = max(0, len(member_dues) - 1 - rng.randint(3, 5))
        elif style == "behind6":
            stop = max(0, len(member_dues) - 1 - rng.randint(6, 9))
        payable = [d for d in member_dues[:stop] if d.month < current]
        if style == "gap" and len(payable) > 12:
            # A few months in the past never paid (the 长期欠交 an audit finds).
            at = rng.randint(2, len(payable) - 8)
            skipped = payable[at : at + rng.randint(2, 4)]
            for d in skipped:
                d.reason = rng.choice(REASONS) if rng.random() < 0.3 else ""
            payable = [d for d in payable if d not in skipped]
        groups: list[tuple[list[_Due], dt.date]] = []
        if style == "monthly":
            groups.extend(([d], d.month + dt.timedelta(days=rng.randint(4, 20))) for d in payable)
        else:
            by_quarter: dict[tuple[int, int], list[_Due]] = defaultdict(list)
            for d in payable:
                by_quarter[(d.month.year, (d.month.month - 1) // 3)].append(d)
            for (year, q), chunk in sorted(by_quarter.items()):
                quarter_last = dt.date(year, q * 3 + 3, 1)
                if quarter_last >= current and style != "monthly":
                    continue  # the current quarter is paid at its end
                lag = {"late": rng.randint(1, 2), "back": 0}.get(style, 0)
                paid_month = add_months(quarter_last, lag)
                groups.append((chunk, paid_month + dt.timedelta(days=rng.randint(5, 22))))
            if style == "back" and len(groups) >= 2:
                # Two quarters paid together, months later: a 补交 within six months.
                (a, _), (b, on) = groups[-2], groups[-1]
                groups = [*groups[:-2], (a + b, min(on + dt.timedelta(days=30), today))]
        for chunk, paid_on in groups:
            paid_on = min(paid_on, today)
            total = sum((d.amount for d in chunk), Decimal("0"))
            if total <= 0:
                continue
            paid_month = paid_on.replace(day=1)
            quarter_start = dt.date(paid_month.year, (paid_month.month - 1) // 3 * 3 + 1, 1)
            payment = _Payment(
                member_id=pk,
                org_id=org_id,
                paid_on=paid_on,
                from_month=chunk[0].month,
                to_month=chunk[-1].month,
                amount=total,
                due_total=total,
                extra=Decimal("0"),
                method=rng.choice(["cash", "transfer", "transfer", "online"]),
                payer_name="",
                back_payment=chunk[0].month < quarter_start,
            )
            payments.append(payment)
            plan_of.append((pk, chunk, payment))
        if style in ("behind3", "behind6") and rng.random() < 0.3:
            reason = rng.choice(REASONS)
            for d in member_dues[stop:]:
                d.reason = reason
    if payments and showcase_ids:
        payments[0].payer_name = "家属代交"  # one proxy payment (代交) in the data
    next_id = bulk.next_id(DuesPayment)
    for n, payment in enumerate(payments):
        payment.pk = next_id + n
    for _pk, chunk, payment in plan_of:
        for d in chunk:
            d.payment_id = payment.pk
            d.paid_on = payment.paid_on
    with bulk.deferred_indexes(DuesDue._meta.db_table, DuesPayment._meta.db_table):
        pay_rows = bulk.RowWriter.for_model(DuesPayment, PAYMENT_COLUMNS, batch=BATCH)
        pay_rows.extend(
            (
                p.pk,
                now,
                now,
                p.member_id,
                p.org_id,
                p.paid_on.isoformat(),
                p.from_month.isoformat(),
                p.to_month.isoformat(),
                str(p.amount),
                str(p.due_total),
                str(p.extra),
                p.method,
                p.payer_name,
                p.back_payment,
                "",
                False,
                None,
                "",
            )
            for p in payments
        )
        pay_rows.flush()
        due_rows = bulk.RowWriter.for_model(DuesDue, DUE_COLUMNS, batch=BATCH)
        due_rows.extend(
            (
                now,
                now,
                d.member_id,
                d.org_id,
                d.month.isoformat(),
                str(d.amount),
                d.category,
                d.bracket,
                d.table_id,
                d.reduction_id,
                d.payment_id,
                d.paid_on.isoformat() if d.paid_on else None,
                d.reason,
            )
            for d in dues
        )
        due_rows.flush()
    bulk.reset_sequences(DuesPayment)
    remitted = _remittances(rng, current, today)
    return {
        "dues_bases": len(bases),
        "dues_months": len(dues),
        "dues_payments": len(payments),
        "dues_remittances": remitted,
    }


def _remittances(rng: random.Random, current: dt.date, today: dt.date) -> int:
    """Each quarter, every org below the units hands what it collected and received to its
    parent, deepest first, so a unit passes the whole quarter on to the 工委 (one row per org
    and quarter), confirmed a few days later."""
    held: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for org_id, paid_on, amount in DuesPayment.objects.values_list("org_id", "paid_on", "amount"):
        held[(org_id, paid_on.year, (paid_on.month - 1) // 3)] += amount
    orgs = {o.pk: o for o in Organization.objects.only("pk", "path", "depth")}
    by_path = {o.path: o for o in orgs.values()}
    rows: list[DuesRemittance] = []
    for depth in range(max((o.depth for o in orgs.values()), default=0), 1, -1):
        for (org_id, year, q), amount in sorted(held.items()):
            org = orgs[org_id]
            if org.depth != depth:
                continue
            parent = by_path.get(org.path[: -Organization.steplen])
            first = dt.date(year, q * 3 + 1, 1)
            remitted_on = add_months(first, 3) + dt.timedelta(days=3 + 4 * (6 - min(depth, 6)))
            if parent is None or remitted_on > today:
                continue
            rows.append(_remit(org, parent, first, amount, remitted_on, today))
            held[(parent.pk, year, q)] += amount
    DuesRemittance.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _remit(org, parent, first: dt.date, amount: Decimal, on: dt.date, today: dt.date):
    received = on + dt.timedelta(days=3)
    return DuesRemittance(
        from_org_id=org.pk,
        to_org_id=parent.pk,
        from_month=first,
        to_month=add_months(first, 2),
        amount=amount,
        remitted_on=on,
        received_on=received if received <= today else None,
        reference=f"{first.year}年第{(first.month - 1) // 3 + 1}季度",
    )
