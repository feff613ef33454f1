"""Writes of the dues ledger: validate everything first (Chinese messages naming what to
fix, citing the article), then write in one transaction, re-check scope, audit.

Articles cited are those of 《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号),
regulations.md §D.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.core.services import ErrorCollector, OutOfScope, emit, ensure_in_scope
from dangjian.members.models import Member, MembershipState

from . import ledger, rates
from .models import (
    DuesBase,
    DuesCategory,
    DuesDue,
    DuesPayment,
    DuesReduction,
    DuesRemittance,
    PaymentMethod,
    month_index,
)

DOC = "《关于中国共产党党费收缴、使用和管理的规定》"
MAX_BASE = Decimal("1000000")  # a monthly pay above a million is a typo, not a base
MAX_PAYMENT = Decimal("1000000")
CENTRAL_THRESHOLD = Decimal("1000")  # 一次多交 (the voluntary extra) ≥ 1,000 元: to the centre
BACK_MONTHS = 6
MAX_AHEAD_MONTHS = 12
FIRST_YEAR = 2008
LEFT_MESSAGE = "{name}已不在本组织党员名册中（{state}），不能登记党费。"
REVEAL_PERM = "dues.reveal_duesbase"


def today() -> dt.date:
    return timezone.localdate()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return result


def _in_register(member: Member, errors: ErrorCollector, field: str = "member") -> None:
    if member.membership != MembershipState.NORMAL:
        errors.add(
            field,
            LEFT_MESSAGE.format(name=member.name, state=member.get_membership_display()),
        )


def _require_perm(user: Any, perm: str, path: str) -> None:
    if not holds(user, perm, path):
        raise OutOfScope("对象不在您的管辖范围内。")


# --- the yearly base (核定) ---------------------------------------------------------------

BASE_FIELDS = ("year", "from_month", "category", "base", "fixed_amount", "reviewed_on", "note")


def check_base(values: dict[str, Any], errors: ErrorCollector, prefix: str = "") -> None:
    """The field rules of one base (shared by the form, the API and the xlsx import)."""
    year, month = values.get("year"), values.get("from_month")
    this_year = today().year
    if not isinstance(year, int) or not (FIRST_YEAR <= year <= this_year + 1):
        errors.add(prefix + "year", f"年度须在 {FIRST_YEAR} 至 {this_year + 1} 之间。")
        return
    if not isinstance(month, int) or not (1 <= month <= 12):
        errors.add(prefix + "from_month", "起始月份须为 1 至 12。")
        return
    category = values.get("category")
    if category not in DuesCategory.values:
        errors.add(prefix + "category", "请选择交纳类别。")
        return
    base, fixed = _decimal(values.get("base")), _decimal(values.get("fixed_amount"))
    try:
        rule = rates.table_for(category, dt.date(year, month, 1)).categories[category]
    except rates.NoTable as exc:
        errors.add(prefix + "year", f"{exc}（党费标准自2008年4月起执行）。")
        return
    if rule.needs_base:
        if base is None:
            errors.add(prefix + "base", "请填写月工资基数（税后，元）。")
        elif (
            not base.is_finite()
            or base < 0
            or base > MAX_BASE
            or base != base.quantize(Decimal("0.01"))
        ):
            errors.add(
                prefix + "base",
                f"月工资基数须为 0 至 {MAX_BASE:,.0f} 元之间的金额（最多两位小数）。",
            )
    elif base is not None:
        errors.add(prefix + "base", f"“{DuesCategory(category).label}”按定额交纳，不填工资基数。")
    if rule.range is not None:
        low, high = rule.range
        if fixed is None or not fixed.is_finite() or not (low <= fixed <= high):
            errors.add(
                prefix + "fixed_amount",
                f"农民党员每月交纳{low}至{high}元，请在此范围内填写定额（{DOC}第六条）。",
            )
    elif fixed is not None:
        errors.add(prefix + "fixed_amount", "只有农民党员填写定额。")
    reviewed = values.get("reviewed_on")
    if reviewed is not None and (reviewed > today() or reviewed.year < FIRST_YEAR):
        errors.add(prefix + "reviewed_on", "核定日期不能晚于今天。")


def base_amount(base: DuesBase, org_path: str | None = None) -> rates.DuesAmount | None:
    """The monthly amount a base gives in its first month, with bracket and citation."""
    try:
        return rates.amount(
            base.category,
            base.base,
            base.starts,
            org_path=org_path,
            fixed=base.fixed_amount,
        )
    except (ValueError, rates.NoTable):
        return None


def save_base(
    user: Any, member: Member, instance: DuesBase | None = None, **fields: Any
) -> DuesBase:
    """Set (or correct) a member's base from a month; unpaid dues from that month follow."""
    errors = ErrorCollector()
    values: dict[str, Any] = {k: fields.get(k) for k in BASE_FIELDS}
    values["base"] = _decimal(values["base"])
    values["fixed_amount"] = _decimal(values["fixed_amount"])
    _in_register(member, errors)
    check_base(values, errors)
    action = "change" if instance and instance.pk else "add"
    _require_perm(user, f"dues.{action}_duesbase", member.org.path)
    if not errors and values["year"] and values["from_month"]:
        clash = DuesBase.objects.filter(
            member=member, year=values["year"], from_month=values["from_month"]
        )
        if instance and instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.add(
                "from_month",
                f"{member.name}{values['year']}年{values['from_month']}月起的基数已登记，"
                "请修改那一条，或选择另一个起始月份。",
            )
    errors.raise_if_any()
    for key in ("base", "fixed_amount"):
        if values[key] is not None:
            values[key] = values[key].quantize(Decimal("0.01"))
    with transaction.atomic():
        obj = instance or DuesBase(member=member)
        before = snapshot(obj) if obj.pk else None
        old_start = obj.starts if obj.pk else None
        for key, value in values.items():
            setattr(obj, key, value if value is not None or key not in ("note",) else "")
        obj.note = obj.note or ""
        if obj.reviewed_on and not obj.reviewed_by_id:
            obj.reviewed_by = user if getattr(user, "pk", None) else None
        obj.save()
        ensure_in_scope(user, obj, action)
        start = min(obj.starts, old_start) if old_start else obj.starts
        ledger.refresh_unpaid([member.pk], start)
        emit("update" if before else "create", obj, before=before, after=snapshot(obj), user=user)
    return obj


