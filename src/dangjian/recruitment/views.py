"""发展党员 pages: the pipeline of a branch / unit / city, the 纪实 page of one person with
the next step's form, adding and closing applicants, the yearly figures per unit, and the
纪实表 downloads. Reads go through restrict(); writes through recruitment.services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from dangjian.activities.full_members import full_members_on
from dangjian.activities.membership import committee_member_ids
from dangjian.core import bounds
from dangjian.core.forms import add_service_errors
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import has_any_scope, holds
from dangjian.core.services import OutOfScope, emit
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization, Unit

from . import exports, plans, services, tables
from . import imports as _imports
from .forms import ApplicantForm, CloseForm, ExtendForm, PoolForm, StepForm
from .models import (
    STEP_GROUPS,
    VOTE_STEPS,
    Applicant,
    ApplicationFormPool,
    RecruitmentStep,
    Stage,
    Step,
    StepAttachment,
    StepPerson,
)

NOT_FOUND = "未找到。"
OUT_OF_SCOPE = "该申请人不在您的管辖范围内，已取消保存。"


def _within(request) -> Organization | None:
    """The org a page is narrowed to (?within=), one the user may view; 404 otherwise."""
    raw = request.GET.get("within", "").strip()
    if not raw:
        return None
    pk = bounds.parse_id(raw)
    if pk is None:
        raise Http404("未找到该党组织。")
    return get_object_or_404(Organization.objects.restrict(request.user, "view"), pk=pk)


class PipelineView(ScopedViewMixin, TemplateView):
    """People per stage, who is due or overdue, and the list with each one's next step."""

    queryset = Applicant.objects.all()
    template_name = "recruitment/pipeline.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        within = _within(self.request)
        qs = self.get_queryset()
        if within is not None:
            qs = qs.within(within)
        stage = self.request.GET.get("stage", "")
        if stage not in (*Stage.values, "closed", "attention"):
            stage = ""
        due = tables.due_by_applicant(user, today, within)
        listed = qs.select_related("org", "member")
        if stage == "closed":
            listed = listed.filter(closed_on__isnull=False).order_by("-closed_on", "pk")
        elif stage == "attention":
            soon = today + dt.timedelta(days=tables.deadlines.AHEAD_DAYS)
            ids = [pk for pk, i in due.items() if i.on is None or i.on <= soon]
            listed = listed.filter(pk__in=ids).order_by("org__path", "-last_step", "pk")
        else:
            listed = listed.filter(closed_on__isnull=True)
            if stage == Stage.FULL:  # the card counts those converted this year
                listed = listed.filter(tables.converted_since(dt.date(today.year, 1, 1)))
            listed = listed.filter(stage=stage) if stage else listed.exclude(stage=Stage.FULL)
            listed = listed.order_by("org__path", "-last_step", "applied_on", "pk")
        page = Paginator(listed, tables.PER_PAGE).get_page(self.request.GET.get("page"))
        rows = tables.pipeline_rows(list(page.object_list), due, today)
        overdue = sum(1 for i in due.values() if i.on is not None and i.on < today)
        orgs = Organization.objects.restrict(user, "view")
        ctx.update(
            title="发展党员",
            today=today,
            within=within,
            stage=stage,
            counts=tables.stage_counts(qs, today),
            overdue_count=overdue,
            attention_count=sum(
                1
                for i in due.values()
                if i.on is None or i.on <= today + dt.timedelta(days=tables.deadlines.AHEAD_DAYS)
            ),
            rows=rows,
            page=page,
            org_picker=render_org_picker(
                "within", orgs, within.pk if within else None, empty_label="全部", id="f-within"
            ),
            can_add=holds(user, "recruitment.add_applicant"),
            import_url=_import_url(user),
            can_view_pools=has_any_scope(user, ApplicationFormPool, "view"),
            query=_query(within, stage),
        )
        return ctx


def _query(within: Organization | None, stage: str) -> str:
    parts = []
    if within is not None:
        parts.append(f"within={within.pk}")
    if stage:
        parts.append(f"stage={stage}")
    return "&".join(parts)


def _import_url(user: Any) -> str | None:
    if not holds(user, "recruitment.add_applicant"):
        return None
    return reverse("imports:run", args=[_imports.ApplicantImporter.name])


def _applicant(request, pk: int, action: str = "view") -> Applicant:
    qs = Applicant.objects.restrict(request.user, action).select_related("org", "unit", "member")
    return get_object_or_404(qs, pk=pk)


