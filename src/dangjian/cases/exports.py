"""xlsx exports of cases, awards and brands through the one writer (core.excel)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangjian.core.excel import ExportColumn, Exporter


class CaseExporter(Exporter):
    label = _("创新案例")
    columns = [
        ExportColumn(_("年度"), "year", 8),
        ExportColumn(_("类型"), "get_case_type_display", 10),
        ExportColumn(_("标题"), "title", 36),
        ExportColumn(_("报送党组织"), "org.name", 24),
        ExportColumn(_("状态"), "get_status_display", 8),
        ExportColumn(_("提交日期"), "submitted_on", 12),
        ExportColumn(_("评定等次"), "rating_label", 10),
        ExportColumn(_("获奖"), "award_count", 6),
        ExportColumn(_("内容摘要"), "summary", 60),
    ]


class CaseAwardExporter(Exporter):
    label = _("案例获奖")
    columns = [
        ExportColumn(_("获奖年度"), "year", 8),
        ExportColumn(_("案例"), "case.title", 36),
        ExportColumn(_("报送党组织"), "case.org.name", 24),
        ExportColumn(_("授予层级"), "get_level_display", 12),
        ExportColumn(_("授予单位"), "awarding_body", 24),
        ExportColumn(_("奖项"), "award", 14),
        ExportColumn(_("文号"), "document_number", 18),
    ]


class BrandExporter(Exporter):
    label = _("党建品牌")
    columns = [
        ExportColumn(_("品牌名称"), "name", 20),
        ExportColumn(_("层级"), "level_label", 10),
        ExportColumn(_("所属党组织"), "org.name", 24),
        ExportColumn(_("所属单位品牌"), "parent.name", 20),
        ExportColumn(_("创建年度"), "established_year", 8),
        ExportColumn(_("品牌内涵"), "description", 60),
    ]
