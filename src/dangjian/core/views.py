"""Generic views: a concrete list/detail/edit/delete view is a few declarative lines.

Every view resolves its rows through `restrict(user, action)`: a user without the
action anywhere gets 403, an object outside their subtree 404.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from . import panels, services
from .forms import add_service_errors
from .imports import importers
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
            import_url=self.import_url() if ctx["can_add"] else None,
        )
        return ctx

    def import_url(self) -> str | None:
        """批量导入 beside 新增 when the model has an importer (the menu keeps 数据导入 for
        the admins who load whole trees; a secretary finds it where she adds members)."""
        name = importers.name_for(self.model)
        if name is None:
            return None
        try:
            return reverse("imports:run", args=[name])
        except NoReverseMatch:  # the import pages are not wired (test URLconfs)
            return None


class ObjectDetailView(ScopedViewMixin, TemplateView):
    template_name = "core/object_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.get_object()
        ctx["object"] = obj
        ctx["can_change"] = (
            type(obj).objects.restrict(self.request.user, "change").filter(pk=obj.pk).exists()
        )
        ctx["panels"] = panels.panels_for(obj, self.request.user)
        return ctx


class ObjectEditView(ScopedViewMixin, TemplateView):
    """Create (no pk) or update (pk) through a ScopedModelForm and the app's write service.

    A concrete view names `queryset` and `form_class`; when its writes go through a domain
    service it overrides `save(form, instance)` to call it (the default is
    `services.save_object`). Whatever the service refuses lands on the form: its
    ValidationError through `add_service_errors`, a write that would leave the object
    outside the user's scope as `out_of_scope_message`.
    """

    template_name = "core/object_edit.html"
    form_class: Any = None
    success_message = gettext_lazy("已保存。")
    out_of_scope_message = gettext_lazy("保存后的对象将超出您的管辖范围，已取消保存。")
    error_labels: dict[str, str] = {}  # labels of service error keys the form has no field for

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    def get_instance(self):
        if "pk" in self.kwargs:
            return self.get_object()
        return self.model()

    def get_initial(self) -> dict[str, Any]:
        return self.request.GET.dict()

    def get_form(self, instance, data=None, files=None):
        if data is None:
            return self.form_class(
                instance=instance, user=self.request.user, initial=self.get_initial()
            )
        return self.form_class(data, files, instance=instance, user=self.request.user)

    def save(self, form, instance):
        """Write the validated `form` and return the saved object.

        `instance` is the object as loaded, untouched by the form (the form edits a copy),
        so a service can compare and audit before/after.
        """
        before = snapshot(instance) if instance.pk else None
        obj = form.save(commit=False)
        return services.save_object(
            self.request.user, obj, before=before, save=lambda: (obj.save(), form.save_m2m())
        )

    def get_success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(instance)
        return self.render_to_response(self.get_context_data(form=form, object=instance))

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(copy.copy(instance), request.POST, request.FILES)
        if form.is_valid():
            try:
                obj = self.save(form, instance)
            except services.OutOfScope:
                form.add_error(None, self.out_of_scope_message)
            except ValidationError as exc:
                add_service_errors(form, exc, self.error_labels)
            else:
                messages.success(request, self.success_message)
                return redirect(self.get_success_url(obj))
        return self.render_to_response(self.get_context_data(form=form, object=instance))


class ObjectDeleteView(ScopedViewMixin, TemplateView):
    """Confirm (GET) and delete (POST) through the app's service (`delete`, default
    `services.delete_object`); a ValidationError from it (e.g. rows still depend on the
    object) is shown on the object's page and nothing is deleted."""

    template_name = "core/object_delete.html"
    action = "delete"
    success_url = "/"  # a path or URL name
    success_message = gettext_lazy("已删除。")

    def delete(self, obj) -> None:
        services.delete_object(self.request.user, obj)

    def get_success_url(self, obj) -> str:
        return str(self.success_url)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.get_object()
        return ctx

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        back, done = obj.get_absolute_url(), self.get_success_url(obj)  # before the pk is gone
        try:
            self.delete(obj)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        messages.success(request, self.success_message)
        return redirect(done)


def not_found() -> HttpResponse:
    raise Http404(_("未找到。"))
