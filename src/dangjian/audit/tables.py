"""The audit event table (one query per page: the table has no foreign keys)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from .filtersets import object_type_labels
from .models import AuditEvent


class AuditEventTable(tables.Table):
    id = tables.LinkColumn("audit:event_detail", args=[tables.A("pk")], verbose_name="编号")
    occurred_at = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s")
    actor_name = tables.Column(verbose_name="用户")
    action = tables.Column(verbose_name="操作")
    outcome = tables.Column(verbose_name="结果")
    object_type = tables.Column(verbose_name="对象类型")
    object_repr = tables.Column(verbose_name="对象")
    source_address = tables.Column(verbose_name="来源地址")
    request_id = tables.Column(verbose_name="请求ID")

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor_name",
            "action",
            "outcome",
            "object_type",
            "object_repr",
            "source_address",
            "request_id",
        )
        attrs = {"class": "table table-vcenter card-table table-sm"}
        # Newest first by id; sorting the whole log by other columns is not offered.
        orderable = False
        empty_text = "没有符合条件的审计事件。"

    def render_action(self, record):
        return record.action_label

    def render_outcome(self, record):
        css = "bg-green-lt" if record.outcome == AuditEvent.Outcome.SUCCESS else "bg-red-lt"
        return format_html('<span class="badge {}">{}</span>', css, record.get_outcome_display())

    def render_object_type(self, value):
        return object_type_labels().get(value, value)

    def render_request_id(self, value):
        return format_html('<code title="{}">{}</code>', value, value[:8])
