"""Honors pages: rounds (with quotas used per unit and the nominations with their record
checks), nominations (推荐, 审核, 撤回), 公示 and decision, and the honors register.
Every row is read through `restrict()`; every write goes through `services`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views import View

from dangjian.core.bounds import parse_int
from dangjian.core.scoping import has_any_scope, holds
from dangjian.core.services import OutOfScope
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from dangjian.orgs.models import Organization

from . import checks, services, titles
from .filtersets import HonorFilterSet, HonorRoundFilterSet, NominationFilterSet
from .forms import DecideForm, HonorForm, NominationForm, PublicizeForm, ReviewForm, RoundForm
from .imports import HonorExporter
from .models import Honor, HonorRound, Nomination, NominationStatus, RoundQuota
from .tables import HonorRoundTable, HonorTable, NominationTable


def _count(qs) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.order_by().values("round_id").annotate(n=Count("id")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


# --- rounds ------------------------------------------------------------------------------


class RoundListView(ObjectListView):
    queryset = HonorRound.objects.select_related("org")
    table = HonorRoundTable
    filterset = HonorRoundFilterSet
    title = "评选表彰"

    def get_queryset(self):
        # Counts of the nominations the user may read (a unit sees its own), per round.
        mine = Nomination.objects.restrict(self.request.user, "view").filter(round=OuterRef("pk"))
        return (
            super()
            .get_queryset()
            .annotate(
                n_nominations=_count(mine),
                n_honors=_count(mine.filter(status=NominationStatus.DECIDED)),
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("honors:round_add")}


class RoundDetailView(ObjectDetailView):
    queryset = HonorRound.objects.select_related("org")
    template_name = "honors/round_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rnd: HonorRound = ctx["object"]
        user = self.request.user
        nominations = list(
            Nomination.objects.restrict(user, "view")
            .filter(round=rnd)
            .select_related("org", "member", "recipient_org", "round")
            # what the rows show: not the material, nor the member's (encrypted) identifiers
            .only(
                "round__year",
                "org__name",
                "org__path",
                "title",
                "status",
                "review_note",
                "member__name",
                "recipient_org__name",
            )
            .order_by("org__path", "title", "id")
        )
        found = checks.for_nominations(user, nominations, services.today())
        for n in nominations:
            n.checks = found.get(n.pk)
        ctx["nominations"] = nominations
        ctx["quota_rows"], ctx["quota_titles"] = quota_table(user, rnd)
        ctx["status_counts"] = _status_counts(nominations)
        ctx["can_nominate"] = (
            not rnd.publicity_starts
            and rnd.nomination_starts <= services.today() <= rnd.nomination_ends
            and has_any_scope(user, Nomination, "add")
        )
        can_change = ctx["can_change"]
        ctx["publicize_form"] = (
            PublicizeForm(initial={"publicity_starts": services.today()})
            if can_change and not rnd.publicity_starts
            else None
        )
        ctx["decide_form"] = (
            DecideForm(initial={"decided_on": services.today()})
            if can_change and rnd.publicity_starts and not rnd.decided_on
            else None
        )
        return ctx


def _status_counts(nominations: list[Nomination]) -> list[tuple[Any, int]]:
    counts: dict[str, int] = defaultdict(int)
    for n in nominations:
        counts[n.status] += 1
    return [(label, counts[value]) for value, label in NominationStatus.choices if counts[value]]


def quota_table(user: Any, rnd: HonorRound) -> tuple[list[dict], list[tuple[str, str]]]:
    """Per unit the user may read: for each title of the round, (used, quota). Two queries."""
    quotas = RoundQuota.objects.restrict(user, "view").filter(round=rnd).select_related("org")
    used = (
        Nomination.objects.restrict(user, "view")
        .filter(round=rnd)
        .exclude(status=NominationStatus.RETURNED)
        .order_by()
        .values("org_id", "title")
        .annotate(n=Count("id"))
    )
    used_by = {(r["org_id"], r["title"]): r["n"] for r in used}
    rows: dict[int, dict] = {}
    for q in quotas.order_by("org__path", "title"):
        row = rows.setdefault(q.org_id, {"org": q.org, "cells": {}})
        row["cells"][q.title] = (used_by.get((q.org_id, q.title), 0), q.quota)
    codes = [(code, titles.name(code)) for code in rnd.titles]
    table = [
        {
            "org": r["org"],
            "cells": [{"label": name, "value": r["cells"].get(code)} for code, name in codes],
        }
        for r in rows.values()
    ]
    return table, codes


class RoundEditView(ObjectEditView):
    queryset = HonorRound.objects.select_related("org")
    form_class = RoundForm
    out_of_scope_message = gettext_lazy("只能以您管理的党组织名义组织评选。")

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            today = services.today()
            initial = {
                "year": today.year,
                "titles": [
                    titles.EXCELLENT_MEMBER,
                    titles.EXCELLENT_PARTY_WORKER,
                    titles.ADVANCED_ORG,
                ],
                "material_asked": "推荐对象的主要事迹材料（1500字以内）及推荐审批表。",
            } | initial
        return initial

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.ROUND_FIELDS}
        fields["material_asked"] = fields["material_asked"] or ""
        return services.save_round(self.request.user, instance, **fields)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("honors:round_list")}


class _RoundAction(ScopedViewMixin, View):
    """A POST on one round by the side that opened it (restrict(user, "change"))."""

    queryset = HonorRound.objects.select_related("org")
    action = "change"

    def post(self, request, *args, **kwargs):
        rnd = self.get_object()
        try:
            text = self.run(rnd)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except OutOfScope:
            messages.error(request, "只有组织评选的党组织可以办理此事项。")
        else:
            messages.success(request, text)
        return redirect(rnd.get_absolute_url())

    def run(self, rnd: HonorRound) -> str:
        raise NotImplementedError


class RoundPublicizeView(_RoundAction):
    def run(self, rnd):
        form = PublicizeForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [m for errs in form.errors.values() for m in errs] or ["请填写公示日期。"]
            )
        n = services.publicize(
            self.request.user,
            rnd,
            form.cleaned_data["publicity_starts"],
            form.cleaned_data.get("publicity_ends"),
        )
        return f"已公示 {n} 条推荐，公示期至 {rnd.publicity_ends:%Y-%m-%d}。"


class RoundDecideView(_RoundAction):
    def run(self, rnd):
        form = DecideForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(
                [m for errs in form.errors.values() for m in errs] or ["请填写决定日期和文号。"]
            )
        n = services.decide(
            self.request.user,
            rnd,
            form.cleaned_data["decided_on"],
            form.cleaned_data["document_number"],
        )
        return f"表彰决定已记录，共表彰 {n} 个对象。"


class RoundQuotaView(ScopedViewMixin, View):
    """分配名额: one number per unit below the round's org and title of the round."""

    queryset = HonorRound.objects.select_related("org")
    action = "change"

    def _units(self, rnd: HonorRound) -> list[Organization]:
        return list(
            Organization.objects.restrict(self.request.user, "view")
            .filter(path__startswith=rnd.org.path, depth=rnd.org.depth + 1)
            .order_by("path")
            .only("id", "name", "path")
        )

    def get(self, request, *args, **kwargs):
        from django.shortcuts import render

        rnd = self.get_object()
        return render(request, "honors/round_quotas.html", self._context(rnd, None))

    def _context(self, rnd: HonorRound, posted: dict | None) -> dict:
        current = {(q.org_id, q.title): q.quota for q in RoundQuota.objects.filter(round=rnd)}
        codes = [(code, titles.name(code)) for code in rnd.titles]
        rows = []
        for org in self._units(rnd):
            cells = []
            for code, _name in codes:
                key = f"q_{org.pk}_{code}"
                value = (
                    posted.get(key, "") if posted is not None else current.get((org.pk, code), "")
                )
                cells.append({"name": key, "value": value})
            rows.append({"org": org, "cells": cells})
        return {"object": rnd, "rows": rows, "codes": codes}

    def post(self, request, *args, **kwargs):
        from django.shortcuts import render

        rnd = self.get_object()
        quotas: dict[tuple[int, str], int] = {}
        errors = []
        for org in self._units(rnd):
            for code in rnd.titles:
                raw = (request.POST.get(f"q_{org.pk}_{code}") or "").strip()
                if not raw:
                    continue
                n = parse_int(raw, 0, services.MAX_QUOTA)
                if n is None:
                    errors.append(
                        f"{org.name}的“{titles.name(code)}”名额应为 0 至 {services.MAX_QUOTA} 的整数。"
                    )
                    continue
                quotas[(org.pk, code)] = n
        if not errors:
            try:
                n_rows = services.set_quotas(request.user, rnd, quotas)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, f"已保存 {n_rows} 项名额。")
                return redirect(rnd.get_absolute_url())
        ctx = self._context(rnd, request.POST.dict()) | {"errors": errors}
        return render(request, "honors/round_quotas.html", ctx, status=400)


