"""Dues pages: a branch's year ledger, recording a quarter's payments in one go, the
arrears list, the bases of a year (xlsx import through core.imports), reductions and
hand-overs. Every row is read through `restrict()`; every write goes through services."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, Sum
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from dangjian.core.bounds import is_digits, parse_date, parse_id, parse_int
from dangjian.core.excel import writer
from dangjian.core.excel.exporter import download
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import holds
from dangjian.core.services import OutOfScope
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization, OrgKind

from . import ledger, publication, services, summary
from .filtersets import (
    ArrearsFilterSet,
    DuesBaseFilterSet,
    DuesPaymentFilterSet,
    DuesReductionFilterSet,
    DuesRemittanceFilterSet,
)
from .forms import ApproveForm, ConfirmForm, DuesBaseForm, DuesReductionForm
from .models import (
    DuesBase,
    DuesDue,
    DuesPayment,
    DuesReduction,
    DuesRemittance,
    PaymentMethod,
    add_months,
)
from .tables import DuesBaseTable, DuesPaymentTable, DuesReductionTable, DuesRemittanceTable

LEDGER_MAX_MEMBERS = 300  # a ledger is a branch's; a unit picks one of its branches
MONTHS = range(1, 13)


def parse_month(raw: Any) -> dt.date | None:
    """`YYYY-MM` (a month input) from 2008-04 to next year, else None."""
    text = "" if raw is None else str(raw).strip()
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text)
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12) or not (2008 <= year <= services.today().year + 1):
        return None
    day = dt.date(year, month, 1)
    return day if day >= dt.date(2008, 4, 1) else None


def _year(request) -> int:
    this = services.today().year
    return parse_int(request.GET.get("year"), 2008, this + 1) or this


def _chosen_org(request, perm: str, raw: Any) -> tuple[Any, Any]:
    """(the orgs the user may use for `perm`, the chosen one or a default: their branch)."""
    orgs = Organization.objects.holding(request.user, perm)
    pk = parse_id(raw)
    org = orgs.filter(pk=pk).first() if pk else None
    if org is None:
        org = (
            orgs.filter(kind=OrgKind.BRANCH).order_by("path").first()
            or orgs.order_by("path").first()
        )
    return orgs, org


def _ledger_members(org: Organization, first: dt.date, last: dt.date) -> list[Member]:
    """The org's members in the register, and anyone its dues rows of the period name."""
    in_dues = DuesDue.objects.filter(
        org__path__startswith=org.path, month__gte=first, month__lte=last
    ).values("member_id")
    return list(
        Member.objects.filter(
            Q(org__path__startswith=org.path, membership=MembershipState.NORMAL) | Q(pk__in=in_dues)
        )
        .select_related("org")
        .only("id", "name", "org_id", "org__path", "joined_on", "membership")
        .order_by("name", "id")[: LEDGER_MAX_MEMBERS + 1]
    )


def ledger_cells(org: Organization, members: list[Member], months: list[dt.date], today: dt.date):
    """{member id: {month: cell}} — stored dues, else what the bases give (not yet stored)."""
    ids = [m.pk for m in members]
    cells: dict[int, dict[dt.date, dict]] = defaultdict(dict)
    stored = DuesDue.objects.filter(member_id__in=ids, month__in=months).values(
        "member_id", "month", "amount", "payment_id", "paid_on", "reason"
    )
    for row in stored:
        paid = row["payment_id"] is not None
        cells[row["member_id"]][row["month"]] = {
            "amount": row["amount"],
            "paid_on": row["paid_on"],
            "state": ledger.month_state(row["amount"], paid, row["month"], today),
        }
    missing = [m for m in members if m.membership == MembershipState.NORMAL]
    for due in ledger.compute(
        [ledger.LedgerMember(m.pk, m.org_id, m.org.path, m.joined_on) for m in missing], months
    ):
        if due.month not in cells[due.member_id]:
            state = ledger.month_state(due.amount, False, due.month, today)
            cells[due.member_id][due.month] = {
                "amount": due.amount,
                "paid_on": None,
                "state": state,
            }
    return cells


