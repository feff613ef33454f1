"""Filters for the user list page and /api/users/."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from .models import RoleAssignment, User
from .roles import ROLE_CHOICES


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="用户名或姓名", method="filter_q")
    role = django_filters.ChoiceFilter(
        label="角色", choices=ROLE_CHOICES, method="filter_role", empty_label="全部"
    )
    is_active = django_filters.BooleanFilter(
        label="状态",
        widget=forms.Select(choices=[("", "全部"), ("true", "启用"), ("false", "已停用")]),
    )

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value))

    def filter_role(self, queryset, name, value):
        # EXISTS rather than a join: a user holding the role twice is listed once.
        held = RoleAssignment.objects.filter(user=OuterRef("pk"), role=value)
        return queryset.filter(Exists(held))
