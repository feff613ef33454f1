"""Member list table: sensitive columns are masked, never rendered in plaintext."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Member


class MemberTable(tables.Table):
    name = tables.Column(linkify=True)
    id_number = tables.Column(
        accessor="masked_id_number", verbose_name=_("身份证号"), orderable=False
    )
    phone = tables.Column(accessor="masked_phone", verbose_name=_("手机号码"), orderable=False)
    org = tables.Column(linkify=True)

    class Meta:
        model = Member
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "org",
            "unit",
            "category",
            "status",
            "joined_on",
            "membership",
        )
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的党员。")