class LedgerView(ScopedViewMixin, TemplateView):
    """A branch's year: members × 12 months, paid or owed."""

    queryset = DuesDue.objects.all()
    template_name = "dues/ledger.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request, today = self.request, services.today()
        year = _year(request)
        orgs, org = _chosen_org(request, "dues.view_duesdue", request.GET.get("org"))
        months = [dt.date(year, m, 1) for m in MONTHS]
        ctx.update(title=_("党费台账"), year=year, org=org, months=months, today=today)
        ctx["years"] = list(range(today.year, max(2008, today.year - 5) - 1, -1))
        ctx["org_picker"] = render_org_picker(
            "org", orgs, org.pk if org else None, empty_label=None, id="id_org"
        )
        if org is None:
            return ctx
        members = _ledger_members(org, months[0], months[-1])
        ctx["too_many"] = len(members) > LEDGER_MAX_MEMBERS
        if ctx["too_many"]:
            return ctx
        cells = ledger_cells(org, members, months, today)
        rows, owed_members, paid_total, owed_total = [], 0, Decimal("0"), Decimal("0")
        for member in members:
            line = [cells[member.pk].get(m) for m in months]
            owed = [c for c in line if c and c["state"] == "owed"]
            owed_members += bool(owed)
            paid_total += sum((c["amount"] for c in line if c and c["state"] == "paid"), Decimal(0))
            owed_total += sum((c["amount"] for c in owed), Decimal(0))
            rows.append({"member": member, "cells": line, "owed": len(owed)})
        ctx.update(
            rows=rows,
            owed_members=owed_members,
            paid_total=paid_total,
            owed_total=owed_total,
            can_record=holds(request.user, "dues.add_duespayment", org.path),
            can_base=holds(request.user, "dues.add_duesbase", org.path),
        )
        return ctx


class PublicationView(ScopedViewMixin, View):
    """党费收缴使用情况公布 of one org and year: `?org=&year=&format=xlsx|docx`."""

    queryset = DuesDue.objects.all()

    def get(self, request):
        _orgs, org = _chosen_org(request, "dues.view_duesdue", request.GET.get("org"))
        if org is None:
            raise Http404(_("未找到。"))
        pub = publication.build(org, _year(request), services.today())
        if request.GET.get("format") == "docx":
            return publication.docx_download(request.user, pub, services.today())
        return publication.xlsx_download(request.user, pub)


class SummaryView(ScopedViewMixin, TemplateView):
    """党费汇总: the orgs directly below the chosen one (the 工委's units, a unit's branches),
    each over its subtree, for one year; `?format=xlsx` downloads the same table."""

    queryset = DuesDue.objects.all()
    template_name = "dues/summary.html"

    def chosen(self):
        request = self.request
        orgs = Organization.objects.holding(request.user, "dues.view_duesdue")
        raw = request.GET.get("org")
        if not raw:
            return orgs, orgs.order_by("path").first()
        org = orgs.filter(pk=parse_id(raw)).first()
        if org is None:
            raise Http404(_("未找到该党组织，或它不在您的管辖范围内。"))
        return orgs, org

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            _orgs, org = self.chosen()
            if org is None:
                raise Http404(_("未找到。"))
            return summary_xlsx(request.user, summary.build(org, _year(request), services.today()))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today, year = services.today(), _year(self.request)
        orgs, org = self.chosen()
        ctx.update(
            title=_("党费汇总"),
            year=year,
            org=org,
            years=list(range(today.year, max(2008, today.year - 5) - 1, -1)),
            org_picker=render_org_picker(
                "org", orgs, org.pk if org else None, empty_label=None, id="id_org"
            ),
            summary=summary.build(org, year, today) if org is not None else None,
        )
        return ctx


