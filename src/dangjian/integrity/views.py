"""Pages of the 廉政风险 register: rounds and their coverage (the 工委), a unit's register for a
round with its risk points, measures and institutions (the unit), the lists and exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangjian.core.scoping import has_any_scope
from dangjian.core.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView

from . import coverage, services
from .exports import InstitutionExporter, MeasureExporter, RiskPointExporter
from .filtersets import (
    InstitutionFilterSet,
    MeasureFilterSet,
    RiskPointFilterSet,
    RiskReviewFilterSet,
    RiskSubmissionFilterSet,
)
from .forms import InstitutionForm, MeasureForm, ReviewForm, RiskPointForm
from .models import Institution, Measure, RiskPoint, RiskReview, RiskSubmission
from .tables import (
    InstitutionTable,
    MeasureTable,
    RiskPointTable,
    RiskReviewTable,
    RiskSubmissionTable,
)


def _can(user, obj, action: str) -> bool:
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


# --- rounds (the 工委) -------------------------------------------------------------------


class ReviewListView(ObjectListView):
    queryset = RiskReview.objects.select_related("org").annotate(
        n_units=Count("submissions"),
        n_submitted=Count("submissions", filter=Q(submissions__submitted_at__isnull=False)),
    )
    table = RiskReviewTable
    filterset = RiskReviewFilterSet
    title = "廉政风险排查"
    template_name = "integrity/review_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["add_url"] = reverse("integrity:review_add")
        # A unit's own registers, newest round first: where a unit admin starts.
        ctx["registers"] = list(
            RiskSubmission.objects.restrict(user, "change")
            .select_related("org", "review")
            .order_by("-review__year", "org__path")[:10]
        )
        return ctx


class ReviewDetailView(ObjectDetailView):
    """The round's coverage: units submitted and not, totals by level, the per-unit table."""

    queryset = RiskReview.objects.select_related("org", "warning_activity")
    template_name = "integrity/review_detail.html"

    def get_context_data(self, **kwargs):
        # Not ObjectDetailView's: its write checks are a query each, and a round has no
        # panels; the loaded row answers them (`allows`, no query).
        ctx = super(ObjectDetailView, self).get_context_data(**kwargs)
        user = self.request.user
        review = self.get_object()
        ctx.update(
            object=review,
            coverage=coverage.coverage(review, user),
            can_change=review.allows(user, "change"),
            can_delete=review.allows(user, "delete"),
        )
        return ctx


class ReviewEditView(ObjectEditView):
    queryset = RiskReview.objects.select_related("org")
    form_class = ReviewForm
    success_message = gettext_lazy("已保存排查。开启时已为所辖各单位建立本轮填报。")

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            today = services.today()
            initial = {
                "year": today.year,
                "title": f"{today.year}年度廉政风险排查",
                "opens_on": today,
            } | initial
        return initial

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.REVIEW_FIELDS}
        if instance.pk:
            fields["org"] = instance.org
        return services.save_review(self.request.user, instance, **fields)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("integrity:review_list")}


class ReviewDeleteView(ObjectDeleteView):
    queryset = RiskReview.objects.select_related("org")
    success_url = "/integrity/"

    def delete(self, obj) -> None:
        services.delete_review(self.request.user, obj)


# --- a unit's register -------------------------------------------------------------------


class SubmissionListView(ObjectListView):
    queryset = RiskSubmission.objects.select_related("org", "review")
    table = RiskSubmissionTable
    filterset = RiskSubmissionFilterSet
    title = "单位排查填报"


class SubmissionDetailView(ObjectDetailView):
    """The unit's register for the round: what it holds, what it still lacks, 提交."""

    queryset = RiskSubmission.objects.select_related("org", "review", "submitted_by")
    template_name = "integrity/submission_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sub = ctx["object"]
        user = self.request.user
        points = list(
            RiskPoint.objects.restrict(user, "view")
            .filter(submission=sub)
            .prefetch_related(
                Prefetch(
                    "measures",
                    queryset=Measure.objects.order_by("id").only("id", "description"),
                )
            )
            .order_by("code")
        )
        ctx.update(
            points=points,
            unmeasured=[p for p in points if not p.measures.all()],
            measure_count=Measure.objects.restrict(user, "view").filter(submission=sub).count(),
            institutions=list(
                Institution.objects.restrict(user, "view")
                .filter(submission=sub)
                .order_by("issued_on", "id")
            ),
            is_open=services.register_open(sub),
            can_delete=_can(user, sub, "delete"),
            import_names=("integrity-register", "integrity-institutions"),
            can_import=has_any_scope(user, RiskPoint, "add") and ctx["can_change"],
        )
        return ctx


class SubmissionSubmitView(ObjectDetailView):
    """POST: the unit hands its register in."""

    queryset = RiskSubmission.objects.select_related("org", "review")
    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        sub = self.get_object()
        try:
            services.submit(request.user, sub)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "已提交本单位的廉政风险排查填报。")
        return redirect(sub.get_absolute_url())


