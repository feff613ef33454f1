"""List tables. Columns read annotations (`parent_name`, `term_status`) or values computed
for the whole page at once (`member_total`), so a page costs a fixed number of queries."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Organization, OrgStatus, Unit
from .tree import annotate_member_totals


def badge(css: str, text) -> str:
    return format_html('<span class="badge {}">{}</span>', css, text)


class OrganizationTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("组织名称"))
    kind = tables.Column(verbose_name=_("组织类别"))
    parent_name = tables.Column(verbose_name=_("上级组织"), orderable=False, default="—")
    unit = tables.Column(verbose_name=_("所属单位"), default="—")
    member_total = tables.Column(
        verbose_name=_("党员数"), orderable=False, default=0, attrs={"td": {"class": "text-end"}}
    )
    term_status = tables.Column(verbose_name=_("换届状态"))
    established_on = tables.DateColumn(format="Y-m-d", verbose_name=_("成立日期"))
    status = tables.Column(verbose_name=_("状态"))

    class Meta:
        model = Organization
        fields = (
            "name",
            "kind",
            "parent_name",
            "unit",
            "member_total",
            "term_status",
            "established_on",
            "status",
        )
        attrs = {"class": "table table-vcenter card-table"}
        empty_text = _("没有符合条件的党组织。")

    def before_render(self, request):
        # Subtree member counts for the rows of this page only, in one aggregate query.
        annotate_member_totals([row.record for row in self.paginated_rows])

    def render_kind(self, record, value):
        return badge(record.kind_badge, value)

    def render_term_status(self, record, value):
        if not record.term_status_badge:
            return "—"
        return badge(record.term_status_badge, record.term_status_label)

    def render_status(self, record, value):
        css = "bg-secondary-lt" if record.status == OrgStatus.DISSOLVED else "bg-green-lt"
        return badge(css, value)


class UnitTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("单位名称"))
    party_org = tables.Column(linkify=True, verbose_name=_("单位党组织"), default="—")
    org_total = tables.Column(verbose_name=_("党组织数"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Unit
        fields = ("name", "short_name", "party_org", "org_total")
        attrs = {"class": "table table-vcenter card-table"}
        empty_text = _("没有符合条件的机关单位。")
