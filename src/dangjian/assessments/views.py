"""Pages of 督查考评: frameworks, campaigns (list, create, detail with the ratings chart,
release, status) and the sampling plan. Assessment pages live in `views_assessment.py`,
findings, rectifications, the negative list and the liaison profile in `views_findings.py`.

Every query goes through `restrict`; every write through `campaigns` / `services`, whose
Chinese ValidationError messages are shown as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from dangjian.core.bounds import parse_id
from dangjian.core.forms import add_service_errors
from dangjian.core.scoping import has_any_scope
from dangjian.core.services import OutOfScope
from dangjian.core.views import ObjectDetailView, ObjectListView, ScopedViewMixin
from dangjian.dues import audit as dues_audit
from dangjian.rules.loader import get_library

from . import campaigns, frameworks, sampling, services
from .filtersets import AssessmentFilterSet, CampaignFilterSet
from .forms import AddTargetsForm, CampaignForm, FrameworkImportForm, RedrawForm
from .models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    Finding,
    Framework,
    ItemResult,
    Method,
    ResultValue,
)
from .tables import AssessmentTable, CampaignTable, FrameworkTable


def finding_count() -> Coalesce:
    """Findings of each assessment as a correlated subquery: a GROUP BY over every
    assessment before the page is cut took 0.5 s for the city's targets list."""
    per_assessment = (
        Finding.objects.filter(assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(per_assessment, output_field=IntegerField()), Value(0))


def error_text(exc: ValidationError | OutOfScope) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("您没有执行此操作的权限。")


def add_errors(form: Any, exc: ValidationError | OutOfScope) -> None:
    """Put a service's error on the form (core.forms.add_service_errors), a refusal on top."""
    if isinstance(exc, OutOfScope):
        form.add_error(None, error_text(exc))
    else:
        add_service_errors(form, exc)


# --- frameworks (shared reference data: any holder of view_framework reads them) ----------


class FrameworkMixin(ScopedViewMixin):
    queryset = Framework.objects.all()

    def get_queryset(self):
        return self.queryset.all()


class FrameworkListView(FrameworkMixin, ObjectListView):
    queryset = Framework.objects.annotate(
        n_items=Count("items", filter=~Q(items__kind="section"), distinct=True),
        n_campaigns=Count("campaigns", distinct=True),
    )
    table = FrameworkTable
    title = _("考评模板")
    template_name = "assessments/framework_list.html"

    def get_queryset(self):
        qs = super().get_queryset()
        return qs if self.request.GET.get("all") == "1" else qs.filter(is_current=True)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "add_url": reverse("assessments:framework_import"),
            "show_all": self.request.GET.get("all") == "1",
        }


class FrameworkDetailView(FrameworkMixin, TemplateView):
    template_name = "assessments/framework_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fw: Framework = self.get_object()
        items = list(fw.items.order_by("order"))
        methods = dict(Method.choices)
        library = get_library()
        for item in items:
            item.method_labels = [methods.get(m, m) for m in item.methods]
            # A rule by its title, never its id (issue 9: plain language).
            item.rule_title = library.get(item.rule_id).title if item.rule_id in library else ""
            source = dues_audit.SOURCES.get(item.evidence_source)
            item.source_label = source[0] if source else ""
        ctx.update(
            object=fw,
            items=items,
            versions=Framework.objects.filter(code=fw.code)
            .annotate(n_campaigns=Count("campaigns"))
            .order_by("-version"),
            max_total=sum((i.max_score or 0) for i in items if i.kind == "score"),
            can_import=has_any_scope(self.request.user, Framework, "add"),
        )
        return ctx


