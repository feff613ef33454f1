"""Member list table: sensitive columns are masked, never rendered in plaintext."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dangjian.core.scoping import holds, scope_paths

from .identifiers import REVEAL_PERM, can_reveal
from .models import Exit, Member, Transfer


def reveals_whole_view(user: Any) -> bool:
    """Does `user` hold the reveal right wherever they may view members?"""
    reveal = scope_paths(user, REVEAL_PERM)
    return bool(reveal) and all(
        holds(user, REVEAL_PERM, path) for path in scope_paths(user, "members.view_member")
    )


class MemberTable(tables.Table):
    name = tables.Column(linkify=True)
    # Two renderings of the birth date; the table keeps one (see __init__).
    birth_date = tables.Column(verbose_name=_("出生日期"))
    birth_masked = tables.Column(accessor="birth_date", verbose_name=_("出生日期"), orderable=False)
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
        sequence = ("name", "gender", "birth_date", "birth_masked", "id_number", "phone", "...")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的党员。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = getattr(kwargs.get("request"), "user", None)
        # Sorting by the full birth date would place a member's hidden birthday among dates
        # the user knows: the sortable full column only where every row shown is one the
        # user may reveal; otherwise a column per row, not sortable (decisions/0008).
        drop = "birth_masked" if reveals_whole_view(self.user) else "birth_date"
        kwargs["exclude"] = (*(kwargs.get("exclude") or ()), drop)
        super().__init__(*args, **kwargs)

    def render_birth_masked(self, value, record: Member) -> str:
        if can_reveal(self.user, record):
            return f"{value:%Y-%m-%d}"
        return record.masked_birth_date()


class ExitTable(tables.Table):
    member = tables.Column(linkify=True, verbose_name=_("姓名"))
    org = tables.Column(accessor="member__org", linkify=True, verbose_name=_("所在党组织"))
    approver = tables.Column(
        accessor="approver", verbose_name=_("批准组织"), orderable=False, default="—"
    )

    class Meta:
        model = Exit
        fields = ("member", "org", "kind", "left_on", "reason", "approver", "document_number")
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的出党/减少记录。")


class TransferTable(tables.Table):
    """组织关系转接: one row both sides see (the source through `from_org`)."""

    member = tables.Column(linkify=True, verbose_name=_("姓名"))
    source = tables.Column(
        accessor="from_org", verbose_name=_("转出组织"), orderable=False, default="—"
    )
    destination = tables.Column(
        accessor="to_org", verbose_name=_("转入组织"), orderable=False, default="—"
    )

    class Meta:
        model = Transfer
        fields = (
            "member",
            "transferred_on",
            "source",
            "destination",
            "letter_number",
            "dues_paid_until",
        )
        attrs = {"class": "table table-vcenter card-table table-striped"}
        empty_text = _("没有符合条件的组织关系转接记录。")

    def render_source(self, value, record: Transfer) -> str:
        return str(value) if value else f"{record.external_org_name or '系统外'}（系统外）"

    def render_destination(self, value, record: Transfer) -> str:
        return str(value) if value else f"{record.external_org_name or '系统外'}（系统外）"