class SubmissionDeleteView(ObjectDeleteView):
    queryset = RiskSubmission.objects.select_related("org", "review")

    def get_success_url(self, obj) -> str:
        return reverse("integrity:review_detail", args=[obj.review_id])

    def delete(self, obj) -> None:
        services.delete_submission(self.request.user, obj)


# --- register rows -----------------------------------------------------------------------


class _RowEditView(ObjectEditView):
    """A register row's form: `?submission=<id>` names the register of a new row."""

    fields: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        if "submission" in initial:
            initial["submission_id"] = initial.pop("submission")
        return initial

    def row_fields(self, form, instance) -> dict:
        values = {f: form.cleaned_data.get(f) for f in self.fields if f != "submission"}
        values["submission"] = instance.submission if instance.pk else form.register()
        return values

    def get_success_url(self, obj) -> str:
        return obj.submission.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx.get("form")
        register = form.register() if form is not None else None
        ctx["cancel_url"] = (
            register.get_absolute_url() if register else reverse("integrity:review_list")
        )
        return ctx


class _RowDeleteView(ObjectDeleteView):
    def get_success_url(self, obj) -> str:
        return reverse("integrity:submission_detail", args=[obj.submission_id])


class PointListView(ObjectListView):
    queryset = RiskPoint.objects.select_related("submission__org", "submission__review")
    table = RiskPointTable
    filterset = RiskPointFilterSet
    exporter = RiskPointExporter()
    title = "廉政风险点"


class PointDetailView(ObjectDetailView):
    queryset = RiskPoint.objects.select_related("submission__org", "submission__review")
    template_name = "integrity/point_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["measures"] = list(
            Measure.objects.restrict(self.request.user, "view").filter(risk_points=ctx["object"])
        )
        ctx["can_delete"] = _can(self.request.user, ctx["object"], "delete")
        return ctx


class PointEditView(_RowEditView):
    queryset = RiskPoint.objects.select_related("submission__org", "submission__review")
    form_class = RiskPointForm
    fields = services.POINT_FIELDS

    def save(self, form, instance):
        return services.save_point(self.request.user, instance, **self.row_fields(form, instance))


class PointDeleteView(_RowDeleteView):
    queryset = RiskPoint.objects.select_related("submission__org", "submission__review")

    def delete(self, obj) -> None:
        services.delete_point(self.request.user, obj)


class MeasureListView(ObjectListView):
    queryset = Measure.objects.select_related(
        "submission__org", "submission__review"
    ).prefetch_related(Prefetch("risk_points", queryset=RiskPoint.objects.only("id", "code")))
    table = MeasureTable
    filterset = MeasureFilterSet
    exporter = MeasureExporter()
    title = "防控措施"


class MeasureDetailView(ObjectDetailView):
    queryset = Measure.objects.select_related("submission__org", "submission__review")
    template_name = "integrity/measure_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["points"] = list(
            RiskPoint.objects.restrict(self.request.user, "view")
            .filter(measures=ctx["object"])
            .order_by("code")
        )
        ctx["can_delete"] = _can(self.request.user, ctx["object"], "delete")
        return ctx


class MeasureEditView(_RowEditView):
    queryset = Measure.objects.select_related("submission__org", "submission__review")
    form_class = MeasureForm
    fields = services.MEASURE_FIELDS

    def save(self, form, instance):
        return services.save_measure(
            self.request.user,
            instance,
            list(form.cleaned_data.get("risk_points") or []),
            **self.row_fields(form, instance),
        )


class MeasureDeleteView(_RowDeleteView):
    queryset = Measure.objects.select_related("submission__org", "submission__review")

    def delete(self, obj) -> None:
        services.delete_measure(self.request.user, obj)


class InstitutionListView(ObjectListView):
    queryset = Institution.objects.select_related("submission__org", "submission__review")
    table = InstitutionTable
    filterset = InstitutionFilterSet
    exporter = InstitutionExporter()
    title = "廉政制度"


class InstitutionDetailView(ObjectDetailView):
    queryset = Institution.objects.select_related("submission__org", "submission__review")
    template_name = "integrity/institution_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_delete"] = _can(self.request.user, ctx["object"], "delete")
        return ctx


class InstitutionEditView(_RowEditView):
    queryset = Institution.objects.select_related("submission__org", "submission__review")
    form_class = InstitutionForm
    fields = services.INSTITUTION_FIELDS

    def save(self, form, instance):
        return services.save_institution(
            self.request.user, instance, **self.row_fields(form, instance)
        )


class InstitutionDeleteView(_RowDeleteView):
    queryset = Institution.objects.select_related("submission__org", "submission__review")

    def delete(self, obj) -> None:
        services.delete_institution(self.request.user, obj)
