"""年度工作总结 pages: the preview (year and scope chosen, the document as HTML with each
figure linked to its records), the .docx download, and the 工委's own templates."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from dangjian.core.bounds import parse_id, parse_int
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import has_any_scope
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization

from ..models import SummaryTemplate
from . import engine, services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _member_only(user: Any) -> bool:
    codes: set[str] = getattr(user, "role_codes", set)()
    return bool(codes) and codes <= {"party_member"}


class _SummaryBase(ScopedViewMixin, View):
    """For the org roles (who see orgs), as the menu shows it; never a member account."""

    queryset = Organization.objects.all()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and _member_only(request.user):
            raise PermissionDenied("您没有查看年度工作总结的权限。")
        return super().dispatch(request, *args, **kwargs)

    def choice(self, request) -> tuple[int | None, Organization | None, list[str]]:
        """(year, org, errors) from ?year=&org= — bad values are errors, never a 500."""
        errors: list[str] = []
        lo, hi = services.year_bounds()
        raw_year = request.GET.get("year")
        year = None
        if raw_year not in (None, ""):
            year = parse_int(raw_year, lo, hi)
            if year is None:
                errors.append(services.year_message())
        raw_org = request.GET.get("org")
        org = None
        if raw_org not in (None, ""):
            org_id = parse_id(raw_org)
            try:
                org = services.scope_org(request.user, org_id) if org_id else None
            except engine.SummaryError:
                org = None
            if org is None:
                errors.append(services.OUT_OF_SCOPE)
        else:
            org = services.default_scope(request.user)
        return year, org, errors


class SummaryView(_SummaryBase):
    template_name = "reports/summary/summary.html"

    def get(self, request):
        year, org, errors = self.choice(request)
        lo, hi = services.year_bounds()
        ctx: dict[str, Any] = {
            "title": "年度工作总结",
            "year": year or hi - 1,
            "years": list(range(hi, lo - 1, -1)),
            "org": org,
            "errors": errors,
            "org_picker": render_org_picker(
                "org",
                Organization.objects.restrict(request.user, "view"),
                org.pk if org else None,
                empty_label=None,
                id="id_org",
            ),
            "can_manage": has_any_scope(request.user, SummaryTemplate, "add"),
        }
        if errors:
            return render(request, self.template_name, ctx, status=400)
        if year is not None and org is not None:
            try:
                result = services.generate(request.user, year, org, preview=True, base_url="")
            except engine.SummaryError as exc:
                ctx["errors"] = [str(exc)]
                return render(request, self.template_name, ctx, status=200)
            except engine.TemplateInvalid as exc:
                ctx["errors"] = ["当前使用的模板有误：" + str(p) for p in exc.problems]
                return render(request, self.template_name, ctx, status=200)
            ctx["html"] = engine.to_html(
                result.data, result.summary.figures, result.summary.raw_values()
            )
            ctx["figures"] = result.summary.figures
            ctx["template_used"] = result.template
            ctx["missing"] = [f for f in result.summary.figures if not f.available]
        return render(request, self.template_name, ctx)


class SummaryDownloadView(_SummaryBase):
    def get(self, request):
        year, org, errors = self.choice(request)
        if year is None and not errors:
            errors.append("请选择年度。")
        if errors or org is None:
            return render(
                request,
                "reports/summary/error.html",
                {"title": "年度工作总结", "errors": errors or [services.OUT_OF_SCOPE]},
                status=400,
            )
        try:
            result = services.generate(
                request.user, year, org, base_url=request.build_absolute_uri("/")[:-1]
            )
        except (engine.SummaryError, engine.TemplateInvalid) as exc:
            problems = exc.problems if isinstance(exc, engine.TemplateInvalid) else [exc]
            return render(
                request,
                "reports/summary/error.html",
                {"title": "年度工作总结", "errors": [str(p) for p in problems]},
                status=400,
            )
        services.record_export(request.user, result)
        response = HttpResponse(result.data, content_type=DOCX)

        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
        return response


class TemplateListView(ScopedViewMixin, View):
    """The 工委's templates: upload (checked, refused with the paragraph and placeholder),
    choose the one in use, delete; download any of them or the shipped default."""

    queryset = SummaryTemplate.objects.all()
    template_name = "reports/summary/templates.html"

    def _context(self, request, errors=None, values=None) -> dict[str, Any]:
        orgs = Organization.objects.holding(request.user, "reports.add_summarytemplate")
        top = orgs.order_by("depth", "path").first()
        return {
            "title": "年度工作总结模板",
            "templates": self.get_queryset()
            .select_related("org", "uploaded_by")
            .defer("content"),  # the list shows names; a template may be megabytes
            "can_add": top is not None,
            "top": top,
            "errors": errors or {},
            "values": values or {},
        }

    def get(self, request):
        if request.GET.get("default") == "1":
            response = HttpResponse(engine.DEFAULT_TEMPLATE.read_bytes(), content_type=DOCX)
            response["Content-Disposition"] = "attachment; filename*=UTF-8''default.docx"
            return response
        pk = parse_id(request.GET.get("download"))
        if pk:
            template = get_object_or_404(self.get_queryset(), pk=pk)
            response = HttpResponse(bytes(template.content), content_type=DOCX)

            response["Content-Disposition"] = (
                f"attachment; filename*=UTF-8''{quote(template.file_name)}"
            )
            return response
        return render(request, self.template_name, self._context(request))

    def post(self, request):
        action = request.POST.get("action", "upload")
        if action == "upload":
            ctx = self._context(request)
            if ctx["top"] is None:
                raise PermissionDenied("您没有上传模板的权限。")
            try:
                services.upload_template(
                    request.user,
                    org=ctx["top"],
                    name=request.POST.get("name", ""),
                    upload=request.FILES.get("file"),
                    active=request.POST.get("active") == "on",
                )
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
                return render(
                    request,
                    self.template_name,
                    self._context(request, errors=errors, values=request.POST),
                    status=400,
                )
            messages.success(request, "模板已通过检查并保存。")
            return redirect(reverse("reports:summary_templates"))
        pk = parse_id(request.POST.get("template"))
        template = get_object_or_404(self.get_queryset(), pk=pk) if pk else None
        if template is None:
            return render(request, self.template_name, self._context(request), status=400)
        try:
            if action == "activate":
                services.set_active(request.user, template, True)
                messages.success(request, f"已改用模板「{template.name}」。")
            elif action == "deactivate":
                services.set_active(request.user, template, False)
                messages.success(request, "已停用该模板，生成时使用系统默认模板。")
            elif action == "delete":
                services.delete_template(request.user, template)
                messages.success(request, "模板已删除。")
        except OutOfScope:
            raise PermissionDenied("您没有修改该模板的权限。") from None
        return redirect(reverse("reports:summary_templates"))
