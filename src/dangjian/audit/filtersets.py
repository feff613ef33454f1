"""Filters of the auditor's viewer."""

from __future__ import annotations

import datetime as dt
import functools

import django_filters
from django.apps import apps
from django.utils import timezone

from dangjian.core.filters import DateFilter

from .models import AuditEvent

ACTION_CHOICES = list(AuditEvent.ACTION_LABELS.items())


@functools.cache
def object_type_labels() -> dict[str, str]:
    """Our models' Chinese names by label (from the app registry, no query)."""
    return {
        m._meta.label_lower: str(m._meta.verbose_name)
        for m in apps.get_models()
        if m.__module__.startswith("dangjian.") and m is not AuditEvent
    }


def object_type_choices() -> list[tuple[str, str]]:
    return sorted((key, f"{label}（{key}）") for key, label in object_type_labels().items())


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        label="用户", field_name="actor_name", lookup_expr="icontains"
    )
    action = django_filters.ChoiceFilter(label="操作", choices=ACTION_CHOICES, empty_label="全部")
    outcome = django_filters.ChoiceFilter(
        label="结果", choices=AuditEvent.Outcome.choices, empty_label="全部"
    )
    object_type = django_filters.ChoiceFilter(
        label="对象类型", choices=object_type_choices, empty_label="全部"
    )
    date_from = DateFilter(label="起始日期", method="filter_date_from")
    date_to = DateFilter(label="截止日期", method="filter_date_to")
    request_id = django_filters.CharFilter(
        label="请求ID", field_name="request_id", lookup_expr="exact"
    )
    source_address = django_filters.CharFilter(
        label="来源地址", field_name="source_address", lookup_expr="startswith"
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    # Day bounds in local time as a range on the indexed column (no per-row date function).
    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=day_start(value + dt.timedelta(days=1)))
