"""The member-account list: who has an account and whether it has been used."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import MemberAccount


class MemberAccountTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("姓名"))
    org = tables.Column(accessor="org__name", verbose_name=_("所在党组织"))
    opened = tables.Column(
        accessor="account", verbose_name=_("登录账号"), orderable=False, empty_values=()
    )
    last_login = tables.DateTimeColumn(
        accessor="account__last_login",
        verbose_name=_("最近登录"),
        format="Y-m-d H:i",
        orderable=False,
        default="—",
    )

    class Meta:
        model = MemberAccount
        fields = ("name", "org", "opened", "last_login")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的党员。")

    def render_opened(self, value, record: MemberAccount) -> str:
        account = record.account
        if account is None:
            return format_html('<span class="text-secondary">{}</span>', _("未开通"))
        if not account.is_active:
            return format_html('<span class="badge bg-secondary-lt">{}</span>', _("已停用"))
        if account.must_change_password:
            return format_html(
                '<span class="badge bg-yellow-lt">{}</span>', _("已开通，未修改初始密码")
            )
        return format_html('<span class="badge bg-green-lt">{}</span>', _("已开通"))
