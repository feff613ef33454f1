"""The assessment page: one target, every item of the framework in one keyboard-friendly
table, autosaved row by row through `services.save_results`.

The page works without JavaScript (one form, 保存 posts every row); `assessment_form.js`
adds autosave, number keys 1–4 for the result, `a` to accept the 自动取证 suggestion and
the one-click 提出问题 on nonconforming rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dangjian.core import services as core_services
from dangjian.core.bounds import parse_id
from dangjian.core.services import OutOfScope
from dangjian.core.views import ObjectDetailView, ScopedViewMixin

from . import evidence, services
from .forms import AssessmentInfoForm, UploadForm
from .models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    Finding,
    FrameworkItem,
    ItemKind,
    ItemResult,
    Method,
    ResultValue,
)
from .views import error_text

RESULT_KEYS = {  # number key → result, in the order the assessor reads them
    "1": ResultValue.CONFORMING,
    "2": ResultValue.PARTIAL,
    "3": ResultValue.NONCONFORMING,
    "4": ResultValue.NOT_APPLICABLE,
}

# The status buttons of each status (services.TRANSITIONS decides what is allowed).
STATUS_ACTIONS = {
    AssessmentStatus.PLANNED: [(AssessmentStatus.IN_PROGRESS, gettext_lazy("开始检查"))],
    AssessmentStatus.IN_PROGRESS: [(AssessmentStatus.IN_REVIEW, gettext_lazy("提交审核"))],
    AssessmentStatus.IN_REVIEW: [
        (AssessmentStatus.DONE, gettext_lazy("完成")),
        (AssessmentStatus.IN_PROGRESS, gettext_lazy("退回修改")),
    ],
    AssessmentStatus.DONE: [(AssessmentStatus.IN_PROGRESS, gettext_lazy("重新打开"))],
}


def status_answer(request: Any, assessment: Assessment, **extra: Any) -> JsonResponse:
    """What the page needs after autosave or a status change to show the new status without
    a reload: the label, whether it is locked, the totals and the re-rendered buttons."""
    actions = STATUS_ACTIONS.get(AssessmentStatus(assessment.status), [])
    html = render_to_string(
        "assessments/_status_actions.html",
        {"object": assessment, "status_actions": actions},
        request=request,
    )
    return JsonResponse(
        {
            "ok": True,
            "status": assessment.status,
            "status_label": assessment.get_status_display(),
            "locked": assessment.is_locked,
            "total_score": None if assessment.total_score is None else str(assessment.total_score),
            "rating": assessment.rating,
            "actions_html": html,
            **extra,
        }
    )


def result_choices(item: FrameworkItem) -> list[tuple[str, Any]]:
    if item.kind == ItemKind.PASS_FAIL:
        return [(v, label) for v, label in ResultValue.choices if v != ResultValue.PARTIAL]
    return list(ResultValue.choices)


@dataclass
class MethodToggle:
    """One of 听/看/查/问/评 on a row: `planned` when the item lists it (shown outlined as a
    hint), `checked` only when the assessor recorded it as actually used."""

    code: str
    label: str
    planned: bool
    checked: bool


@dataclass
class Row:
    item: FrameworkItem
    result: ItemResult | None
    suggestion: Any = None
    finding: int | None = None  # the item's finding (one per item of a check)
    choices: list[tuple[str, Any]] = field(default_factory=list)
    method_labels: list[str] = field(default_factory=list)
    methods: list[MethodToggle] = field(default_factory=list)

    @property
    def value(self) -> str:
        return self.result.result if self.result else ""

    @property
    def is_nonconforming(self) -> bool:
        return self.value == ResultValue.NONCONFORMING

    @property
    def used_methods(self) -> list[str]:
        """The methods the assessor recorded, as words (what a reader of the results sees)."""
        return [m.label for m in self.methods if m.checked]

    @property
    def suggestion_label(self) -> str:
        result = getattr(self.suggestion, "result", "")
        return str(ResultValue(result).label) if result in ResultValue.values else ""


def assessment_rows(user: Any, assessment: Assessment) -> list[Row]:
    """The table: every framework item with its saved result, suggestion and finding (4 queries)."""
    items = list(FrameworkItem.objects.filter(framework_id=assessment.campaign.framework_id))
    items.sort(key=lambda i: i.order)
    saved = {
        r.item_id: r
        for r in ItemResult.objects.restrict(user, "view").filter(assessment=assessment)
    }
    found = dict(
        Finding.objects.restrict(user, "view")
        .filter(assessment=assessment, item__isnull=False)
        .values_list("item_id", "pk")
    )
    hints = (
        evidence.suggestions(assessment)
        if any(i.rule_id or i.evidence_source for i in items)
        else {}
    )
    labels = dict(Method.choices)
    rows = []
    for i in items:
        result = saved.get(i.pk)
        used = set(result.methods if result else [])
        rows.append(
            Row(
                item=i,
                result=result,
                suggestion=hints.get(i.pk),
                finding=found.get(i.pk),
                choices=result_choices(i),
                method_labels=[labels.get(m, m) for m in i.methods],
                methods=[
                    MethodToggle(code, str(label), code in i.methods, code in used)
                    for code, label in Method.choices
                ],
            )
        )
    return rows


class AssessmentDetailView(ObjectDetailView):
    queryset = Assessment.objects.select_related(
        "campaign__framework", "campaign__scope_org", "target", "unit_org"
    )
    template_name = "assessments/assessment_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a: Assessment = ctx["object"]
        user = self.request.user
        # Only the campaign owner's side assesses; a target org that can see its released
        # results reads them.
        can_assess = services.can_assess(user, a)
        can_edit = can_assess and not a.is_locked
        assessors = list(a.assessors.order_by("username"))
        ctx.update(
            rows=assessment_rows(user, a),
            can_edit=can_edit,
            can_assess=can_assess,
            # the same rules the services apply (`write_sides`): the campaign's side raises
            # findings from this check and uploads its evidence
            can_raise=Finding(raised_by_org=a.campaign.scope_org).allows(user, "add"),
            status_actions=STATUS_ACTIONS.get(a.status, []) if can_assess else [],
            files=EvidenceFile.objects.restrict(user, "view")
            .filter(assessment=a)
            .select_related("item_result__item"),
            can_upload=can_edit and EvidenceFile(assessment=a).allows(user, "add"),
            upload_form=UploadForm(),
            assessors=assessors,
            info_form=AssessmentInfoForm(
                campaign=a.campaign if can_edit else None,
                initial={
                    "assessed_on": a.assessed_on,
                    "assessors": [u.pk for u in assessors],
                    "assessor_names": a.assessor_names,
                    "has_innovation": a.has_innovation,
                    "summary": a.summary,
                },
            ),
            result_keys=[(k, v.label) for k, v in RESULT_KEYS.items()],
            title=str(a.target),
        )
        return ctx


class AssessmentWriteView(ScopedViewMixin, View):
    """POST-only, on an assessment the user may change (else 404)."""

    queryset = Assessment.objects.select_related("campaign__scope_org")
    action = "change"
    http_method_names = ["post"]

    def wants_json(self) -> bool:
        return (self.request.content_type or "").startswith("application/json") or (
            "application/json" in self.request.headers.get("Accept", "")
        )


def form_rows(post: Any) -> list[dict[str, Any]]:
    """Rows of the plain (no JavaScript) form: result-<item>, score-<item>, note-<item> and
    the checked methods-<item>. The form always sends an empty methods-<item> beside the
    checkboxes, so "none checked" clears the methods while a post without the field (an
    older page, a hand-made request) keeps the saved ones."""
    rows = []
    for key in post:
        if not key.startswith("result-"):
            continue
        item = key.removeprefix("result-")
        row = {
            "item": parse_id(item) or item,
            "result": post.get(key, ""),
            "score": post.get(f"score-{item}", "") or None,
            "note": post.get(f"note-{item}", ""),
        }
        if f"methods-{item}" in post:
            row["methods"] = [m for m in post.getlist(f"methods-{item}") if m]
        rows.append(row)
    return rows


def json_rows(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise ValidationError(_("提交的数据格式不正确，请刷新页面后重试。")) from exc
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError(_("提交的数据格式不正确，请刷新页面后重试。"))
    for row in rows:
        if row.get("score") == "":
            row["score"] = None
    return rows


class ResultsSaveView(AssessmentWriteView):
    """Autosave endpoint (JSON rows → JSON answer) and the plain form's 保存."""

    def post(self, request, pk: int):
        assessment = self.get_object()
        as_json = self.wants_json()
        try:
            rows = json_rows(request.body) if as_json else form_rows(request.POST)
            assessment = services.save_results(request.user, assessment, rows)
        except (ValidationError, OutOfScope) as exc:
            if as_json:
                code = 403 if isinstance(exc, OutOfScope) else 400
                return JsonResponse({"ok": False, "error": error_text(exc)}, status=code)
            messages.error(request, error_text(exc))
            return redirect(assessment.get_absolute_url())
        if as_json:
            return status_answer(
                request, assessment, saved_at=timezone.localtime().strftime("%H:%M:%S")
            )
        messages.success(request, _("已保存检查结果。"))
        return redirect(assessment.get_absolute_url())