def summary_xlsx(user, result: summary.Summary):
    wb = writer.new_workbook()
    ws = writer.sheet(wb, "党费汇总", widths=(28, 10, 10, 8, 14, 14, 14, 8, 10, 14, 14, 14))
    title = f"{result.org.name}{result.year}年党费收缴汇总"
    writer.append(ws, [title], font=writer.Font(bold=True, size=14))
    writer.append(ws, [f"统计截至{result.as_of:%Y年%m月%d日}；应交、欠交截至上月。"])
    writer.append(ws, list(summary.HEADERS), font=writer.HEADER_FONT, fill=writer.HEADER_FILL)
    for line in result.lines:
        writer.append(ws, summary.row(line))
    if result.total is not None:
        writer.append(ws, summary.row(result.total), font=writer.HEADER_FONT)
    return download(
        user,
        wb,
        model="dues.duesdue",
        rows=len(result.lines),
        filters={"org": result.org.pk, "year": result.year, "report": "summary"},
        filename=f"{title}.xlsx",
    )


class MemberLedgerView(ScopedViewMixin, View):
    """A member's line in their org's ledger (the link of a reminder or a 待办 item)."""

    queryset = DuesDue.objects.all()

    def get(self, request, pk):
        member = Member.objects.select_related("org").filter(pk=pk).first()
        if member is None or not holds(request.user, "dues.view_duesdue", member.org.path):
            raise Http404(_("未找到。"))
        year = services.today().year
        return redirect(reverse("dues:ledger") + f"?org={member.org_id}&year={year}#m{member.pk}")


class PaymentBatchView(ScopedViewMixin, TemplateView):
    """Record payments for several members of one org at once (a quarter: 经支部同意按季度交纳)."""

    queryset = DuesPayment.objects.all()
    action = "add"
    template_name = "dues/payment_batch.html"

    def _setup(self, data):
        today = services.today()
        quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        orgs, org = _chosen_org(self.request, "dues.add_duespayment", data.get("org"))
        first = parse_month(data.get("from")) or quarter
        last = parse_month(data.get("to")) or add_months(quarter, 2)
        if last < first or (last.year * 12 + last.month) - (first.year * 12 + first.month) >= 24:
            last = first
        return orgs, org, first, last, today

    def _context(self, data, errors=(), values=None):
        orgs, org, first, last, today = self._setup(data)
        months = ledger.month_range(first, last)
        rows = []
        if org is not None:
            members = [
                m
                for m in _ledger_members(org, first, last)[:LEDGER_MAX_MEMBERS]
                if m.membership == MembershipState.NORMAL
            ]
            cells = ledger_cells(org, members, months, today)
            for member in members:
                own = cells[member.pk]
                paid = [m for m in months if own.get(m, {}).get("state") == "paid"]
                total = sum((own[m]["amount"] for m in months if m in own), Decimal(0))
                rows.append(
                    {
                        "member": member,
                        "total": total,
                        "paid": bool(paid),
                        "complete": all(m in own for m in months),
                        "checked": (values or {}).get(f"m{member.pk}", not paid and total > 0),
                        "amount": (values or {}).get(f"a{member.pk}", f"{total:.2f}"),
                        "payer": (values or {}).get(f"p{member.pk}", ""),
                    }
                )
        return {
            "title": _("登记党费交纳"),
            "org": org,
            "org_picker": render_org_picker(
                "org", orgs, org.pk if org else None, empty_label=None, id="id_org"
            ),
            "first": first,
            "last": last,
            "rows": rows,
            "methods": PaymentMethod.choices,
            "method": data.get("method") or PaymentMethod.CASH,
            "paid_on": data.get("paid_on") or today.isoformat(),
            "decision_ref": data.get("decision_ref") or "",
            "errors": list(errors),
        }

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, self._context(request.GET))

    def post(self, request, *args, **kwargs):
        data = request.POST
        _orgs, org, first, last, _today = self._setup(data)
        if org is None:
            raise Http404(_("未找到。"))
        members = {
            m.pk: m
            for m in Member.objects.filter(org__path__startswith=org.path).select_related("org")
            if f"m{m.pk}" in data
        }
        paid_on = parse_date(data.get("paid_on"))
        entries = [
            (
                member,
                {
                    "paid_on": paid_on,
                    "from_month": first,
                    "to_month": last,
                    "amount": data.get(f"a{pk}"),
                    "method": data.get("method"),
                    "payer_name": (data.get(f"p{pk}") or "")[:32],
                    "decision_ref": (data.get("decision_ref") or "")[:100],
                },
            )
            for pk, member in sorted(members.items())
        ]
        values = {k: data.get(k) for k in data if k[:1] in "map" and is_digits(k[1:])}
        for pk in members:
            values[f"m{pk}"] = True
        if not entries:
            ctx = self._context(data, [_("请勾选交纳党费的党员。")], values)
            return render(request, self.template_name, ctx, status=400)
        try:
            done = services.record_payments(request.user, entries)
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        except ValidationError as exc:
            ctx = self._context(data, exc.messages, values)
            return render(request, self.template_name, ctx, status=400)
        messages.success(request, _("已登记 %(n)s 名党员的党费。") % {"n": len(done)})
        return redirect(reverse("dues:ledger") + f"?org={org.pk}&year={first.year}")


