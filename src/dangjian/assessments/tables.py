"""List tables of 督查考评: frameworks, campaigns, targets of a campaign, findings."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Assessment, Campaign, Finding, Framework

STATUS_BADGES = {
    "planned": "bg-secondary-lt",
    "in_progress": "bg-blue-lt",
    "in_review": "bg-yellow-lt",
    "done": "bg-green-lt",
    "draft": "bg-secondary-lt",
    "active": "bg-blue-lt",
    "closed": "bg-green-lt",
    "open": "bg-orange-lt",
    "submitted": "bg-blue-lt",
    "returned": "bg-red-lt",
}


def status_badge(value: str, label: str) -> str:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_BADGES.get(value, "bg-secondary-lt"),
        value,
        label,
    )


class FrameworkTable(tables.Table):
    name = tables.Column(linkify=True)
    items = tables.Column(
        accessor="n_items",
        verbose_name=_("条目数"),
        orderable=False,
        attrs={"td": {"class": "text-end"}},
    )
    campaigns = tables.Column(
        accessor="n_campaigns", verbose_name=_("使用次数"), attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = Framework
        fields = (  # by name: the code is the importers' key, not a reader's (issue 9)
            "name",
            "version",
            "items",
            "campaigns",
            "is_example",
            "source",
            "updated",
        )
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有考评模板。")

    def render_is_example(self, value):
        return format_html('<span class="badge bg-yellow-lt">{}</span>', "示例") if value else ""

    def render_updated(self, value):
        return value.date().isoformat()


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True)
    scope_org = tables.Column(verbose_name=_("主办组织"), accessor="scope_org__name")
    period = tables.Column(
        accessor="period_start", verbose_name=_("检查期间"), order_by=("period_start",)
    )
    progress = tables.Column(
        accessor="n_targets", verbose_name=_("完成/对象"), attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = Campaign
        fields = ("name", "campaign_type", "scope_org", "period", "selection", "progress", "status")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的督查活动。")

    def render_period(self, record: Campaign):
        return f"{record.period_start:%Y-%m-%d} 至 {record.period_end:%Y-%m-%d}"

    def render_progress(self, record: Any):
        return f"{record.n_done} / {record.n_targets}"

    def render_status(self, record: Campaign):
        return status_badge(record.status, record.get_status_display())


class AssessmentTable(tables.Table):
    target = tables.Column(
        linkify=lambda record: record.get_absolute_url(), accessor="target__name"
    )
    unit = tables.Column(verbose_name=_("所属单位"), accessor="unit_org__name", default="—")
    campaign = tables.Column(accessor="campaign__name")
    findings = tables.Column(
        accessor="n_findings", verbose_name=_("问题数"), attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = Assessment
        fields = (
            "target",
            "unit",
            "campaign",
            "status",
            "total_score",
            "rating",
            "passed",
            "findings",
        )
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "targets-table"}
        empty_text = _("本次督查没有检查对象。")
        row_attrs = {"data-status": lambda record: record.status}

    def render_status(self, record: Assessment):
        return status_badge(record.status, record.get_status_display())

    def render_passed(self, value):
        return "达标" if value else "未达标"


class FindingTable(tables.Table):
    text = tables.Column(linkify=True, verbose_name=_("问题描述"))
    org = tables.Column(accessor="org__name", verbose_name=_("存在问题的组织"))
    campaign = tables.Column(accessor="campaign__name", verbose_name=_("督查活动"), default="—")
    rectification = tables.Column(
        accessor="rectification__status", verbose_name=_("整改状态"), default="—"
    )
    deadline = tables.Column(accessor="rectification__deadline", verbose_name=_("整改时限"))

    class Meta:
        model = Finding
        # the problem first: it heads each card on a phone and is the link to the finding
        fields = ("text", "found_on", "org", "category", "severity", "campaign", "rectification")
        sequence = (*fields, "deadline")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的问题。")

    def render_text(self, value):
        return value if len(value) <= 40 else value[:40] + "…"

    def render_rectification(self, record: Finding):
        r = record.rectification
        return status_badge(r.status, r.get_status_display())