def step_rows(user: Any, applicant: Applicant) -> list[RecruitmentStep]:
    """The person's steps with their people and documents (three queries)."""
    return list(
        RecruitmentStep.objects.restrict(user, "view")
        .filter(applicant=applicant)
        .prefetch_related(
            Prefetch("people", StepPerson.objects.select_related("member")),
            "attachments",
        )
        .order_by("step", "done_on", "pk")
    )


def grouped_steps(rows: list[RecruitmentStep]) -> list[dict[str, Any]]:
    """The 25 steps in their five stages, each with its recorded rows (step 6 may repeat)."""
    by_step: dict[int, list[RecruitmentStep]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row)
    return [
        {
            "title": title,
            "steps": [
                {"number": n, "label": Step(n).label, "rows": by_step.get(n, [])} for n in numbers
            ],
        }
        for title, numbers in STEP_GROUPS
    ]


class ApplicantDetailView(ScopedViewMixin, TemplateView):
    """纪实: the person's data (masked), the 25 steps, and the next step's form."""

    queryset = Applicant.objects.all()
    template_name = "recruitment/applicant_detail.html"

    def get(self, request, *args, **kwargs):
        applicant = _applicant(request, kwargs["pk"])
        return self.render_to_response(self.page(applicant))

    def post(self, request, *args, **kwargs):
        """Record the next step; the service's refusals are shown on the form."""
        applicant = _applicant(request, kwargs["pk"])
        if not holds(request.user, "recruitment.change_applicant", applicant.org.path):
            raise Http404(NOT_FOUND)
        steps = tables.next_steps(applicant.last_step)
        form = StepForm(request.POST, user=request.user, steps=steps)
        if form.is_valid():
            step = form.cleaned_data["step"]
            try:
                services.record_step(
                    request.user,
                    applicant,
                    step,
                    form.cleaned_data["done_on"],
                    **form.step_kwargs(),
                )
            except OutOfScope as exc:
                raise Http404(NOT_FOUND) from exc
            except ValidationError as exc:
                add_service_errors(form, _on_form_fields(exc))
            else:
                messages.success(request, f"已登记“{Step(step).label}”。")
                return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))
        return self.render_to_response(self.page(applicant, form), status=200)

    def page(self, applicant: Applicant, form: StepForm | None = None) -> dict[str, Any]:
        user = self.request.user
        path = applicant.org.path
        can_change = holds(user, "recruitment.change_applicant", path)
        rows = step_rows(user, applicant)
        steps = tables.next_steps(applicant.last_step) if not applicant.closed_on else []
        if form is None and can_change and steps:
            form = StepForm(user=user, steps=steps, initial=vote_initial(applicant, steps))
        newest = max(rows, key=lambda r: (r.step, r.done_on, r.pk)) if rows else None
        today = timezone.localdate()
        # What is due next, as the pipeline shows it (one query over the person's branch).
        due = tables.due_by_applicant(user, today, applicant.org)
        upcoming = tables.pipeline_rows([applicant], due, today)[0]
        member = applicant.member
        ctx = self.get_context_data(
            object=applicant,
            groups=grouped_steps(rows),
            form=form if can_change and steps else None,
            steps_open=steps,
            vote_steps=sorted(VOTE_STEPS),
            people_roles={
                Step.TALK: "谈话人",
                Step.CONTACTS: "培养联系人",
                Step.INTRODUCERS: "入党介绍人",
                Step.HIGHER_TALK: "谈话人",
            },
            can_change=can_change,
            can_reveal=services.can_reveal(user, applicant),
            can_undo=bool(
                can_change
                and newest is not None
                and newest.step != Step.APPLICATION
                and not (newest.step >= Step.ADMISSION and applicant.member_id)
            ),
            newest=newest,
            upcoming=upcoming,
            birth_shown=(
                f"{applicant.birth_date:%Y-%m-%d}"
                if applicant.birth_date and services.can_reveal(user, applicant)
                else applicant.masked_birth_date()
            ),
            probation_ends_on=member.probation_ends_on if member else None,
            can_extend=bool(
                can_change
                and member is not None
                and member.status == "probationary"
                and not member.probation_extension_months
            ),
            pools=_pools(user, applicant),
        )
        return ctx


def _on_form_fields(exc: ValidationError) -> ValidationError:
    """The service names people by role (talkers, contacts, introducers); the form picks
    them in two fields, so their messages go on the first of those."""
    if not hasattr(exc, "error_dict"):
        return exc
    moved: dict[str, list[str]] = {}
    for name, msgs in exc.message_dict.items():
        key = "person_1" if name in ("talkers", "contacts", "introducers") else name
        moved.setdefault(key, []).extend(msgs)
    return ValidationError(moved)