class ArrearsView(ObjectListView):
    """Members with overdue months (unpaid when their quarter ended), most months first."""

    queryset = DuesDue.objects.all()
    filterset = ArrearsFilterSet
    template_name = "dues/arrears.html"
    title = "党费欠交情况"
    table = None

    def get_context_data(self, **kwargs):
        ctx = super(ObjectListView, self).get_context_data(**kwargs)
        qs, fs = self.filtered()
        today = services.today()
        at_least = 1
        if fs is not None and fs.is_valid():
            at_least = fs.form.cleaned_data.get("months") or 1
        grouped = (
            ledger.unpaid(qs, today)
            .order_by()
            .values("member_id")
            .annotate(n=Count("id"), total=Sum("amount"), first=Min("month"))
            .filter(n__gte=at_least)
            .order_by("-n", "member_id")
        )
        page = Paginator(grouped, 50).get_page(self.request.GET.get("page"))
        ids = [row["member_id"] for row in page]
        people = (
            Member.objects.filter(pk__in=ids)
            .select_related("org")
            .only("id", "name", "org__name", "org_id")
        )
        by_id = {m.pk: m for m in people}
        rows = [{**row, "member": by_id.get(row["member_id"])} for row in page]
        summary = ledger.unpaid(qs, today).aggregate(
            members=Count("member_id", distinct=True), total=Sum("amount")
        )
        ctx.update(
            title=self.title, filterset=fs, rows=rows, page=page, summary=summary, today=today
        )
        return ctx


# --- bases --------------------------------------------------------------------------------


class BaseListView(ObjectListView):
    queryset = DuesBase.objects.select_related("member", "member__org")
    table = DuesBaseTable
    filterset = DuesBaseFilterSet
    title = "党费基数"


class BaseDetailView(ObjectDetailView):
    queryset = DuesBase.objects.select_related("member", "member__org", "reviewed_by")
    template_name = "dues/base_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        base = ctx["object"]
        ctx["result"] = services.base_amount(base, base.member.org.path)
        ctx["can_reveal"] = holds(self.request.user, services.REVEAL_PERM, base.member.org.path)
        return ctx


class BaseEditView(ObjectEditView):
    queryset = DuesBase.objects.select_related("member", "member__org")
    form_class = DuesBaseForm
    error_labels = {"member": "党员"}

    def get_initial(self):
        initial = super().get_initial()
        if "member" in initial:
            initial["member_id"] = parse_id(initial.pop("member"))
        initial.setdefault("year", services.today().year)
        initial.setdefault("from_month", 1)
        return initial

    def save(self, form, instance):
        member = form.cleaned_data["member_id"]
        fields = {f: form.cleaned_data.get(f) for f in services.BASE_FIELDS}
        return services.save_base(
            self.request.user, member, instance if instance.pk else None, **fields
        )