def reveal_base(user: Any, base: DuesBase) -> str:
    """The plaintext base for a user holding the reveal right over the member; audited
    (the audit row names the field, never the value) like members.services.reveal."""
    if not holds(user, REVEAL_PERM, base.member.org.path):
        emit("reveal", base, outcome="failure", field="base", user=user)
        raise OutOfScope("对象不在您的管辖范围内。")
    emit("reveal", base, field="base", user=user)
    return "" if base.base is None else f"{base.base}"


# --- reductions (少交/免交) -----------------------------------------------------------------


def request_reduction(user: Any, member: Member, **fields: Any) -> DuesReduction:
    """The branch's decision to let a member pay less or nothing (第十一条): it takes effect
    only when the next level approves it (`approve_reduction`)."""
    errors = ErrorCollector()
    _in_register(member, errors)
    kind = fields.get("kind")
    starts, ends = fields.get("starts"), fields.get("ends")
    amount = _decimal(fields.get("amount"))
    reason = (fields.get("reason") or "").strip()
    reviewed = fields.get("branch_reviewed_on")
    if kind not in DuesReduction.Kind.values:
        errors.add("kind", "请选择少交或免交。")
    if not isinstance(starts, dt.date) or not isinstance(ends, dt.date):
        errors.add("starts", "请填写起止月份。")
    else:
        starts, ends = starts.replace(day=1), ends.replace(day=1)
        if ends < starts:
            errors.add("ends", "截止月份不能早于起始月份。")
        elif month_index(ends) - month_index(starts) >= 24:
            errors.add("ends", "一次批准最长 24 个月，到期后请重新研究报批。")
        if starts.year < FIRST_YEAR:
            errors.add("starts", f"起始月份不能早于{FIRST_YEAR}年。")
    if kind == DuesReduction.Kind.REDUCE:
        if amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_PAYMENT:
            errors.add("amount", "少交须填写每月交纳的金额（大于 0 元）。")
    elif amount is not None:
        errors.add("amount", "免交不填金额。")
    if not reason:
        errors.add("reason", "请写明确有困难的原因。")
    if not isinstance(reviewed, dt.date) or reviewed > today():
        errors.add("branch_reviewed_on", "请填写党支部研究的日期（不能晚于今天）。")
    _require_perm(user, "dues.add_duesreduction", member.org.path)
    errors.raise_if_any()
    with transaction.atomic():
        obj = DuesReduction.objects.create(
            member=member,
            kind=kind,
            starts=starts,
            ends=ends,
            amount=amount,
            reason=reason[:200],
            branch_reviewed_on=reviewed,
        )
        ensure_in_scope(user, obj, "add")
        emit("create", obj, after=snapshot(obj), user=user)
    return obj