def _pools(user: Any, applicant: Applicant) -> list[ApplicationFormPool]:
    """The 志愿书 number pools the user may issue from for this person (after the 预审)."""
    if applicant.last_step != Step.PRE_REVIEW or applicant.application_form_number:
        return []
    if not holds(user, "recruitment.add_applicationformnumber", applicant.org.path):
        return []
    year = timezone.localdate().year
    return [
        p
        for p in ApplicationFormPool.objects.restrict(user, "view")
        .filter(year=year)
        .select_related("org")
        if applicant.org.path.startswith(p.org.path)
    ]


class IssueNumberView(ScopedViewMixin, View):
    """发放入党志愿书编号 from a pool (the unit's 党委, after the 预审)."""

    queryset = Applicant.objects.all()
    http_method_names = ["post"]

    def post(self, request, pk):
        applicant = _applicant(request, pk)
        pool_id = bounds.parse_id(request.POST.get("pool"))
        pool = get_object_or_404(
            ApplicationFormPool.objects.restrict(request.user, "view"), pk=pool_id
        )
        _act(
            request,
            lambda: services.issue_form_number(request.user, applicant, pool),
            lambda issued: f"已发放入党志愿书编号 {issued.code}。",
        )
        return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))


def _act(request, call, done: Any) -> None:
    """Run a service for a button on the 纪实 page: out of scope is 404; its refusals and
    its success go back to the page as messages."""
    try:
        result = call()
    except OutOfScope as exc:
        raise Http404(NOT_FOUND) from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done(result) if callable(done) else done)


class AttachView(ScopedViewMixin, View):
    """上传材料 of a recorded step (申请书, 思想汇报, 政审材料 …), checked by content."""

    queryset = RecruitmentStep.objects.all()
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        qs = RecruitmentStep.objects.restrict(request.user, "change").select_related(
            "applicant__org"
        )
        row = get_object_or_404(qs, pk=pk)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的文件。")
        else:
            _act(
                request,
                lambda: services.add_attachment(request.user, row, upload),
                f"已上传“{Step(row.step).label}”的材料。",
            )
        return redirect(reverse("recruitment:applicant_detail", args=[row.applicant_id]))


class UndoStepView(ScopedViewMixin, View):
    """撤销最后一步 (a correction): recruitment.services.delete_last_step decides."""

    queryset = Applicant.objects.all()
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        applicant = _applicant(request, pk, "change")
        row = (
            RecruitmentStep.objects.restrict(request.user, "delete")
            .filter(applicant=applicant)
            .order_by("-step", "-done_on", "-pk")
            .first()
        )
        if row is None:
            raise Http404(NOT_FOUND)
        _act(
            request,
            lambda: services.delete_last_step(request.user, row),
            f"已撤销“{Step(row.step).label}”。",
        )
        return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))


class ApplicantAddView(ScopedViewMixin, TemplateView):
    queryset = Applicant.objects.all()
    action = "add"
    template_name = "recruitment/applicant_form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ApplicantForm(user=request.user)))

    def post(self, request, *args, **kwargs):
        form = ApplicantForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                applicant = services.create_applicant(request.user, **form.applicant_fields())
            except OutOfScope:
                form.add_error(None, OUT_OF_SCOPE)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记入党申请人{applicant.name}。")
                return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class ApplicantCloseView(ScopedViewMixin, TemplateView):
    """终止发展: the record stays, nothing is due any more."""

    queryset = Applicant.objects.all()
    action = "change"
    template_name = "recruitment/applicant_close.html"

    def get(self, request, *args, **kwargs):
        applicant = _applicant(request, kwargs["pk"], "change")
        return self.render_to_response(self.get_context_data(form=CloseForm(), object=applicant))

    def post(self, request, *args, **kwargs):
        applicant = _applicant(request, kwargs["pk"], "change")
        form = CloseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.close_applicant(request.user, applicant, data["closed_on"], data["reason"])
            except OutOfScope as exc:
                raise Http404(NOT_FOUND) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已终止{applicant.name}的发展。")
                return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))
        return self.render_to_response(self.get_context_data(form=form, object=applicant))


class ExtendView(ScopedViewMixin, TemplateView):
    """延长预备期 of an admitted person; the members service decides and cites."""

    queryset = Applicant.objects.all()
    action = "change"
    template_name = "recruitment/applicant_extend.html"

    def get(self, request, *args, **kwargs):
        applicant = _applicant(request, kwargs["pk"], "change")
        return self.render_to_response(self.get_context_data(form=ExtendForm(), object=applicant))

    def post(self, request, *args, **kwargs):
        applicant = _applicant(request, kwargs["pk"], "change")
        form = ExtendForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.extend_probation(
                    request.user, applicant, data["months"], data["decided_on"], data["reason"]
                )
            except OutOfScope as exc:
                raise Http404(NOT_FOUND) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记延长预备期。")
                return redirect(reverse("recruitment:applicant_detail", args=[applicant.pk]))
        return self.render_to_response(self.get_context_data(form=form, object=applicant))