class AssessmentStatusView(AssessmentWriteView):
    def post(self, request, pk: int):
        assessment = self.get_object()
        status = request.POST.get("status", "")
        as_json = self.wants_json()
        try:
            if status not in AssessmentStatus.values:
                raise ValidationError(_("请选择有效的状态。"))
            services.set_status(request.user, assessment, status)
        except (ValidationError, OutOfScope) as exc:
            if as_json:
                code = 403 if isinstance(exc, OutOfScope) else 400
                return JsonResponse({"ok": False, "error": error_text(exc)}, status=code)
            messages.error(request, error_text(exc))
        else:
            message = _("检查状态已改为“%(s)s”。") % {"s": AssessmentStatus(status).label}
            if as_json:
                return status_answer(request, assessment, message=message)
            messages.success(request, message)
        return redirect(assessment.get_absolute_url())


class AssessmentInfoView(AssessmentWriteView):
    def post(self, request, pk: int):
        assessment = self.get_object()
        form = AssessmentInfoForm(request.POST, campaign=assessment.campaign)
        if not form.is_valid():
            problems = [str(e) for errors in form.errors.values() for e in errors]
            messages.error(request, _("基本信息填写有误：") + "；".join(problems))
            return redirect(assessment.get_absolute_url())
        try:
            services.update_assessment(request.user, assessment, **form.cleaned_data)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已保存基本信息。"))
        return redirect(assessment.get_absolute_url())


