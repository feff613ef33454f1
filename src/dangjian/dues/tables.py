"""Dues list tables: the pay base is never a column in plaintext (decisions/0008)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import DuesBase, DuesPayment, DuesReduction, DuesRemittance

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class DuesBaseTable(tables.Table):
    member = tables.Column(
        linkify=("dues:base_detail", {"pk": tables.A("pk")}),
        accessor="member__name",
        verbose_name=_("党员"),
    )
    org = tables.Column(accessor="member__org__name", verbose_name=_("党组织"))
    base = tables.Column(accessor="masked_base", verbose_name=_("月工资基数"), orderable=False)

    class Meta:
        model = DuesBase
        fields = ("member", "org", "year", "from_month", "category", "base", "reviewed_on")
        attrs = ATTRS
        empty_text = _("这一年还没有核定党费基数。")


class DuesPaymentTable(tables.Table):
    member = tables.Column(
        linkify=("dues:payment_detail", {"pk": tables.A("pk")}),
        accessor="member__name",
        verbose_name=_("党员"),
    )
    org = tables.Column(accessor="org__name", verbose_name=_("收缴党组织"))
    months = tables.TemplateColumn(
        "{{ record.from_month|date:'Y年n月' }}{% if record.to_month != record.from_month %}至{{ record.to_month|date:'Y年n月' }}{% endif %}",
        verbose_name=_("所交月份"),
        orderable=False,
    )

    class Meta:
        model = DuesPayment
        fields = ("member", "org", "paid_on", "months", "amount", "method", "back_payment")
        attrs = ATTRS
        empty_text = _("没有符合条件的交纳记录。")


class DuesReductionTable(tables.Table):
    member = tables.Column(accessor="member__name", verbose_name=_("党员"))
    months = tables.TemplateColumn(
        "{{ record.starts|date:'Y年n月' }}至{{ record.ends|date:'Y年n月' }}",
        verbose_name=_("起止月份"),
        orderable=False,
    )
    org = tables.Column(accessor="member__org__name", verbose_name=_("党组织"))

    class Meta:
        model = DuesReduction
        fields = ("member", "org", "kind", "months", "amount", "reason", "approved_on")
        attrs = ATTRS
        empty_text = _("没有少交、免交记录。")


class DuesRemittanceTable(tables.Table):
    from_org = tables.Column(accessor="from_org__name", verbose_name=_("上缴组织"))
    to_org = tables.Column(accessor="to_org__name", verbose_name=_("接收组织"))
    months = tables.TemplateColumn(
        "{{ record.from_month|date:'Y年n月' }}至{{ record.to_month|date:'Y年n月' }}",
        verbose_name=_("所属月份"),
        orderable=False,
    )

    class Meta:
        model = DuesRemittance
        fields = (
            "from_org",
            "to_org",
            "months",
            "amount",
            "remitted_on",
            "received_on",
            "reference",
        )
        attrs = ATTRS
        empty_text = _("没有上缴记录。")