@method_decorator(never_cache, name="dispatch")
class BaseRevealView(ScopedViewMixin, View):
    """POST → the plaintext base (htmx fragment or JSON); always audited."""

    queryset = DuesBase.objects.select_related("member", "member__org")
    action = "reveal"  # 403 unless the user holds dues.reveal_duesbase somewhere
    http_method_names = ["post"]

    def post(self, request, pk):
        base = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            value = services.reveal_base(request.user, base)
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        if request.headers.get("HX-Request"):
            return render(request, "dues/_revealed.html", {"value": value})
        return JsonResponse({"id": base.pk, "field": "base", "value": value})


# --- payments -----------------------------------------------------------------------------


class PaymentListView(ObjectListView):
    queryset = DuesPayment.objects.select_related("member", "org")
    table = DuesPaymentTable
    filterset = DuesPaymentFilterSet
    title = "党费交纳记录"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("dues:payment_add")}


class PaymentDetailView(ObjectDetailView):
    queryset = DuesPayment.objects.select_related("member", "org", "recorded_by")
    template_name = "dues/payment_detail.html"


class PaymentDeleteView(ObjectDeleteView):
    queryset = DuesPayment.objects.select_related("member", "org")
    success_url = "dues:payment_list"
    success_message = gettext_lazy("已撤销这笔交纳，所交月份恢复为未交。")

    def get_success_url(self, obj) -> str:
        return reverse(self.success_url)

    def delete(self, obj) -> None:
        services.cancel_payment(self.request.user, obj)


# --- reductions and hand-overs -------------------------------------------------------------


class ReductionListView(ObjectListView):
    queryset = DuesReduction.objects.select_related("member", "member__org")
    table = DuesReductionTable
    filterset = DuesReductionFilterSet
    title = "党费少交、免交"
    template_name = "dues/reduction_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pending = ctx["table"].data.data.filter(approved_on__isnull=True)[:50]
        ctx["pending"] = [
            r
            for r in pending
            if len(r.member.org.path) > 4
            and holds(self.request.user, "dues.approve_duesreduction", r.member.org.path[:-4])
        ]
        ctx["approve_form"] = ApproveForm(initial={"approved_on": services.today()})
        return ctx


class ReductionAddView(ObjectEditView):
    queryset = DuesReduction.objects.select_related("member", "member__org")
    form_class = DuesReductionForm
    error_labels = {"member": "党员"}

    def get_initial(self):
        initial = super().get_initial()
        if "member" in initial:
            initial["member_id"] = parse_id(initial.pop("member"))
        return initial

    def save(self, form, instance):
        fields = {k: form.cleaned_data.get(k) for k in form.Meta.fields}
        return services.request_reduction(
            self.request.user, form.cleaned_data["member_id"], **fields
        )


class ReductionApproveView(ScopedViewMixin, View):
    """POST: the next level records its approval (第十一条)."""

    queryset = DuesReduction.objects.select_related("member", "member__org")
    http_method_names = ["post"]

    def post(self, request, pk):
        reduction = get_object_or_404(self.get_queryset(), pk=pk)
        form = ApproveForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("请填写批准日期。"))
        try:
            services.approve_reduction(request.user, reduction, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记批准。"))
        return redirect("dues:reduction_list")


class RemittanceListView(ObjectListView):
    queryset = DuesRemittance.objects.select_related("from_org", "to_org")
    table = DuesRemittanceTable
    filterset = DuesRemittanceFilterSet
    title = "党费上缴"
    template_name = "dues/remittance_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        waiting = ctx["table"].data.data.filter(received_on__isnull=True)[:50]
        ctx["to_confirm"] = [
            r for r in waiting if holds(user, "dues.change_duesremittance", r.to_org.path)
        ]
        ctx["confirm_form"] = ConfirmForm(initial={"received_on": services.today()})
        return ctx


class RemittanceConfirmView(ScopedViewMixin, View):
    """POST: the receiving org confirms a hand-over arrived."""

    queryset = DuesRemittance.objects.select_related("from_org", "to_org")
    http_method_names = ["post"]

    def post(self, request, pk):
        remittance = get_object_or_404(self.get_queryset(), pk=pk)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("请填写接收日期。"))
        try:
            services.confirm_remittance(request.user, remittance, form.cleaned_data["received_on"])
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已确认接收。"))
        return redirect("dues:remittance_list")
