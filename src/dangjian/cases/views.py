"""Case and brand pages: lists (filters, xlsx export), a case's page with its rating, awards
and files, the 工委's 评定 form, and a unit's 1+N brand tree. Every row is read through
`restrict()`; every write goes through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dangjian.core.forms import add_service_errors
from dangjian.core.scoping import has_any_scope, holds
from dangjian.core.services import OutOfScope, emit
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import services
from .exports import BrandExporter, CaseAwardExporter, CaseExporter
from .filtersets import BrandFilterSet, CaseAwardFilterSet, CaseFilterSet
from .forms import AwardForm, BrandForm, CaseFileForm, CaseForm, RatingForm
from .models import Brand, Case, CaseAward, CaseFile, CaseRating, CaseStatus
from .tables import BrandTable, CaseAwardTable, CaseTable


def case_rows(qs):
    """Cases with their rating and award count as columns (no query per row)."""
    return (
        qs.select_related("org")
        .annotate(rating_value=F("rating__rating"), award_count=Count("awards", distinct=True))
        .order_by("-year", "-id")
    )  # Meta.ordering is dropped from a GROUP BY query


def brand_rows(qs):
    children = (
        Brand.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("org", "parent")
        .annotate(branch_count=Coalesce(Subquery(children), 0))
        .order_by("org__path", "id")
    )


# --- cases ----------------------------------------------------------------------------


class CaseListView(ObjectListView):
    queryset = Case.objects.all()
    table = CaseTable
    filterset = CaseFilterSet
    exporter = CaseExporter()
    title = "创新案例"

    def get_queryset(self):
        return case_rows(super().get_queryset())

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("cases:case_add")}


class CaseDetailView(ObjectDetailView):
    queryset = Case.objects.select_related("org", "submitted_by")
    template_name = "cases/case_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = ctx["object"]
        user = self.request.user
        rating = (
            CaseRating.objects.restrict(user, "view")
            .select_related("rated_by_org", "rated_by")
            .filter(case=case)
            .first()
        )
        committee_path = case.org.path[: case.org.steplen]
        ctx.update(
            rating=rating,
            awards=list(CaseAward.objects.restrict(user, "view").filter(case=case)),
            files=list(CaseFile.objects.restrict(user, "view").filter(case=case)),
            can_submit=ctx["can_change"] and case.status == CaseStatus.DRAFT,
            can_edit=ctx["can_change"] and rating is None,
            can_rate=case.is_submitted
            and holds(user, "cases.add_caserating", committee_path)
            and (rating is None or rating.allows(user, "change")),
            can_award=ctx["can_change"] and has_any_scope(user, CaseAward, "add"),
            can_upload=ctx["can_change"] and has_any_scope(user, CaseFile, "add"),
            upload_form=CaseFileForm(),
        )
        return ctx


class CaseEditView(ObjectEditView):
    queryset = Case.objects.select_related("org")
    form_class = CaseForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("cases:case_list")}

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.CASE_FIELDS}
        return services.save_case(self.request.user, instance if instance.pk else None, **fields)


class CaseDeleteView(ObjectDeleteView):
    queryset = Case.objects.select_related("org")
    success_url = "cases:case_list"

    def get_success_url(self, obj) -> str:
        return reverse("cases:case_list")

    def delete(self, obj) -> None:
        services.delete_case(self.request.user, obj)


class CaseSubmitView(ScopedViewMixin, View):
    """POST: 草稿 → 已提交."""

    queryset = Case.objects.select_related("org")
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        case = self.get_object()
        try:
            services.submit_case(request.user, case)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        else:
            messages.success(request, _("已提交，等待工委评定。"))
        return redirect(case.get_absolute_url())


class CaseRateView(ScopedViewMixin, TemplateView):
    """The 工委's 评定 of one case (a second visit changes the rating)."""

    queryset = CaseRating.objects.all()
    action = "add"
    template_name = "cases/case_rate.html"

    def _case(self) -> Case:
        return get_object_or_404(
            Case.objects.restrict(self.request.user, "view").select_related("org"),
            pk=self.kwargs["pk"],
        )

    def _refused(self, case: Case):
        """The unit's side (or anyone but the 工委 above the case): a 403 saying why."""
        existing = CaseRating.objects.filter(case=case).select_related("rated_by_org").first()
        committee = services.committee_of(case.org)
        may = committee is not None and holds(
            self.request.user, "cases.add_caserating", committee.path
        )
        if may and (existing is None or existing.allows(self.request.user, "change")):
            return None
        ctx = self.get_context_data(form=None, case=case, refused=services.ONLY_COMMITTEE)
        return self.render_to_response(ctx, status=403)

    def get(self, request, pk: int):
        case = self._case()
        refused = self._refused(case)
        if refused is not None:
            return refused
        existing = CaseRating.objects.filter(case=case).first()
        initial: dict[str, Any] = {"rated_on": services.today()}
        if existing is not None:
            initial = {
                "rating": existing.rating,
                "rated_on": existing.rated_on,
                "note": existing.note,
            }
        form = RatingForm(initial=initial)
        return self.render_to_response(self.get_context_data(form=form, case=case))

    def post(self, request, pk: int):
        case = self._case()
        refused = self._refused(case)
        if refused is not None:
            return refused
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                services.rate_case(request.user, case, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except OutOfScope:
                form.add_error(None, services.ONLY_COMMITTEE)
            else:
                messages.success(request, _("已评定。"))
                return redirect(case.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, case=case), status=400)


