"""Findings, the rectification board and pages, the negative list and the 巡前征询 profile."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dangjian.core.bounds import ID_MAX, parse_date, parse_int
from dangjian.core.scoping import has_any_scope
from dangjian.core.services import OutOfScope
from dangjian.core.views import ObjectDetailView, ObjectListView, ScopedViewMixin
from dangjian.orgs.models import Organization

from . import liaison, negative_list, services
from .filtersets import FindingFilterSet, RectificationFilterSet
from .forms import FindingForm, RectificationSubmitForm, RectificationVerifyForm, UploadForm
from .models import (
    UNANSWERED_STATUSES,
    Assessment,
    Campaign,
    CampaignType,
    Finding,
    Rectification,
    RectificationEvidence,
    RectificationStatus,
    overdue_q,
)
from .tables import FindingTable
from .views import add_errors, error_text
from .views_assessment import file_response

BOARD_LIMIT = 60  # cards per column; the count above the column is the full number


def can_answer(user: Any, rectification: Rectification) -> bool:
    """Still to answer, and `user` is on the answering side (`Rectification.write_sides`)."""
    return rectification.status in UNANSWERED_STATUSES and rectification.allows(user, "change")


# --- findings --------------------------------------------------------------------------------


class FindingListView(ObjectListView):
    queryset = Finding.objects.select_related("org", "campaign", "rectification").defer(
        "campaign__sampling_plan"
    )
    table = FindingTable
    filterset = FindingFilterSet
    title = _("问题清单")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("assessments:finding_add")}


class FindingCreateView(ScopedViewMixin, TemplateView):
    """A free-standing finding (e.g. 巡后反馈); findings from an item are raised on its page."""

    queryset = Finding.objects.all()
    action = "add"
    template_name = "core/object_edit.html"

    def get(self, request, *args, **kwargs):
        form = FindingForm(user=request.user, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = FindingForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.raise_finding(
                    request.user,
                    text=data["text"],
                    org=data["org"],
                    category=data["category"],
                    severity=data["severity"],
                    found_on=data["found_on"],
                    deadline=data["deadline"],
                )
            except (ValidationError, OutOfScope) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已登记问题并生成整改任务。"))
                return redirect(finding.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "object": Finding(),
            "cancel_url": reverse("assessments:finding_list"),
        }


class FindingDetailView(ObjectDetailView):
    queryset = Finding.objects.select_related(
        "org", "raised_by_org", "campaign", "assessment__target", "item", "created_by"
    )
    template_name = "assessments/finding_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rectification"] = (
            Rectification.objects.restrict(self.request.user, "view")
            .filter(finding=ctx["object"])
            .first()
        )
        return ctx


# --- rectifications ----------------------------------------------------------------------------


def overdue_first(qs):
    return qs.with_overdue().order_by("-is_overdue", "deadline", "pk")


class RectificationBoardView(ScopedViewMixin, TemplateView):
    """整改看板: a column per status, overdue cards first and marked (a fixed number of queries)."""

    queryset = Rectification.objects.all()
    template_name = "assessments/rectification_board.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        fs = RectificationFilterSet(
            self.request.GET or None,
            queryset=self.get_queryset(),
            request=self.request,
        )
        qs = fs.qs.select_related("finding", "org")
        totals = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
        columns = []
        for status in (
            RectificationStatus.OPEN,
            RectificationStatus.RETURNED,
            RectificationStatus.SUBMITTED,
            RectificationStatus.CLOSED,
        ):
            rows = qs.filter(status=status)
            if status == RectificationStatus.CLOSED:
                rows = rows.with_overdue().order_by("-closed_on", "-pk")
            else:
                rows = overdue_first(rows)
            columns.append(
                {
                    "status": status,
                    "label": status.label,
                    "total": totals.get(status, 0),
                    "cards": list(rows[:BOARD_LIMIT]),
                }
            )
        ctx.update(
            title=_("整改看板"),
            columns=columns,
            filterset=fs,
            today=timezone.localdate(),
            limit=BOARD_LIMIT,
            can_verify=has_any_scope(user, Rectification, "verify"),
        )
        return ctx


class RectificationDetailView(ObjectDetailView):
    queryset = Rectification.objects.select_related(
        "finding__raised_by_org",
        "finding__campaign",
        "finding__item",
        "finding__assessment",
        "org",
        "submitted_by",
        "verified_by",
    )
    template_name = "assessments/rectification_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r: Rectification = ctx["object"]
        user = self.request.user
        answer = can_answer(user, r)
        ctx.update(
            finding=r.finding,
            files=RectificationEvidence.objects.restrict(user, "view").filter(rectification=r),
            can_answer=answer,
            can_verify=r.status == RectificationStatus.SUBMITTED and services.can_verify(user, r),
            submit_form=RectificationSubmitForm(
                initial={"measures": r.measures, "evidence_text": r.evidence_text}
            ),
            verify_form=RectificationVerifyForm(),
            overdue=r.overdue_on(),
            title=_("整改：%(org)s") % {"org": r.org.name},
        )
        return ctx


class RectificationWriteView(ScopedViewMixin, View):
    queryset = Rectification.objects.select_related("finding__raised_by_org", "org")
    http_method_names = ["post"]


class RectificationSubmitView(RectificationWriteView):
    """The owner org reports what it did (measures, evidence text, files)."""

    action = "change"

    def post(self, request, pk: int):
        r = self.get_object()
        form = RectificationSubmitForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, str(message))
            return redirect(r.get_absolute_url())
        try:
            services.submit_rectification(
                request.user,
                r,
                measures=form.cleaned_data["measures"],
                evidence_text=form.cleaned_data["evidence_text"],
                files=request.FILES.getlist("files"),
            )
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已提交整改情况，等待审核销号。"))
        return redirect(r.get_absolute_url())


class RectificationVerifyView(RectificationWriteView):
    """The raising side: 销号 (accept) or 退回 (return with a note)."""

    def post(self, request, pk: int):
        r = self.get_object()
        if not services.can_verify(request.user, r):
            raise PermissionDenied(_("只有提出问题的组织可以审核销号。"))
        form = RectificationVerifyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择审核结论：销号或退回。"))
            return redirect(r.get_absolute_url())
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.verify_rectification(
                request.user, r, accept=accept, note=form.cleaned_data["note"]
            )
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已销号。") if accept else _("已退回整改。"))
        return redirect(r.get_absolute_url())


class RectificationFileUploadView(RectificationWriteView):
    action = "change"

    def post(self, request, pk: int):
        r = self.get_object()
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_rectification_file(request.user, r, form.cleaned_data["file"])
            except (ValidationError, OutOfScope) as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已上传整改材料。"))
        else:
            messages.error(request, _("请选择要上传的文件。"))
        return redirect(r.get_absolute_url())


class RectificationFileDownloadView(ScopedViewMixin, View):
    queryset = RectificationEvidence.objects.all()

    def get(self, request, pk: int):
        return file_response(self.get_object())


# --- negative list and liaison ---------------------------------------------------------------


def int_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = parse_int(raw, 1, ID_MAX)
    if value is None:
        raise Http404(_("参数 %(name)s 应为正整数。") % {"name": name})
    return value


class FindingAccessMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_scope(request.user, Finding, "view"):
            raise PermissionDenied(_("您没有查看问题的权限。"))
        return super().dispatch(request, *args, **kwargs)


# The page's default selection is the metric's (negative_list.DEFAULT_CAMPAIGN_TYPE).
ALL_TYPES = "all"


class NegativeListView(FindingAccessMixin, TemplateView):
    """负面清单 of a year or a campaign, with xlsx / docx export of the same rows.

    Without a campaign the page shows one campaign type, 抽查调阅 unless `?campaign_type=`
    says otherwise (`all`: every type, free-standing findings included); a chosen campaign
    brings its own type."""

    template_name = "assessments/negative_list.html"

    def selection(self) -> dict[str, Any]:
        user = self.request.user
        campaign_id = int_param(self.request, "campaign")
        year = int_param(self.request, "year")
        if campaign_id is None and year is None:
            year = timezone.localdate().year
        if year is not None and not 2000 <= year <= 2100:
            raise Http404(_("年度超出范围。"))
        campaign = None
        if campaign_id is not None:
            campaign = get_object_or_404(Campaign.objects.restrict(user, "view"), pk=campaign_id)
        raw_type = self.request.GET.get("campaign_type")
        if raw_type is None:
            campaign_type = "" if campaign else negative_list.DEFAULT_CAMPAIGN_TYPE.value
        elif raw_type in ("", ALL_TYPES):
            campaign_type = ""
        elif raw_type in CampaignType.values:
            campaign_type = raw_type
        else:
            raise Http404(_("督查类型不存在。"))
        if campaign is not None:
            campaign_type = ""  # the campaign's own type
        within_id = int_param(self.request, "within")
        within = None
        if within_id is not None:
            within = get_object_or_404(Organization.objects.restrict(user, "view"), pk=within_id)
        return {
            "year": year,
            "campaign": campaign,
            "campaign_type": campaign_type,
            "within": within,
        }

    def get(self, request, *args, **kwargs):
        sel = self.selection()
        nl = negative_list.build(
            request.user,
            year=sel["year"],
            campaign_id=sel["campaign"].pk if sel["campaign"] else None,
            campaign_type=sel["campaign_type"] or None,
            within=sel["within"],
        )
        fmt = request.GET.get("export", "")
        if fmt in ("xlsx", "docx"):
            data = negative_list.to_xlsx(nl) if fmt == "xlsx" else negative_list.to_docx(nl)
            return attachment(data, f"负面清单.{fmt}", fmt)
        ctx = self.get_context_data(nl=nl, **sel)
        ctx.update(
            title=_("负面清单"),
            years=list(range(timezone.localdate().year, 2017, -1)),
            campaigns=Campaign.objects.restrict(request.user, "view").order_by("-period_start")[
                :200
            ],
            campaign_types=CampaignType.choices,
            all_types=ALL_TYPES,
            metric_selection=sel["year"] is not None
            and sel["campaign"] is None
            and sel["campaign_type"] == negative_list.DEFAULT_CAMPAIGN_TYPE,
        )
        return self.render_to_response(ctx)


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def attachment(data: bytes, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def date_param(request, name: str, default: dt.date) -> dt.date:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    day = parse_date(raw)
    if day is None:
        raise Http404(_("日期格式不正确，请写作 2024-01-31。"))
    return day


class LiaisonProfileView(FindingAccessMixin, TemplateView):
    """巡前征询: a one-page profile of a unit's party-building records, and its docx."""

    template_name = "assessments/liaison_profile.html"

    def get(self, request, pk: int):
        unit = get_object_or_404(Organization.objects.restrict(request.user, "view"), pk=pk)
        today = timezone.localdate()
        start = date_param(request, "start", today.replace(year=today.year - 1, day=1))
        end = date_param(request, "end", today)
        profile = liaison.unit_profile(request.user, unit, start, end)
        if request.GET.get("export") == "docx":
            return attachment(liaison.profile_docx(profile), f"巡前征询-{unit.name}.docx", "docx")
        return self.render_to_response(
            self.get_context_data(
                unit=unit,
                start=start,
                end=end,
                profile=profile,
                title=_("巡前征询：%(name)s") % {"name": unit.name},
            )
        )