@method_decorator(never_cache, name="dispatch")
class RevealView(ScopedViewMixin, View):
    """POST field=id_number|phone|political_review → the plaintext; always audited."""

    queryset = Applicant.objects.all()
    action = "reveal"
    http_method_names = ["post"]

    def post(self, request, pk):
        applicant = _applicant(request, pk)
        field = request.POST.get("field", "")
        try:
            value = services.reveal(request.user, applicant, field)
        except ValidationError:
            return HttpResponseBadRequest("只能查看身份证号码、手机号码或政治审查结论。")
        except OutOfScope as exc:
            raise Http404(NOT_FOUND) from exc
        if request.headers.get("HX-Request"):
            return render(request, "recruitment/_revealed.html", {"value": value, "field": field})
        return JsonResponse({"id": applicant.pk, "field": field, "value": value})


class ExportView(ScopedViewMixin, View):
    """发展党员纪实表 of one person: ?format=xlsx (core.excel) or docx (A4, printable)."""

    queryset = Applicant.objects.all()

    def get(self, request, pk):
        applicant = _applicant(request, pk)
        kind = request.GET.get("format", "docx")
        if kind not in ("xlsx", "docx"):
            return HttpResponseBadRequest("导出格式只能是 xlsx 或 docx。")
        rows = step_rows(request.user, applicant)
        if kind == "xlsx":
            return exports.xlsx_download(request.user, applicant, rows)
        return exports.docx_download(request.user, applicant, rows)


def vote_initial(applicant: Applicant, steps: list[int]) -> dict[str, int]:
    """应到 for a vote step, as the records have it today (the form's default date): the
    branch's full members with a vote at a 支部大会 (the transfer-aware count recording a
    meeting uses), the committee's members at a 支委会. The secretary corrects it when a
    member may not vote (留党察看) or the meeting was on another day."""
    step = steps[-1] if steps else None
    today = timezone.localdate()
    if step in (Step.ADMISSION, Step.CONVERSION_MEETING):
        return {"expected": full_members_on(applicant.org, today)}
    if step == Step.COMMITTEE_REVIEW:
        return {"expected": len(committee_member_ids(applicant.org, today))}
    return {}


@dataclass
class PlanLine(tables.PlanRow):
    """A row of the yearly page: the records' figures, the plan, and its input if editable."""

    planned: int | None = None
    input: str = ""  # the input's name when the user sets this unit's plan
    value: Any = None
    invalid: bool = False

    @property
    def rate(self) -> str:
        return f"{100 * self.admitted / self.planned:.0f}%" if self.planned else ""