def approve_reduction(
    user: Any, reduction: DuesReduction, *, approved_on: Any, approval_ref: str = ""
) -> DuesReduction:
    """The next-level committee's approval (第十一条: 经党支部研究，报上一级党委批准): recorded by
    a user holding the approval right above the member's branch — never the branch itself."""
    errors = ErrorCollector()
    org_path = reduction.member.org.path
    parent_path = org_path[:-4] if len(org_path) > 4 else ""
    if not parent_path or not holds(user, "dues.approve_duesreduction", parent_path):
        errors.add(
            "approved_on",
            f"少交、免交须由上一级党委批准（{DOC}第十一条）：请由上级党组织登记批准。",
        )
    if reduction.approved_on:
        errors.add("approved_on", "这项少交/免交已经批准。")
    if not isinstance(approved_on, dt.date) or approved_on > today():
        errors.add("approved_on", "请填写批准日期（不能晚于今天）。")
    elif approved_on < reduction.branch_reviewed_on:
        errors.add("approved_on", "批准日期不能早于党支部研究的日期。")
    errors.raise_if_any()
    with transaction.atomic():
        before = snapshot(reduction)
        reduction.approved_on = approved_on
        reduction.approved_by = user if getattr(user, "pk", None) else None
        reduction.approval_ref = (approval_ref or "")[:64]
        reduction.save()
        ledger.refresh_unpaid([reduction.member_id], reduction.starts)
        emit("approve", reduction, before=before, after=snapshot(reduction), user=user)
    return reduction


# --- payments -----------------------------------------------------------------------------

PAYMENT_FIELDS = (
    "paid_on",
    "from_month",
    "to_month",
    "amount",
    "method",
    "payer_name",
    "decision_ref",
    "note",
)


