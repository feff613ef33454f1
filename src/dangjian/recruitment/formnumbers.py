"""入党志愿书 numbers: the yearly pools and the numbers issued from them, never reused
(a voided number keeps its row; the next number is always past every issued one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.core.services import ErrorCollector, emit, ensure_in_scope
from dangjian.orgs.models import Organization

from . import timerules as tr
from .checks import cite as _cite
from .checks import today as _today
from .models import Applicant, ApplicationFormNumber, ApplicationFormPool, Step

# --- 志愿书 numbers ------------------------------------------------------------------------


def pool_orgs(user: Any):
    """Orgs where `user` may hold a 志愿书 number pool (form choices)."""
    return Organization.objects.holding(user, "recruitment.add_applicationformpool")


def create_pool(
    user: Any, org: Organization, year: int, first: int, last: int, prefix: str = ""
) -> ApplicationFormPool:
    """A year's 志愿书 number pool held by `org`; a range may not overlap another pool's
    numbers with the same prefix (the written numbers would repeat)."""
    errors = ErrorCollector()
    prefix = (prefix or "").strip()
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.add("year", "年度应为2000至2100之间的年份。")
    for name, value in (("first", first), ("last", last)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
            errors.add(name, "编号应为1至1000000000之间的整数。")
    if not errors and first > last:
        errors.add("last", "终止号不能小于起始号。")
    if len(prefix) > 16:
        errors.add("prefix", "编号前缀不超过16个字符。")
    errors.raise_if_any()
    pool = ApplicationFormPool(org=org, year=year, prefix=prefix, first=first, last=last)
    width = len(str(last))
    for other in ApplicationFormPool.objects.filter(
        prefix=prefix, first__lte=last, last__gte=first
    ):
        if len(str(other.last)) == width:
            errors.add("first", f"编号与已有编号段（{other}）重叠，请核对。")
            break
    errors.raise_if_any()
    return core_services.save_object(user, pool)  # type: ignore[return-value]


def issue_form_number(
    user: Any,
    applicant: Applicant,
    pool: ApplicationFormPool,
    issued_on: dt.date | None = None,
    number: int | None = None,
) -> ApplicationFormNumber:
    """发放入党志愿书编号 after the 上级党委预审 (step 13): the next unused number of the
    year's pool, or `number` when the printed form carries one — never a number issued
    before, voided or not (志愿书编号管理). The pool must be held by the applicant's org or
    above it, and be of the year of issue."""
    issued_on = issued_on or _today()
    ensure_in_scope(user, applicant, "view")
    errors = ErrorCollector()
    cite = _cite(tr.FORM_NUMBER)
    if applicant.closed_on:
        errors.add("pool", "该申请人已终止发展。")
    if applicant.last_step < Step.PRE_REVIEW:
        errors.add("pool", f"上级党委预审（第{Step.PRE_REVIEW.value}步）通过后方可发放入党志愿书。")
    if applicant.application_form_number:
        errors.add(
            "pool",
            f"该申请人已有入党志愿书编号{applicant.application_form_number}；如需更换，请先作废原编号。",
        )
    if issued_on > _today():
        errors.add("issued_on", "发放日期不能晚于今天。")
    if pool.year != issued_on.year:
        errors.add("pool", f"应使用{issued_on.year}年度的编号段发放（{cite}）。")
    if not applicant.org.path.startswith(pool.org.path):
        errors.add("pool", "该编号段由其他组织管理，不能为此申请人发放。")
    if number is not None and (
        isinstance(number, bool)
        or not isinstance(number, int)
        or not pool.first <= number <= pool.last
    ):
        errors.add("number", f"编号应在本编号段{pool.first}至{pool.last}之内。")
    errors.raise_if_any()
    with transaction.atomic():
        locked_pool = ApplicationFormPool.objects.select_for_update().get(pk=pool.pk)
        used = ApplicationFormNumber.objects.filter(pool=locked_pool)
        if number is None:
            top = used.aggregate(top=Max("number"))["top"]
            number = locked_pool.first if top is None else top + 1
            if number > locked_pool.last:
                raise ValidationError(
                    {"pool": [f"本编号段的编号已全部发放（{cite}），请登记新的编号段。"]}
                )
        else:
            previous = used.filter(number=number).first()
            if previous is not None:
                state = "已作废" if previous.voided_on else "已发放"
                raise ValidationError(
                    {"number": [f"编号{previous.code}{state}，编号不得重复使用（{cite}）。"]}
                )
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        before = snapshot(locked)
        issued = ApplicationFormNumber(
            pool=locked_pool,
            number=number,
            code=locked_pool.code(number),
            applicant=locked,
            issued_on=issued_on,
        )
        try:
            with transaction.atomic():
                issued.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"number": [f"编号{issued.code}已被使用，编号不得重复使用（{cite}）。"]}
            ) from exc
        ensure_in_scope(user, issued, "add")
        locked.application_form_number = issued.code
        locked.save(update_fields=["application_form_number", "updated"])
        emit("create", issued, after=snapshot(issued))
        emit("update", locked, before=before, after=snapshot(locked), operation="form_number")
    applicant.application_form_number = issued.code
    return issued


def void_form_number(
    user: Any, issued: ApplicationFormNumber, voided_on: dt.date | None, reason: str
) -> ApplicationFormNumber:
    """作废 a 志愿书 number (form spoiled, returned …). The row stays and the number is never
    issued again; the applicant may then be given a new one, until the 支部大会."""
    ensure_in_scope(user, issued, "change")
    errors = ErrorCollector()
    reason = (reason or "").strip()
    if issued.voided_on:
        errors.add("voided_on", f"编号{issued.code}已于{issued.voided_on:%Y-%m-%d}作废。")
    if voided_on is None:
        errors.add("voided_on", "请填写作废日期。")
    elif voided_on > _today() or voided_on < issued.issued_on:
        errors.add("voided_on", "作废日期应在发放日期与今天之间。")
    if not reason or len(reason) > 200:
        errors.add("reason", "请填写作废原因（不超过200字）。")
    if issued.applicant.member_id:
        errors.add("voided_on", "支部大会已讨论接收，志愿书编号不能再作废。")
    errors.raise_if_any()
    with transaction.atomic():
        before = snapshot(issued)
        issued.voided_on = voided_on
        issued.void_reason = reason
        issued.save(update_fields=["voided_on", "void_reason", "updated"])
        ensure_in_scope(user, issued, "change")
        Applicant.objects.filter(
            pk=issued.applicant_id, application_form_number=issued.code
        ).update(application_form_number=None)
        emit("update", issued, before=before, after=snapshot(issued), operation="void")
    return issued