class PlanView(ScopedViewMixin, TemplateView):
    """年度发展计划 and 发展情况 per 机关单位: planned admissions (set here by the unit or the
    工委) beside the applications, admissions and 转正 of a year."""

    queryset = Applicant.objects.all()
    template_name = "recruitment/plan.html"

    def _year(self) -> int:
        today = timezone.localdate()
        raw = self.request.GET.get("year", "") or self.request.POST.get("year", "")
        year = bounds.parse_int(raw, plans.FIRST_YEAR, today.year + 1) if raw else today.year
        if year is None:
            raise Http404(f"年度应为{plans.FIRST_YEAR}年至{today.year + 1}年之间的年份。")
        return year

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = self._year()
        within = _within(self.request)
        user = self.request.user
        rows = tables.yearly_by_unit(user, year, within)
        planned = plans.planned_by_unit(user, year, within)
        # The unit-level orgs whose plan this user sets (none for a branch): their rows show
        # an input, with or without records this year.
        editable = plans.plan_orgs(user).filter(unit__isnull=False)
        if within is not None:
            editable = editable.filter(path__startswith=within.path)
        edit = {o.unit_id: o for o in editable.select_related("unit").only("id", "unit", "name")}
        by_unit = {r.unit_id: r for r in rows}
        for unit_id, org in edit.items():
            if unit_id not in by_unit:
                by_unit[unit_id] = tables.PlanRow(unit_id, org.unit.name)
        for unit_id in planned:
            if unit_id not in by_unit:
                by_unit[unit_id] = tables.PlanRow(unit_id, "")
        missing = [u for u, r in by_unit.items() if not r.name and u is not None]
        if missing:
            names = dict(Unit.objects.filter(pk__in=missing).values_list("pk", "name"))
            for u in missing:
                by_unit[u].name = names.get(u, "")
        errors = kwargs.get("errors") or {}
        shown = []
        for r in by_unit.values():
            target = planned.get(r.unit_id, (None, None))[1]
            org = edit.get(r.unit_id)
            line = PlanLine(r.unit_id, r.name, r.applied, r.admitted, r.converted, target)
            if org is not None:
                line.input = f"plan-{org.pk}"
                posted = self.request.method == "POST"
                line.value = self.request.POST.get(line.input, "") if posted else target
                line.invalid = line.input in errors
            shown.append(line)
        shown.sort(key=lambda x: (-x.admitted, -(x.planned or 0), x.name))
        orgs = Organization.objects.restrict(user, "view")
        ctx.update(
            title="年度发展党员情况",
            year=year,
            years=list(range(today.year + 1, max(plans.FIRST_YEAR, today.year - 6), -1)),
            within=within,
            rows=shown,
            can_plan=bool(edit),
            errors=errors,
            totals={
                "planned": sum(x.planned or 0 for x in shown),
                "applied": sum(r.applied for r in rows),
                "admitted": sum(r.admitted for r in rows),
                "converted": sum(r.converted for r in rows),
            },
            org_picker=render_org_picker(
                "within", orgs, within.pk if within else None, empty_label="全部", id="f-within"
            ),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        year = self._year()
        values: dict[int, int | None] = {}
        errors: dict[str, list[str]] = {}
        for name, raw in request.POST.items():
            if not name.startswith("plan-"):
                continue
            org_id = bounds.parse_id(name[5:])
            if org_id is None:
                return HttpResponseBadRequest("计划数据无效。".encode(), content_type="text/plain")
            raw = raw.strip()
            if not raw:
                values[org_id] = None
                continue
            number = bounds.parse_int(raw, 0, plans.PLAN_MAX)
            if number is None:
                errors[name] = [f"计划发展人数应为0至{plans.PLAN_MAX}之间的整数。"]
            else:
                values[org_id] = number
        if not errors:
            try:
                changed = plans.set_plans(request.user, year, values)
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(request, f"已保存{year}年发展计划（{changed}个单位有变动）。")
                query = f"?year={year}"
                if request.GET.get("within"):
                    query += f"&within={request.GET['within']}"
                return redirect(reverse("recruitment:plan") + query)
        context = self.get_context_data(errors=errors, **kwargs)
        return self.render_to_response(context, status=400)


class StepFileView(ScopedViewMixin, View):
    """A step's document as a download, in scope only (404 otherwise), audited."""

    queryset = StepAttachment.objects.all()

    def get(self, request, pk: int):
        attachment = self.get_object()
        fh = attachment.open_stored()
        if fh is None:
            raise Http404("文件已不存在。")
        emit("download", attachment)
        response = FileResponse(
            fh,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PoolView(ScopedViewMixin, TemplateView):
    """入党志愿书编号段: the pools in scope with how many numbers each has issued, and a
    form to add one for those who hold pools (the unit's 党委, the 工委)."""

    queryset = ApplicationFormPool.objects.all()
    template_name = "recruitment/pools.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        pools = (
            self.get_queryset()
            .select_related("org")
            .annotate(
                issued=Count("numbers", filter=Q(numbers__voided_on__isnull=True)),
                voided=Count("numbers", filter=Q(numbers__voided_on__isnull=False)),
            )
            .order_by("-year", "org__path", "prefix", "first")[:200]
        )
        pools = list(pools)
        for p in pools:
            # Numbers are issued max + 1 (never reused): what is left is above the highest.
            p.remaining = max(0, p.last - p.first + 1 - p.issued - p.voided)
        can_add = has_any_scope(user, ApplicationFormPool, "add")
        form = kwargs.get("form")
        if form is None and can_add:
            form = PoolForm(user=user)
        ctx.update(title="入党志愿书编号段", pools=pools, form=form if can_add else None)
        return ctx

    def post(self, request, *args, **kwargs):
        if not has_any_scope(request.user, ApplicationFormPool, "add"):
            raise PermissionDenied("您没有管理入党志愿书编号段的权限。")
        form = PoolForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pool = services.create_pool(
                    request.user,
                    data["org"],
                    data["year"],
                    data["first"],
                    data["last"],
                    data.get("number_prefix") or "",
                )
            except OutOfScope:
                form.add_error("org", "所选组织不在您的管辖范围内，请重新选择。")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记编号段：{pool}。")
                return redirect(reverse("recruitment:pools"))
        return self.render_to_response(self.get_context_data(form=form), status=400)
