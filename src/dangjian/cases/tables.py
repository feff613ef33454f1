"""List tables of cases, awards and brands (every column select_related by the views)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Brand, Case, CaseAward

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class CaseTable(tables.Table):
    title = tables.Column(linkify=True, verbose_name=_("标题"))
    org = tables.Column(accessor="org__name", verbose_name=_("报送党组织"))
    rating = tables.Column(accessor="rating_value", verbose_name=_("评定等次"), empty_values=())
    awards = tables.Column(accessor="award_count", verbose_name=_("获奖"), orderable=True)

    class Meta:
        model = Case
        fields = ("title", "org", "year", "case_type", "status", "rating", "awards")
        attrs = ATTRS
        empty_text = _("没有符合条件的案例。")

    def render_rating(self, record, value):
        # a plain method, not a TemplateColumn: no template render per row
        if value:
            return format_html(
                '<span class="badge {}">{}</span>', record.rating_badge, record.rating_label
            )
        if record.status == "submitted":
            return format_html('<span class="text-secondary">{}</span>', "待评定")
        return "—"

    def render_awards(self, value):
        return f"{value} 项" if value else "—"


class CaseAwardTable(tables.Table):
    case = tables.Column(linkify=True, accessor="case", verbose_name=_("案例"))
    org = tables.Column(accessor="case__org__name", verbose_name=_("报送党组织"))

    class Meta:
        model = CaseAward
        fields = ("case", "org", "year", "level", "award", "awarding_body", "document_number")
        attrs = ATTRS
        empty_text = _("没有获奖记录。")


class BrandTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("品牌名称"))
    org = tables.Column(accessor="org__name", verbose_name=_("所属党组织"))
    level = tables.Column(accessor="level_label", verbose_name=_("层级"), orderable=False)
    parent = tables.Column(accessor="parent__name", verbose_name=_("所属单位品牌"), default="—")
    branches = tables.Column(accessor="branch_count", verbose_name=_("支部品牌数"))

    class Meta:
        model = Brand
        fields = ("name", "org", "level", "parent", "established_year", "branches")
        attrs = ATTRS
        empty_text = _("还没有登记党建品牌。")

    def render_branches(self, record, value):
        return value if record.parent_id is None else "—"
