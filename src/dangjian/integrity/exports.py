"""xlsx exports of the register through the one writer (core.excel)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangjian.core.excel import ExportColumn, Exporter


class RiskPointExporter(Exporter):
    label = _("廉政风险点")
    columns = [
        ExportColumn(_("年度"), "submission.review.year", 8),
        ExportColumn(_("单位"), "submission.org.name", 24),
        ExportColumn(_("风险点编号"), "code", 12),
        ExportColumn(_("岗位"), "get_post_display", 14),
        ExportColumn(_("具体岗位"), "post_title", 16),
        ExportColumn(_("风险类别"), "get_category_display", 10),
        ExportColumn(_("风险等级"), "get_level_display", 8),
        ExportColumn(_("风险点描述"), "description", 60),
    ]


class MeasureExporter(Exporter):
    label = _("防控措施")
    columns = [
        ExportColumn(_("年度"), "submission.review.year", 8),
        ExportColumn(_("单位"), "submission.org.name", 24),
        ExportColumn(_("风险点编号"), "point_codes", 14),
        ExportColumn(_("防控措施"), "description", 60),
        ExportColumn(_("责任人"), "responsible", 12),
        ExportColumn(_("完成时限"), "deadline", 12),
    ]


class InstitutionExporter(Exporter):
    label = _("廉政制度")
    columns = [
        ExportColumn(_("年度"), "submission.review.year", 8),
        ExportColumn(_("单位"), "submission.org.name", 24),
        ExportColumn(_("制度名称"), "name", 36),
        ExportColumn(_("类型"), "get_kind_display", 8),
        ExportColumn(_("印发日期"), "issued_on", 12),
        ExportColumn(_("文号"), "document_number", 20),
    ]
