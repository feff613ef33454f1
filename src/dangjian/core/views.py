"""Generic views: a concrete list/detail/edit/delete view is a few declarative lines.

Every view resolves its rows through `restrict(user, action)`: a user without the
action anywhere gets 403, an object outside their subtree 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from . import services
from .models import snapshot
from .scoping import has_any_scope


class ScopedViewMixin(LoginRequiredMixin):
    """Resolves `queryset` through restrict() for `action`; 403 when the user has it nowhere."""

    queryset: Any = None
    action = "view"

    @property
    def model(self):
        return self.queryset.model

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_any_scope(request.user, self.model, self.action):
            services.emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.queryset.restrict(self.request.user, self.action)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["model_verbose_name"] = self.model._meta.verbose_name
        ctx["model_verbose_name_plural"] = self.model._meta.verbose_name_plural
        ctx["can_add"] = has_any_scope(self.request.user, self.model, "add")
        return ctx


class ObjectListView(ScopedViewMixin, TemplateView):
    """Filtered, paginated table; `?export=xlsx` exports the same filtered rows (masked)."""

    template_name = "core/object_list.html"
    table: Any = None
    filterset: Any = None
    exporter: Any = None  # a core.excel.Exporter
    per_page = 50
    title = ""

    def filtered(self):
        qs = self.get_queryset()
        fs = None
        if self.filterset is not None:
            fs = self.filterset(self.request.GET or None, queryset=qs, request=self.request)
            qs = fs.qs
        return qs, fs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.exporter is not None:
            qs, _fs = self.filtered()
            return self.exporter.response(request.user, qs)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs, fs = self.filtered()
        table = self.table(qs, request=self.request)
        RequestConfig(self.request, paginate={"per_page": self.per_page}).configure(table)
        ctx.update(
            table=table,
            filterset=fs,
            title=self.title or self.model._meta.verbose_name_plural,
            can_export=self.exporter is not None,
        )
        return ctx


class ObjectDetailView(ScopedViewMixin, TemplateView):
    template_name = "core/object_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.get_object()
        ctx["object"] = obj
        ctx["can_change"] = (
            type(obj).objects.restrict(self.request.user, "change").filter(pk=obj.pk).exists()
        )
        return ctx


class ObjectEditView(ScopedViewMixin, TemplateView):
    """Create (no pk) or update (pk) through a ScopedModelForm and `services.save_object`."""

    template_name = "core/object_edit.html"
    form_class: Any = None

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    def get_instance(self):
        if "pk" in self.kwargs:
            return self.get_object()
        return self.model()

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.form_class(instance=instance, user=request.user, initial=request.GET.dict())
        return self.render_to_response(self.get_context_data(form=form, object=instance))

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        before = snapshot(instance) if instance.pk else None
        form = self.form_class(request.POST, request.FILES, instance=instance, user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = form.save(commit=False)
                    services.save_object(
                        request.user, obj, before=before, save=lambda: (obj.save(), form.save_m2m())
                    )
            except services.OutOfScope:
                form.add_error(None, _("保存后的对象将超出您的管辖范围，已取消保存。"))
            else:
                messages.success(request, _("已保存。"))
                return redirect(obj.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, object=instance))


class ObjectDeleteView(ScopedViewMixin, TemplateView):
    template_name = "core/object_delete.html"
    action = "delete"
    success_url = "/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.get_object()
        return ctx

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        services.delete_object(request.user, obj)
        messages.success(request, _("已删除。"))
        return redirect(self.success_url)


def not_found() -> HttpResponse:
    raise Http404(_("未找到。"))