class FrameworkYamlView(FrameworkMixin, View):
    def get(self, request, pk: int):
        fw = self.get_object()
        response = HttpResponse(
            frameworks.framework_yaml(fw), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{fw.code}-v{fw.version}.yaml"'
        return response


class FrameworkImportView(FrameworkMixin, TemplateView):
    """Upload or paste a YAML file: a new framework, or a new version of an existing code."""

    action = "add"
    template_name = "assessments/framework_import.html"

    def get(self, request, *args, **kwargs):
        initial = {}
        if (base := parse_id(request.GET.get("from"))) is not None:
            fw = get_object_or_404(Framework, pk=base)
            initial["text"] = frameworks.framework_yaml(fw)
        return self.render_to_response(
            self.get_context_data(form=FrameworkImportForm(initial=initial))
        )

    def post(self, request, *args, **kwargs):
        form = FrameworkImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                fw = frameworks.import_framework(request.user, data["text"], data["filename"])
            except (ValidationError, OutOfScope) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已导入考评模板“%(name)s”。") % {"name": fw})
                return redirect(fw.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": _("导入考评模板")}


# --- campaigns -------------------------------------------------------------------------------


class CampaignListView(ObjectListView):
    queryset = (
        Campaign.objects.select_related("scope_org")
        .defer("sampling_plan")  # the drawn list: large, and grouped by on SQLite
        .annotate(
            n_targets=Count("assessments"),
            n_done=Count("assessments", filter=Q(assessments__status=AssessmentStatus.DONE)),
        )
        .order_by("-period_start", "-pk")
    )
    table = CampaignTable
    filterset = CampaignFilterSet
    title = _("督查活动")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("assessments:campaign_add")}


class CampaignCreateView(ScopedViewMixin, TemplateView):
    queryset = Campaign.objects.all()
    action = "add"
    template_name = "assessments/campaign_form.html"

    def get(self, request, *args, **kwargs):
        form = CampaignForm(user=request.user, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                campaign = campaigns.create_campaign(request.user, **form.service_kwargs())
            except (ValidationError, OutOfScope) as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已创建督查活动，共 %(n)s 个检查对象。")
                    % {"n": campaign.assessments.count()},
                )
                return redirect(campaign.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": _("新建督查活动")}


def rating_chart(rows: list[dict[str, Any]], order: list[str]) -> dict[str, Any] | None:
    """ECharts bar option: how many targets got each rating (or, unrated, each score band)."""
    ratings = Counter(r["rating"] for r in rows if r["rating"])
    if ratings:
        labels = [o for o in order if o in ratings] + sorted(set(ratings) - set(order))
        values = [ratings[label] for label in labels]
        axis = _("评定等次")
    else:
        scores = [r["total_score"] for r in rows if r["total_score"] is not None]
        if not scores:
            return None
        bands = Counter(min(int(s) // 10, 9) for s in scores)
        labels = [f"{b * 10}–{b * 10 + 9}" if b < 9 else "90 以上" for b in range(10)]
        values = [bands.get(b, 0) for b in range(10)]
        axis = _("得分")
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 24, "top": 24, "bottom": 48},
        "xAxis": {
            "type": "category",
            "data": labels,
            "name": axis,
            "nameLocation": "middle",
            "nameGap": 32,
        },
        "yAxis": {"type": "value", "minInterval": 1, "name": _("个数")},
        "series": [
            {
                "type": "bar",
                "data": values,
                "itemStyle": {"color": "#b71c1c"},
                "label": {"show": True, "position": "top"},
            }
        ],
    }


def framework_rating_order(fw: Framework) -> list[str]:
    # A framework may name the same labels in its quota shares and its bands (五星 …):
    # each label once, or the chart shows every bar twice.
    labels = [b.get("label", "") for b in (fw.quota_shares or []) + (fw.rating_bands or [])]
    return list(dict.fromkeys(label for label in labels if label))


def result_chart(counts: dict[str, int]) -> dict[str, Any] | None:
    """For a checklist without scores or ratings: how many item results of each kind."""
    if not any(counts.values()):
        return None
    labels = [str(label) for value, label in ResultValue.choices]
    values = [counts.get(value, 0) for value, _label in ResultValue.choices]
    colors = ["#2fb344", "#f59f00", "#d63939", "#9aa0ac"]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 56, "right": 24, "top": 24, "bottom": 48},
        "xAxis": {
            "type": "category",
            "data": labels,
            "name": _("检查结果"),
            "nameLocation": "middle",
            "nameGap": 32,
        },
        "yAxis": {"type": "value", "minInterval": 1, "name": _("条目数")},
        "series": [
            {
                "type": "bar",
                "data": [
                    {"value": v, "itemStyle": {"color": c}}
                    for v, c in zip(values, colors, strict=True)
                ],
                "label": {"show": True, "position": "top"},
            }
        ],
    }


class CampaignDetailView(ObjectDetailView):
    queryset = Campaign.objects.select_related("scope_org", "framework", "created_by")
    template_name = "assessments/campaign_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaign: Campaign = ctx["object"]
        user = self.request.user
        visible = Assessment.objects.restrict(user, "view").filter(campaign=campaign)
        fs = AssessmentFilterSet(self.request.GET or None, queryset=visible, request=self.request)
        targets = (
            fs.qs.select_related("target", "unit_org")
            .annotate(n_findings=finding_count())
            .order_by("target__path")
        )
        counts = dict.fromkeys(AssessmentStatus.values, 0)
        for row in visible.values("status").annotate(n=Count("pk")):
            counts[row["status"]] = row["n"]
        total = sum(counts.values())
        scores = list(visible.values("rating", "total_score", "passed"))
        # Columns no target has a value in (a checklist has no score or rating) are noise.
        empty = tuple(
            column
            for column, key in (
                ("total_score", "total_score"),
                ("rating", "rating"),
                ("passed", "passed"),
            )
            if all(r[key] in (None, "") for r in scores)
        )
        table = AssessmentTable(targets, request=self.request, exclude=("campaign", *empty))
        RequestConfig(self.request, paginate={"per_page": 100}).configure(table)
        chart = rating_chart(scores, framework_rating_order(campaign.framework))
        chart_title = _("评定等次分布") if any(r["rating"] for r in scores) else _("得分分布")
        if chart is None:
            results = (
                ItemResult.objects.restrict(user, "view")
                .filter(assessment__campaign=campaign)
                .exclude(result="")
                .values("result")
                .annotate(n=Count("pk"))
            )
            chart = result_chart({r["result"]: r["n"] for r in results})
            chart_title = _("检查结果分布（按条目）")
        ctx.update(
            table=table,
            filterset=fs,
            counts=[(AssessmentStatus(k).label, k, n) for k, n in counts.items()],
            total=total,
            done_percent=round(100 * counts[AssessmentStatus.DONE] / total) if total else 0,
            chart=chart,
            chart_title=chart_title,
            status_choices=CampaignStatus.choices,
            has_quota=bool(campaign.framework.quota_shares),
            findings=campaign.findings.count() if ctx["can_change"] else None,
        )
        return ctx