NO_PROBLEM_TEXT = gettext_lazy(
    "请先在本条的“说明”中写明发现的问题（如“3月、7月支委会无会议记录”），再提出问题。"
)


class RaiseFindingView(AssessmentWriteView):
    """提出问题 from one item in one click: the problem is the assessor's note on the item
    (the standard stays the item's, shown beside it), the category the item's.

    htmx swaps the row's finding cell: the button becomes a "查看问题" link. Once per item
    (services.FindingExists): a second click — a stale page, another tab — opens the
    existing finding. Without JavaScript the button posts the form and the page reloads."""

    def post(self, request, pk: int):
        assessment = self.get_object()
        item = get_object_or_404(
            FrameworkItem,
            pk=parse_id(request.POST.get("item")) or 0,
            framework_id=assessment.campaign.framework_id,
        )
        htmx = request.headers.get("HX-Request") == "true"
        note = (
            ItemResult.objects.filter(assessment=assessment, item=item)
            .values_list("note", flat=True)
            .first()
            or ""
        )
        text = (request.POST.get("text") or note).strip()
        try:
            if not text:
                raise ValidationError({"text": [NO_PROBLEM_TEXT]})
            finding = services.raise_finding(
                request.user,
                text=text,
                assessment=assessment,
                item=item,
                category=request.POST.get("category") or item.category,
                severity=request.POST.get("severity") or "general",
            )
        except services.FindingExists as exc:
            url = reverse("assessments:finding_detail", args=[exc.finding_id])
            messages.info(request, _("该条目在本次检查中已提出过问题，这是原问题。"))
            if htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        except (ValidationError, OutOfScope) as exc:
            if htmx:
                return finding_cell(request, assessment, item, error=error_text(exc))
            messages.error(request, error_text(exc))
            return redirect(assessment.get_absolute_url())
        if htmx:
            return finding_cell(request, assessment, item, finding=finding.pk)
        messages.success(request, _("已提出问题并生成整改任务。"))
        return redirect(assessment.get_absolute_url())


def finding_cell(
    request: Any, assessment: Assessment, item: FrameworkItem, *, finding=None, error=""
) -> HttpResponse:
    """The row's 问题 cell: the link to its finding, or the button (with the refusal)."""
    html = render_to_string(
        "assessments/_finding_cell.html",
        {
            "object": assessment,
            "item": item,
            "finding": finding,
            "error": error,
            "can_raise": True,
            "nonconforming": True,
        },
        request=request,
    )
    return HttpResponse(html)


class EvidenceUploadView(AssessmentWriteView):
    def post(self, request, pk: int):
        assessment = self.get_object()
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for message in form.errors.get("file", [_("请选择要上传的文件。")]):
                messages.error(request, str(message))
            return redirect(assessment.get_absolute_url())
        raw_item = request.POST.get("item", "")
        try:
            services.add_evidence_file(
                request.user,
                assessment,
                form.cleaned_data["file"],
                item_id=parse_id(raw_item),
            )
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已上传检查材料。"))
        return redirect(assessment.get_absolute_url())


def file_response(obj: Any) -> FileResponse:
    """A stored file as a download (only through the permission-checked views)."""
    fh = obj.open_stored()
    if fh is None:
        raise Http404(_("文件已不存在。"))
    core_services.emit("download", obj)
    response = FileResponse(
        fh, as_attachment=True, filename=obj.original_name, content_type=obj.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class EvidenceDownloadView(ScopedViewMixin, View):
    queryset = EvidenceFile.objects.all()

    def get(self, request, pk: int):
        return file_response(self.get_object())
