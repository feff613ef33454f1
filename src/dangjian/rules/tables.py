"""Exemption list table."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .loader import get_library
from .models import RuleExemption


class RuleExemptionTable(tables.Table):
    org = tables.Column(linkify=True)
    rule_id = tables.Column(linkify=("rules:exemption_detail", {"pk": tables.A("pk")}))
    member = tables.Column(verbose_name=_("党员"), accessor="member__name", default="（整个组织）")

    class Meta:
        model = RuleExemption
        fields = (
            "rule_id",
            "org",
            "member",
            "starts_on",
            "ends_on",
            "expires_on",
            "reason",
            "approved_by",
        )
        empty_text = _("没有符合条件的规则豁免。")

    def render_rule_id(self, value):
        library = get_library()
        return library.get(value).title if value in library else _("（规则库中已无此规则）")