class CampaignActionView(ScopedViewMixin, View):
    """POST-only actions on a campaign the user may change."""

    queryset = Campaign.objects.all()
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        campaign = self.get_object()
        try:
            message = self.perform(request, campaign)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, message)
        return redirect(self.next_url(campaign))

    def next_url(self, campaign: Campaign) -> str:
        return campaign.get_absolute_url()

    def perform(self, request, campaign: Campaign) -> str:
        raise NotImplementedError


class CampaignReleaseView(CampaignActionView):
    def perform(self, request, campaign):
        released = request.POST.get("released") == "1"
        campaigns.release_results(request.user, campaign, released=released)
        return (
            _("已向被检查组织公开检查结果。") if released else _("已停止向被检查组织公开检查结果。")
        )


class CampaignStatusView(CampaignActionView):
    def perform(self, request, campaign):
        status = request.POST.get("status", "")
        if status not in CampaignStatus.values:
            raise ValidationError(_("请选择有效的状态。"))
        campaigns.update_campaign(request.user, campaign, status=status)
        return _("已将督查活动状态改为“%(s)s”。") % {"s": CampaignStatus(status).label}


class QuotaRatingView(CampaignActionView):
    def perform(self, request, campaign):
        n = services.apply_quota_ratings(request.user, campaign.pk)
        return _("已按比例评定 %(n)s 个检查对象的等次。") % {"n": n}


class RedrawView(CampaignActionView):
    def next_url(self, campaign):
        return reverse("assessments:sampling", args=[campaign.pk])

    def perform(self, request, campaign):
        form = RedrawForm(request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        data = form.cleaned_data
        campaigns.redraw(
            request.user,
            campaign,
            seed=data["seed"],
            size=data["size"],
            ratio=data["ratio"],
            reason=data["reason"],
        )
        return _("已重新抽取样本，原因已记入审计日志。")


class AddTargetsView(ScopedViewMixin, TemplateView):
    """增加检查对象 by hand: a picker of the orgs that may still be added (campaigns.add_targets
    checks scope, kind and duplicates again and says what is wrong in Chinese)."""

    queryset = Campaign.objects.select_related("scope_org")
    action = "change"
    template_name = "assessments/campaign_add_targets.html"

    def get(self, request, *args, **kwargs):
        campaign = self.get_object()
        form = AddTargetsForm(user=request.user, campaign=campaign)
        return self.render_to_response(self.get_context_data(form=form, object=campaign))

    def post(self, request, *args, **kwargs):
        campaign = self.get_object()
        form = AddTargetsForm(request.POST, user=request.user, campaign=campaign)
        if form.is_valid():
            try:
                created = campaigns.add_targets(
                    request.user, campaign, form.cleaned_data["targets"]
                )
            except (ValidationError, OutOfScope) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已增加 %(n)s 个检查对象。") % {"n": len(created)})
                return redirect(campaign.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, object=campaign))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaign = ctx["object"]
        ctx["title"] = _("增加检查对象：%(name)s") % {"name": campaign.name}
        ctx["n_targets"] = campaign.assessments.count()
        return ctx


class SamplingView(ObjectDetailView):
    """The saved sampling plan: population, strata, seed, who was drawn. Printable."""

    queryset = Campaign.objects.select_related("scope_org", "framework")
    template_name = "assessments/sampling.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaign: Campaign = ctx["object"]
        drawn = (
            Assessment.objects.restrict(self.request.user, "view")
            .filter(campaign=campaign)
            .select_related("target", "unit_org")
            .order_by("unit_org__path", "target__path")
        )
        rows = sampling.plan_rows(campaign.sampling_plan or {})
        ctx.update(
            summary=rows["summary"],
            strata_header=rows["strata"][:1],
            strata=rows["strata"][1:],
            drawn=drawn,
            redraw_form=RedrawForm(
                initial={"size": campaign.sample_size, "ratio": campaign.sample_ratio}
            ),
            can_redraw=ctx["can_change"] and campaign.selection == "sample",
            title=_("抽样方案：%(name)s") % {"name": campaign.name},
        )
        return ctx


class AssessmentListView(ObjectListView):
    """Every assessment the user may see: their campaigns' targets, and their own released results."""

    queryset = (
        Assessment.objects.select_related("target", "unit_org", "campaign")
        # Sorting ~3 000 rows that each carry their campaign's sampling plan (the list of
        # every drawn target) took ~90 ms of the city's list; the table never shows it.
        .defer("campaign__sampling_plan")
        .annotate(n_findings=finding_count())
        .order_by("-campaign__period_start", "campaign_id", "target__path")
    )
    table = AssessmentTable
    filterset = AssessmentFilterSet
    title = _("检查对象")
    per_page = 100