PANEL_LIMIT = 8


class OrgPanelView(LoginRequiredMixin, TemplateView):
    """The org page's 督查考评 panel (loaded by htmx): a fixed number of queries."""

    template_name = "assessments/_org_panel.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        if not (has_any_scope(user, Assessment, "view") or has_any_scope(user, Finding, "view")):
            raise PermissionDenied(_("您没有查看督查考评的权限。"))
        org = get_object_or_404(Organization.objects.restrict(user, "view"), pk=kwargs["pk"])
        findings = Finding.objects.restrict(user, "view").within(org)
        assessments = Assessment.objects.restrict(user, "view").within(org)
        open_rect = (
            Rectification.objects.restrict(user, "view")
            .within(org)
            .exclude(status=RectificationStatus.CLOSED)
        )
        totals = open_rect.aggregate(n=Count("pk"), overdue=Count("pk", filter=overdue_q()))
        ctx.update(
            visible=True,
            org=org,
            limit=PANEL_LIMIT,
            # A unit's page lists the checks of its branches and groups too (as findings do).
            assessments=list(
                assessments.select_related("campaign", "target")
                .defer("campaign__sampling_plan")
                .order_by("-campaign__period_start", "target__path", "-pk")[:PANEL_LIMIT]
            ),
            assessment_total=assessments.count(),
            findings=list(findings.order_by("-found_on", "-pk")[:PANEL_LIMIT]),
            finding_total=findings.count(),
            rectifications=list(overdue_first(open_rect.select_related("finding"))[:PANEL_LIMIT]),
            open_total=totals["n"],
            overdue_total=totals["overdue"],
            can_liaison=org.kind == "unit_party",
        )
        return ctx
