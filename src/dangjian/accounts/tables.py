"""The user list table (roles come from one prefetch; lockout state from one subquery)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from .lockout import is_locked
from .models import User
from .roles import ROLES


class UserTable(tables.Table):
    username = tables.LinkColumn(
        "accounts:user_detail", args=[tables.A("pk")], verbose_name="用户名"
    )
    display_name = tables.Column(verbose_name="姓名")
    roles = tables.Column(verbose_name="角色", empty_values=(), orderable=False)
    is_active = tables.Column(verbose_name="状态")
    last_login = tables.DateTimeColumn(verbose_name="最近登录", format="Y-m-d H:i")
    password_changed_at = tables.DateTimeColumn(verbose_name="密码修改时间", format="Y-m-d")

    class Meta:
        model = User
        fields = (
            "username",
            "display_name",
            "roles",
            "is_active",
            "last_login",
            "password_changed_at",
        )
        attrs = {"class": "table table-vcenter card-table"}
        empty_text = "没有符合条件的用户。"

    def render_roles(self, record):
        parts = []
        for assignment in record.role_assignments.all():
            role = ROLES.get(assignment.role)
            label = role.label if role else assignment.role
            parts.append((f"{label} @ {assignment.org}" if assignment.org_id else label,))
        if not parts:
            return "—"
        return format_html_join(" ", '<span class="badge bg-blue-lt">{}</span>', parts)

    def render_is_active(self, record):
        if not record.is_active:
            return format_html('<span class="badge bg-secondary-lt">{}</span>', "已停用")
        if is_locked(record):
            return format_html('<span class="badge bg-red-lt">{}</span>', "已锁定")
        return format_html('<span class="badge bg-green-lt">{}</span>', "正常")
