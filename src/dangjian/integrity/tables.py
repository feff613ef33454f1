"""List tables of the register."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Institution, Measure, RiskPoint, RiskReview, RiskSubmission

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class RiskReviewTable(tables.Table):
    title = tables.Column(linkify=True, verbose_name=_("名称"))
    submitted = tables.TemplateColumn(
        "{{ record.n_submitted }} / {{ record.n_units }}",
        verbose_name=_("已提交单位"),
        orderable=False,
    )
    closed = tables.BooleanColumn(verbose_name=_("已结束"), yesno="是,否")

    class Meta:
        model = RiskReview
        fields = ("title", "year", "opens_on", "due_on", "submitted", "closed")
        attrs = ATTRS
        empty_text = _("还没有组织廉政风险排查。")


class RiskSubmissionTable(tables.Table):
    org = tables.Column(
        linkify=("integrity:submission_detail", {"pk": tables.A("pk")}),
        accessor="org__name",
        verbose_name=_("单位党组织"),
    )
    year = tables.Column(accessor="review__year", verbose_name=_("年度"))
    status = tables.TemplateColumn(
        '{% if record.submitted_at %}<span class="badge bg-green-lt">已提交</span>'
        '{% else %}<span class="badge bg-secondary-lt">未提交</span>{% endif %}',
        verbose_name=_("状态"),
        orderable=False,
    )

    class Meta:
        model = RiskSubmission
        fields = ("org", "year", "status", "submitted_at")
        attrs = ATTRS
        empty_text = _("没有符合条件的排查填报。")


class RiskPointTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("编号"))
    org = tables.Column(accessor="submission__org__name", verbose_name=_("单位党组织"))
    year = tables.Column(accessor="submission__review__year", verbose_name=_("年度"))
    description = tables.Column(verbose_name=_("风险点描述"), attrs={"td": {"class": "text-wrap"}})

    class Meta:
        model = RiskPoint
        fields = ("code", "org", "year", "post", "category", "level", "description")
        attrs = ATTRS
        empty_text = _("没有符合条件的风险点。")


class MeasureTable(tables.Table):
    description = tables.Column(
        linkify=True, verbose_name=_("防控措施"), attrs={"td": {"class": "text-wrap"}}
    )
    org = tables.Column(accessor="submission__org__name", verbose_name=_("单位党组织"))
    year = tables.Column(accessor="submission__review__year", verbose_name=_("年度"))
    points = tables.Column(accessor="point_codes", verbose_name=_("风险点"), orderable=False)

    class Meta:
        model = Measure
        fields = ("description", "org", "year", "points", "responsible", "deadline")
        attrs = ATTRS
        empty_text = _("没有符合条件的防控措施。")


class InstitutionTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("制度名称"))
    org = tables.Column(accessor="submission__org__name", verbose_name=_("单位党组织"))

    class Meta:
        model = Institution
        fields = ("name", "org", "kind", "issued_on", "document_number")
        attrs = ATTRS
        empty_text = _("没有符合条件的制度。")