def _month_text(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def _check_payment(member: Member, f: dict[str, Any], errors: ErrorCollector) -> None:
    paid_on, first, last = f.get("paid_on"), f.get("from_month"), f.get("to_month")
    _in_register(member, errors)
    if not isinstance(paid_on, dt.date) or paid_on > today() or paid_on.year < FIRST_YEAR:
        errors.add("paid_on", "交纳日期须为不晚于今天的日期。")
        return
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        errors.add("from_month", "请填写交纳的起止月份。")
        return
    first, last = first.replace(day=1), last.replace(day=1)
    f["from_month"], f["to_month"] = first, last
    if last < first:
        errors.add("to_month", "截止月份不能早于起始月份。")
        return
    if first < dt.date(2008, 4, 1):
        errors.add("from_month", "起始月份不能早于2008年4月（现行党费标准的施行日期）。")
        return
    paid_month = paid_on.replace(day=1)
    if month_index(last) - month_index(paid_month) > MAX_AHEAD_MONTHS:
        errors.add("to_month", f"最多预交到交纳月份之后 {MAX_AHEAD_MONTHS} 个月。")
    if member.joined_on and first < member.joined_on.replace(day=1):
        errors.add(
            "from_month",
            f"{member.name}于{member.joined_on:%Y年%m月%d日}入党，党费从该月起交纳（{DOC}第八条）。",
        )
    back = month_index(paid_month) - month_index(first)
    if back > BACK_MONTHS and not (f.get("decision_ref") or "").strip():
        errors.add(
            "decision_ref",
            f"补交{_month_text(first)}起的党费已超过 {BACK_MONTHS} 个月：补交一般不超过 {BACK_MONTHS} 个月"
            f"（{DOC}第十二条），请填写党组织的决定（文号或会议日期）后再登记。",
        )
    if f.get("method") not in PaymentMethod.values:
        errors.add("method", "请选择交纳方式（现金、转账或线上）。")
    amount = _decimal(f.get("amount"))
    if amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_PAYMENT:
        errors.add("amount", f"金额须为 0 至 {MAX_PAYMENT:,.0f} 元之间的数。")
    elif amount != amount.quantize(Decimal("0.01")):
        errors.add("amount", "金额最多两位小数。")
    f["amount"] = amount


def record_payment(user: Any, member: Member, **fields: Any) -> DuesPayment:
    """One member's payment for whole months; refused (nothing written) when a month is
    already paid, has no computed due (no base), or the 补交 limit needs a decision."""
    payments = record_payments(user, [(member, fields)])
    return payments[0]


def record_payments(user: Any, entries: list[tuple[Member, dict[str, Any]]]) -> list[DuesPayment]:
    """Several payments at once (a branch's quarter): all recorded, or none."""
    errors = ErrorCollector()
    prepared = []
    for member, raw in entries:
        f: dict[str, Any] = {k: raw.get(k) for k in PAYMENT_FIELDS}
        own = ErrorCollector()
        _check_payment(member, f, own)
        if not holds(user, "dues.add_duespayment", member.org.path):
            raise OutOfScope("对象不在您的管辖范围内。")
        _merge(errors, own, member, len(entries) > 1)
        prepared.append((member, f))
    errors.raise_if_any()
    out: list[DuesPayment] = []
    with transaction.atomic():
        for member, f in prepared:
            months = ledger.month_range(f["from_month"], f["to_month"])
            dues = ledger.ensure_months(member, months)
            own = ErrorCollector()
            missing = [m for m in months if m not in dues]
            if missing:
                own.add(
                    "from_month",
                    f"{_month_text(missing[0])}没有应交党费：请先核定{member.name}该月适用的党费基数。",
                )
            paid = [dues[m] for m in months if m in dues and dues[m].payment_id]
            if paid:
                when = paid[0].paid_on
                own.add(
                    "from_month",
                    f"{member.name}{_month_text(paid[0].month)}的党费已交纳"
                    + (f"（{when:%Y-%m-%d}登记）" if when else "")
                    + "，不能重复登记：请调整起止月份。",
                )
            total = sum((d.amount for d in dues.values()), Decimal("0"))
            if not own and f["amount"] < total:
                own.add(
                    "amount",
                    f"{_month_text(months[0])}至{_month_text(months[-1])}应交 {total} 元，"
                    f"金额不能少于应交数（多交部分记为自愿多交）。",
                )
            _merge(errors, own, member, len(entries) > 1)
            if errors:
                continue
            paid_month = f["paid_on"].replace(day=1)
            extra = f["amount"] - total
            payment = DuesPayment.objects.create(
                member=member,
                org_id=member.org_id,
                paid_on=f["paid_on"],
                from_month=f["from_month"],
                to_month=f["to_month"],
                amount=f["amount"],
                due_total=total,
                extra=extra,
                method=f["method"],
                payer_name=(f.get("payer_name") or "").strip()[:32],
                # A month of the quarter it is paid in is not late (第十二条: quarterly).
                back_payment=f["from_month"] < ledger.quarter_start(paid_month),
                decision_ref=(f.get("decision_ref") or "").strip()[:100],
                central=extra >= CENTRAL_THRESHOLD,
                recorded_by=user if getattr(user, "pk", None) else None,
                note=(f.get("note") or "").strip()[:200],
            )
            DuesDue.objects.filter(pk__in=[d.pk for d in dues.values()]).update(
                payment=payment, paid_on=payment.paid_on
            )
            ensure_in_scope(user, payment, "add")
            emit("create", payment, after=snapshot(payment), user=user)
            out.append(payment)
        if errors:
            transaction.set_rollback(True)
    errors.raise_if_any()
    return out


def _merge(into: ErrorCollector, own: ErrorCollector, member: Member, named: bool) -> None:
    for field, messages in own.by_field.items():
        for message in messages:
            text = (
                message
                if (not named or message.startswith(member.name))
                else f"{member.name}：{message}"
            )
            into.add(field, text)


def cancel_payment(user: Any, payment: DuesPayment) -> None:
    """Undo a wrongly recorded payment: its months become unpaid again (audited)."""
    _require_perm(user, "dues.delete_duespayment", payment.org.path)
    with transaction.atomic():
        before = snapshot(payment)
        DuesDue.objects.filter(payment=payment).update(payment=None, paid_on=None)
        ensure_in_scope(user, payment, "delete")
        emit("delete", payment, before=before, user=user)
        payment.delete()


def set_unpaid_reason(user: Any, member: Member, reason: str) -> int:
    """Record why a member's unpaid months are unpaid (the 6-month alert asks for one)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写未交原因。"]})
    _require_perm(user, "dues.change_duesdue", member.org.path)
    with transaction.atomic():
        rows = DuesDue.objects.filter(member=member, payment__isnull=True, amount__gt=0)
        n = rows.update(reason=reason[:200])
        emit("update", member, user=user, dues_reason=reason[:200], months=n)
    return n


# --- hand-over (上缴) --------------------------------------------------------------------


def record_remittance(user: Any, from_org: Any, **fields: Any) -> DuesRemittance:
    """A hand-over to the next level up (branch → unit → 工委)."""
    errors = ErrorCollector()
    first, last = fields.get("from_month"), fields.get("to_month")
    remitted_on = fields.get("remitted_on")
    amount = _decimal(fields.get("amount"))
    parent = from_org.get_parent()
    if parent is None:
        errors.add("from_org", "最上级党组织不再向上缴纳。")
    if not isinstance(first, dt.date) or not isinstance(last, dt.date) or last < first:
        errors.add("from_month", "请填写上缴党费所属的起止月份。")
    if not isinstance(remitted_on, dt.date) or remitted_on > today():
        errors.add("remitted_on", "上缴日期须为不晚于今天的日期。")
    if amount is None or not amount.is_finite() or amount <= 0 or amount > Decimal("1e10"):
        errors.add("amount", "上缴金额须大于 0 元。")
    _require_perm(user, "dues.add_duesremittance", from_org.path)
    errors.raise_if_any()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    with transaction.atomic():
        obj = DuesRemittance.objects.create(
            from_org=from_org,
            to_org=parent,
            from_month=first.replace(day=1),
            to_month=last.replace(day=1),
            amount=amount,
            remitted_on=remitted_on,
            reference=(fields.get("reference") or "").strip()[:64],
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        ensure_in_scope(user, obj, "add")
        emit("create", obj, after=snapshot(obj), user=user)
    return obj


def confirm_remittance(user: Any, remittance: DuesRemittance, received_on: Any) -> DuesRemittance:
    """The receiving org confirms the money arrived (its own side: held over `to_org`)."""
    if not holds(user, "dues.change_duesremittance", remittance.to_org.path):
        raise OutOfScope("对象不在您的管辖范围内。")
    errors = ErrorCollector()
    if remittance.received_on:
        errors.add("received_on", "已确认接收。")
    if not isinstance(received_on, dt.date) or received_on > today():
        errors.add("received_on", "接收日期须为不晚于今天的日期。")
    elif received_on < remittance.remitted_on:
        errors.add("received_on", "接收日期不能早于上缴日期。")
    errors.raise_if_any()
    with transaction.atomic():
        before = snapshot(remittance)
        remittance.received_on = received_on
        remittance.save(update_fields=["received_on", "updated"])
        emit("update", remittance, before=before, after=snapshot(remittance), user=user)
    return remittance


def months_between(first: dt.date, last: dt.date) -> int:
    return month_index(last) - month_index(first) + 1