# --- nominations ---------------------------------------------------------------------------


class NominationListView(ObjectListView):
    queryset = Nomination.objects.select_related("org", "member", "recipient_org", "round")
    table = NominationTable
    filterset = NominationFilterSet
    title = "推荐"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("honors:nomination_add")}


class NominationDetailView(ObjectDetailView):
    queryset = Nomination.objects.select_related(
        "round", "round__org", "org", "member", "member__org", "recipient_org", "reviewed_by"
    )
    template_name = "honors/nomination_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        n: Nomination = ctx["object"]
        user = self.request.user
        ctx["checks"] = checks.for_nominations(user, [n], services.today()).get(n.pk)
        ctx["can_review"] = ctx["can_change"] and n.status in (
            NominationStatus.NOMINATED,
            NominationStatus.APPROVED,
            NominationStatus.RETURNED,
        )
        ctx["review_form"] = ReviewForm() if ctx["can_review"] else None
        ctx["can_withdraw"] = n.status == NominationStatus.NOMINATED and holds(
            user, "honors.delete_nomination", n.org.path
        )
        ctx["honor"] = Honor.objects.restrict(user, "view").filter(nomination=n).first()
        return ctx


class NominationAddView(ObjectEditView):
    queryset = Nomination.objects.select_related("round", "org")
    form_class = NominationForm
    success_message = gettext_lazy("已推荐，等待工委审核。")

    def save(self, form, instance):
        data = form.cleaned_data
        return services.nominate(
            self.request.user,
            data["round"],
            org=data["org"],
            title=data["title"],
            member=data.get("member"),
            recipient_org=data.get("recipient_org"),
            material=data.get("material") or "",
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rnd = ctx["form"].initial.get("round")
        return ctx | {
            "cancel_url": reverse("honors:nomination_list") if not rnd else f"/honors/{rnd}/"
        }


class NominationWithdrawView(ObjectDeleteView):
    queryset = Nomination.objects.select_related("round", "org", "member", "recipient_org")
    success_message = gettext_lazy("已撤回推荐。")

    def delete(self, obj) -> None:
        services.withdraw(self.request.user, obj)

    def get_success_url(self, obj) -> str:
        return obj.round.get_absolute_url()


class NominationReviewView(ScopedViewMixin, View):
    """审核 by the round's side (Nomination.write_sides): 通过, or 退回 with a reason."""

    queryset = Nomination.objects.select_related("round", "round__org", "org")
    action = "change"

    def post(self, request, *args, **kwargs):
        nomination = self.get_object()
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择审核通过或退回。")
            return redirect(nomination.get_absolute_url())
        try:
            services.review(
                request.user,
                nomination,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data.get("review_note") or "",
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(nomination.get_absolute_url())
        except OutOfScope:
            messages.error(request, "只有组织评选的党组织可以审核。")
            return redirect(nomination.get_absolute_url())
        messages.success(request, f"已审核：{nomination.get_status_display()}。")
        if request.POST.get("next") == "round":
            return redirect(nomination.round.get_absolute_url())
        return redirect(nomination.get_absolute_url())


# --- honors ----------------------------------------------------------------------------------


class HonorListView(ObjectListView):
    queryset = Honor.objects.select_related("org", "member")
    table = HonorTable
    filterset = HonorFilterSet
    exporter = HonorExporter()
    title = "表彰"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("honors:honor_add")}


class HonorDetailView(ObjectDetailView):
    queryset = Honor.objects.select_related(
        "org", "member", "member__org", "recorded_by_org", "nomination", "nomination__round"
    )
    template_name = "honors/honor_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_delete"] = ctx["object"].allows(self.request.user, "delete")
        return ctx


class HonorEditView(ObjectEditView):
    queryset = Honor.objects.select_related("org", "member", "recorded_by_org")
    form_class = HonorForm
    out_of_scope_message = gettext_lazy("该表彰不在您可以录入的范围内，已取消保存。")

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.HONOR_FIELDS if f in form.fields}
        for name in ("document_number", "note"):
            fields[name] = fields.get(name) or ""
        if fields.get("member") is not None or fields.get("org") is None:
            fields.pop("org", None)
        return services.save_honor(self.request.user, instance, **fields)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("honors:honor_list")}


class HonorDeleteView(ObjectDeleteView):
    queryset = Honor.objects.select_related("org", "member")
    success_url = "/honors/honors/"

    def delete(self, obj) -> None:
        services.delete_honor(self.request.user, obj)
