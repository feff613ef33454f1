"""xlsx exports of the lists (core.excel: text cells, never formulas; audited)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangjian.core.excel import ExportColumn, Exporter


class CommunityExporter(Exporter):
    label = gettext_lazy("社区")
    columns = [
        ExportColumn(gettext_lazy("社区名称"), "name", 20),
        ExportColumn(gettext_lazy("所在区"), "district", 12),
        ExportColumn(gettext_lazy("所在街道"), "street", 14),
        ExportColumn(gettext_lazy("地址"), "address", 24),
        ExportColumn(gettext_lazy("联系人"), "contact", 10),
        ExportColumn(gettext_lazy("联系电话"), "phone", 14),
    ]


class RegistrationExporter(Exporter):
    label = gettext_lazy("双报到登记")
    columns = [
        ExportColumn(gettext_lazy("党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("党员"), "member.name", 10),
        ExportColumn(gettext_lazy("社区"), "community.name", 20),
        ExportColumn(gettext_lazy("报到日期"), "starts_on", 12),
        ExportColumn(gettext_lazy("结束日期"), "ends_on", 12),
        ExportColumn(gettext_lazy("说明"), "note", 20),
    ]


class FeedbackExporter(Exporter):
    label = gettext_lazy("社区反馈")
    columns = [
        ExportColumn(gettext_lazy("年度"), "year", 8),
        ExportColumn(gettext_lazy("社区"), "community.name", 20),
        ExportColumn(gettext_lazy("被评价党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("被评价党员"), "member.name", 10),
        ExportColumn(gettext_lazy("评价等次"), "get_rating_display", 8),
        ExportColumn(gettext_lazy("反馈意见"), "text", 40),
        ExportColumn(gettext_lazy("反馈日期"), "given_on", 12),
        ExportColumn(gettext_lazy("代录党组织"), "recorded_by.name", 20),
    ]


class TaskForceExporter(Exporter):
    label = gettext_lazy("党员突击队")
    columns = [
        ExportColumn(gettext_lazy("名称"), "name", 20),
        ExportColumn(gettext_lazy("类别"), "get_kind_display", 12),
        ExportColumn(gettext_lazy("攻坚项目"), "project", 24),
        ExportColumn(gettext_lazy("党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("组建日期"), "starts_on", 12),
        ExportColumn(gettext_lazy("结束日期"), "ends_on", 12),
        ExportColumn(gettext_lazy("队员数"), "n_members", 8),
    ]
