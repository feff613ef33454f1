"""The auditor's viewer: only the 审计管理员 role (global `audit.view_auditevent`) reads it."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from dangjian.core.scoping import has_global_perm
from dangjian.core.services import emit

from .filtersets import AuditEventFilterSet, object_type_labels
from .models import AuditEvent
from .tables import AuditEventTable

VIEW_PERM = "audit.view_auditevent"


class AuditorRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_global_perm(request.user, VIEW_PERM):
            emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied("只有审计管理员可以查看审计日志。")
        return super().dispatch(request, *args, **kwargs)


class EventListView(AuditorRequiredMixin, TemplateView):
    template_name = "core/object_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        fs = AuditEventFilterSet(self.request.GET or None, queryset=AuditEvent.objects.all())
        table = AuditEventTable(fs.qs)
        RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        ctx.update(title="审计日志", table=table, filterset=fs)
        return ctx


def _field_labels(object_type: str) -> dict[str, str]:
    """attname → verbose name for the event's model, when it still exists."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {f.attname: str(f.verbose_name) for f in model._meta.concrete_fields}


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff_rows(event: AuditEvent) -> list[dict[str, Any]]:
    """One row per field of before ∪ after, flagged when the value changed."""
    before, after = event.before or {}, event.after or {}
    labels = _field_labels(event.object_type) if event.object_type else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        {
            "field": key,
            "label": labels.get(key, key),
            "before": _show(before.get(key)) if key in before else "—",
            "after": _show(after.get(key)) if key in after else "—",
            "changed": (key in before) != (key in after) or before.get(key) != after.get(key),
        }
        for key in keys
    ]


class EventDetailView(AuditorRequiredMixin, TemplateView):
    template_name = "audit/event_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        event = get_object_or_404(AuditEvent, pk=self.kwargs["pk"])
        ctx.update(
            title=f"审计事件 #{event.pk}",
            event=event,
            object_type_label=object_type_labels().get(event.object_type, ""),
            rows=diff_rows(event),
            has_change=event.before is not None or event.after is not None,
            detail_json=json.dumps(event.detail, ensure_ascii=False, indent=2)
            if event.detail
            else "",
        )
        return ctx
