"""List tables of the volunteers app."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Community, CommunityFeedback, CommunityRegistration, TaskForce

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class CommunityTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Community
        fields = ("name", "district", "street", "contact", "phone")
        attrs = ATTRS
        empty_text = _("还没有登记社区。")


class RegistrationTable(tables.Table):
    who = tables.Column(
        accessor="pk",
        verbose_name=_("报到对象"),
        linkify=("volunteers:registration_detail", {"pk": tables.A("pk")}),
        orderable=False,
    )
    org = tables.Column(accessor="org__name", verbose_name=_("党组织"))
    community = tables.Column(accessor="community__name", verbose_name=_("社区"))

    class Meta:
        model = CommunityRegistration
        fields = ("who", "org", "community", "starts_on", "ends_on")
        attrs = ATTRS
        empty_text = _("没有符合条件的双报到登记。")

    def render_who(self, record):
        return record.member.name if record.member_id else _("（党组织报到）")


class FeedbackTable(tables.Table):
    year = tables.Column(linkify=("volunteers:feedback_detail", {"pk": tables.A("pk")}))
    community = tables.Column(accessor="community__name", verbose_name=_("社区"))
    org = tables.Column(accessor="org__name", verbose_name=_("被评价党组织"))
    member = tables.Column(accessor="member__name", verbose_name=_("被评价党员"), default="—")

    class Meta:
        model = CommunityFeedback
        fields = ("year", "community", "org", "member", "rating", "given_on")
        attrs = ATTRS
        empty_text = _("没有符合条件的社区反馈。")


class TaskForceTable(tables.Table):
    name = tables.Column(linkify=True)
    org = tables.Column(accessor="org__name", verbose_name=_("党组织"))
    n_members = tables.Column(verbose_name=_("队员数"), orderable=False)

    class Meta:
        model = TaskForce
        fields = ("name", "kind", "project", "org", "starts_on", "ends_on", "n_members")
        attrs = ATTRS
        empty_text = _("没有符合条件的党员突击队。")
