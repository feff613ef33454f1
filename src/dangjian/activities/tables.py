"""Activity list table: attendance from the `with_attendance` annotations, tags prefetched."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Activity


def attendance_cell(record: Activity) -> str:
    if record.is_planned:  # a meeting notice: nothing is counted until it is held
        return format_html('<span class="badge bg-secondary-lt">{}</span>', "已通知，待召开")
    rate = record.attendance_rate
    if rate is None:
        return format_html("{} 人参加", record.n_attended)
    return format_html("{}/{}（{}%）", record.n_attended, record.n_expected, round(rate * 100))


def quorum_badge(record: Activity) -> str:
    if record.quorum_met is None:
        return ""
    if record.quorum_met:
        return format_html('<span class="badge bg-green-lt">{}</span>', "达到法定人数")
    return format_html('<span class="badge bg-red-lt">{}</span>', "未达到法定人数")


class ActivityTable(tables.Table):
    date = tables.Column(
        accessor="held_on", verbose_name=_("日期"), order_by=("held_on", "planned_on")
    )
    title = tables.Column(linkify=True)
    org = tables.Column(linkify=True)
    attendance = tables.Column(
        accessor="n_attended", verbose_name=_("出席"), orderable=False, empty_values=()
    )
    quorum = tables.Column(
        accessor="quorum_met", verbose_name=_("法定人数"), orderable=False, empty_values=()
    )
    tags = tables.Column(verbose_name=_("标签"), orderable=False, empty_values=())

    class Meta:
        model = Activity
        fields = ("date", "title", "kind", "org", "attendance", "quorum", "tags")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的组织生活记录。")

    def render_date(self, record: Activity):
        return record.date.isoformat() if record.date else "—"

    def render_attendance(self, record: Activity):
        return attendance_cell(record)

    def render_quorum(self, record: Activity):
        return quorum_badge(record)

    def render_tags(self, record: Activity):
        return format_html_join(
            " ",
            '<span class="badge bg-azure-lt">{}</span>',
            ((t.name,) for t in record.tags.all()),
        )