# --- files ----------------------------------------------------------------------------


class CaseFileUploadView(ScopedViewMixin, View):
    queryset = CaseFile.objects.all()
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        case = get_object_or_404(Case.objects.restrict(request.user, "change"), pk=pk)
        form = CaseFileForm(request.POST, request.FILES)
        if not form.is_valid():
            for message in form.errors.get("file", [_("请选择要上传的文件。")]):
                messages.error(request, str(message))
            return redirect(case.get_absolute_url())
        try:
            services.add_file(request.user, case, form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        else:
            messages.success(request, _("已上传附件。"))
        return redirect(case.get_absolute_url())


class CaseFileDownloadView(ScopedViewMixin, View):
    """Files only through here: in scope → the file, audited; otherwise 404."""

    queryset = CaseFile.objects.all()

    def get(self, request, pk: int):
        row = self.get_object()
        fh = row.open_stored()
        if fh is None:
            raise Http404(_("文件已不存在。"))
        emit("download", row)
        response = FileResponse(
            fh, as_attachment=True, filename=row.original_name, content_type=row.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CaseFileDeleteView(ScopedViewMixin, View):
    queryset = CaseFile.objects.select_related("case")
    action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        row = self.get_object()
        case = row.case
        services.delete_file(request.user, row)
        messages.success(request, _("已删除附件。"))
        return redirect(case.get_absolute_url())


# --- awards ---------------------------------------------------------------------------


class AwardListView(ObjectListView):
    queryset = CaseAward.objects.select_related("case", "case__org")
    table = CaseAwardTable
    filterset = CaseAwardFilterSet
    exporter = CaseAwardExporter()
    title = "案例获奖"


class AwardAddView(ScopedViewMixin, TemplateView):
    """Record an external award on one of the unit's own cases (pk = the case)."""

    queryset = CaseAward.objects.all()
    action = "add"
    template_name = "core/object_edit.html"

    def _case(self) -> Case:
        return get_object_or_404(
            Case.objects.restrict(self.request.user, "view").select_related("org"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, pk: int):
        case = self._case()
        form = AwardForm(user=request.user, initial={"year": case.year})
        return self.render_to_response(
            self.get_context_data(form=form, object=CaseAward(), cancel_url=case.get_absolute_url())
        )

    def post(self, request, pk: int):
        case = self._case()
        form = AwardForm(request.POST, user=request.user)
        if form.is_valid():
            fields = {f: form.cleaned_data.get(f) for f in services.AWARD_FIELDS}
            try:
                services.save_award(request.user, case, **fields)
            except ValidationError as exc:
                add_service_errors(form, exc, {"case": "案例"})
            except OutOfScope:
                form.add_error(None, services.NOT_YOURS)
            else:
                messages.success(request, _("已登记获奖。"))
                return redirect(case.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(
                form=form, object=CaseAward(), cancel_url=case.get_absolute_url()
            ),
            status=400,
        )


class AwardEditView(ObjectEditView):
    queryset = CaseAward.objects.select_related("case", "case__org")
    form_class = AwardForm
    error_labels = {"case": "案例"}

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.AWARD_FIELDS}
        return services.save_award(self.request.user, instance.case, instance, **fields)


class AwardDeleteView(ObjectDeleteView):
    queryset = CaseAward.objects.select_related("case")

    def get_success_url(self, obj) -> str:
        return reverse("cases:case_detail", args=[obj.case_id])


# --- brands ---------------------------------------------------------------------------


class BrandListView(ObjectListView):
    queryset = Brand.objects.all()
    table = BrandTable
    filterset = BrandFilterSet
    exporter = BrandExporter()
    title = "党建品牌（1+N）"

    def get_queryset(self):
        return brand_rows(super().get_queryset())

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("cases:brand_add")}


class BrandDetailView(ObjectDetailView):
    """A brand; for a unit brand its 1+N tree (the branch brands under it)."""

    queryset = Brand.objects.select_related("org", "parent", "parent__org")
    template_name = "cases/brand_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        brand = ctx["object"]
        unit_brand = brand if brand.parent_id is None else brand.parent
        visible = Brand.objects.restrict(self.request.user, "view")
        ctx["unit_brand"] = unit_brand if visible.filter(pk=unit_brand.pk).exists() else None
        ctx["branch_brands"] = list(
            visible.filter(parent=unit_brand).select_related("org").order_by("org__path")
        )
        ctx["can_add_branch"] = brand.parent_id is None and has_any_scope(
            self.request.user, Brand, "add"
        )
        return ctx


class BrandEditView(ObjectEditView):
    queryset = Brand.objects.select_related("org", "parent")
    form_class = BrandForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("cases:brand_list")}

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.BRAND_FIELDS}
        return services.save_brand(self.request.user, instance if instance.pk else None, **fields)


class BrandDeleteView(ObjectDeleteView):
    queryset = Brand.objects.select_related("org")

    def get_success_url(self, obj) -> str:
        return reverse("cases:brand_list")

    def delete(self, obj) -> None:
        services.delete_brand(self.request.user, obj)
