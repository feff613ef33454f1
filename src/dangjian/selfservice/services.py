"""Opening member accounts and resetting their initial passwords (decisions/0011).

An org's admin (支部书记, 单位党组织管理员, 工委管理员: `selfservice.add_memberaccount`)
opens accounts for members of their subtree that have none, all at once. Each account
holds only the 党员 role at the member's own org; its initial password is drawn, printed
once on a slip and changed at the first login. Everything is checked before anything is
written; one transaction; one audit event (accounts.services.create_member_accounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower

from dangjian.accounts import services as account_services
from dangjian.accounts.models import User
from dangjian.core.scoping import holds
from dangjian.core.services import ErrorCollector, OutOfScope
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization

from .models import MemberAccount

ADD_PERM = "selfservice.add_memberaccount"
CHANGE_PERM = "selfservice.change_memberaccount"
# One batch is one printed pile of slips; a bigger subtree is opened org by org.
MAX_BATCH = 3000
OUT_OF_SCOPE = "对象不在您的管辖范围内。"


@dataclass(frozen=True)
class Slip:
    """What one printed slip says. The password is on the slip and nowhere else."""

    name: str
    org: str
    username: str
    password: str


def without_account(user: Any, within: Organization | None = None):
    """Members in `user`'s add scope (in `within`'s subtree) who are on the roll without an account."""
    qs = MemberAccount.objects.restrict(user, "add").filter(
        account__isnull=True, membership=MembershipState.NORMAL
    )
    return qs.within(within) if within is not None else qs


# --- usernames ------------------------------------------------------------------------------

_LETTERS = re.compile(r"[a-z]")


def username_for(member: Member) -> str:
    """Pinyin initials (at most four letters; "dy" when the name has none) + the member's id:
    张伟 (id 1234) → "zw1234". Letters then digits, so two members never share one."""
    letters = "".join(_LETTERS.findall(member.name_initials or ""))[:4] or "dy"
    return f"{letters}{member.pk}"


def _taken(names: Iterable[str]) -> set[str]:
    lowered = [n.lower() for n in names]
    found: set[str] = set()
    for start in range(0, len(lowered), 500):
        found |= set(
            User.objects.annotate(low=Lower("username"))
            .filter(low__in=lowered[start : start + 500])
            .values_list("low", flat=True)
        )
    return found


def free_usernames(members: Sequence[Member]) -> list[str]:
    """A username per member, suffixed "-2", "-3"… where an account already has it."""
    bases = [username_for(m) for m in members]
    names = list(bases)
    for suffix in range(2, 50):
        clash = _taken(names)
        if not clash:
            return names
        names = [
            f"{base}-{suffix}" if name.lower() in clash else name
            for base, name in zip(bases, names, strict=True)
        ]
    raise ValidationError("无法为部分党员生成不重复的用户名，请联系系统管理员。")


# --- opening accounts -----------------------------------------------------------------------


def _names(members: Sequence[Member], limit: int = 10) -> str:
    shown = "、".join(m.name for m in members[:limit])
    return shown + (f"等 {len(members)} 人" if len(members) > limit else "")


def _chosen(user: Any, within: Organization | None, member_ids: Sequence[int] | None) -> list:
    """The members to open accounts for, after every check (a ValidationError lists them all)."""
    errors = ErrorCollector()
    fields = ("name", "name_initials", "membership", "account", "org__name", "org__path")
    if member_ids is None:
        members = list(
            without_account(user, within)
            .select_related("org")
            .only(*fields)
            .order_by("org__path", "name", "pk")[: MAX_BATCH + 1]
        )
        if not members:
            errors.add("org", "该组织及其下级没有尚未开通账号的在册党员。")
        elif len(members) > MAX_BATCH:
            errors.add("org", f"一次最多为 {MAX_BATCH} 名党员开通账号，请进入下级党组织分批开通。")
        errors.raise_if_any()
        return members
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        errors.add("members", "请至少选择一名党员。")
    elif len(ids) > MAX_BATCH:
        errors.add("members", f"一次最多为 {MAX_BATCH} 名党员开通账号，请分批开通。")
    errors.raise_if_any()
    members = list(
        MemberAccount.objects.restrict(user, "add")
        .filter(pk__in=ids)
        .select_related("org")
        .only(*fields)
        .order_by("org__path", "name", "pk")
    )
    missing = len(ids) - len(members)
    if missing:
        # The same words for a member that does not exist and one outside the scope.
        errors.add(
            "members", f"有 {missing} 名所选党员不存在或不在您的管辖范围内，请刷新页面后重新选择。"
        )
    if within is not None:
        outside = [m for m in members if not m.org.path.startswith(within.path)]
        if outside:
            errors.add("members", f"{_names(outside)}不在所选党组织及其下级，请重新选择。")
    linked = [m for m in members if m.account_id is not None]
    if linked:
        errors.add("members", f"{_names(linked)}已有登录账号，一名党员只能开通一个账号。")
    gone = [m for m in members if m.membership != MembershipState.NORMAL]
    if gone:
        errors.add(
            "members", f"{_names(gone)}不是在册党员（已转出、已去世或已出党），不能开通账号。"
        )
    errors.raise_if_any()
    return members


def _link(members: Sequence[Member]) -> None:
    """Write each member's new account id: one UPDATE by primary key sent for every row
    (psycopg pipelines it). bulk_update's CASE over 1,000 rows cost more than the rest of
    opening them; the rows are locked and checked free beforehand."""
    table = connection.ops.quote_name(Member._meta.db_table)
    column = connection.ops.quote_name(Member._meta.get_field("account").column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names, not input
            [(m.account_id, m.pk) for m in members],
        )


def open_accounts(
    user: Any, *, within: Organization | None = None, member_ids: Sequence[int] | None = None
) -> list[Slip]:
    """Open accounts for the members of `within`'s subtree that have none, or for the members
    `member_ids` names. All or nothing; the slips are returned, to be printed once."""
    if within is not None and not holds(user, ADD_PERM, within.path):
        raise OutOfScope(OUT_OF_SCOPE)
    members = _chosen(user, within, member_ids)
    usernames = free_usernames(members)
    entries = [
        account_services.NewMemberAccount(
            username=name, display_name=m.name, org=m.org, member_id=m.pk
        )
        for m, name in zip(members, usernames, strict=True)
    ]
    pks = [m.pk for m in members]
    with transaction.atomic():
        # Lock the members, then check again: another admin may have opened some meanwhile.
        free = Member.objects.select_for_update().filter(pk__in=pks, account__isnull=True)
        if len(free.values_list("pk", flat=True)) != len(pks):
            raise ValidationError(
                {
                    "members": [
                        "有党员刚由他人开通了账号，本次未开通任何账号；请刷新页面后重新办理。"
                    ]
                }
            )
        pairs = account_services.create_member_accounts(user, entries, within=within)
        for member, (account, _raw) in zip(members, pairs, strict=True):
            member.account_id = account.pk
        _link(members)
    return [
        Slip(name=m.name, org=m.org.name, username=account.username, password=raw)
        for m, (account, raw) in zip(members, pairs, strict=True)
    ]


# --- resetting an initial password ----------------------------------------------------------


def may_reset(user: Any, member: MemberAccount) -> str | None:
    """Why `user` may not reset `member`'s password (None: they may). Only a pure member
    account: one holding any other role is an admin's, reset by the 系统管理员."""
    account = member.account
    if account is None:
        return "该党员还没有登录账号。"
    if not holds(user, CHANGE_PERM, member.org.path):
        return OUT_OF_SCOPE
    roles = set(account.role_assignments.values_list("role", flat=True))
    if roles - {account_services.MEMBER_ROLE}:
        return "该账号还担任其他角色，只能由系统管理员重置密码。"
    if member.account_id == getattr(user, "pk", None):
        return "不能在此重置自己的密码，请使用“修改密码”。"
    return None


def reset_password(user: Any, member: MemberAccount) -> Slip:
    """A new initial password for `member`'s account, shown once on a slip (audited)."""
    refusal = may_reset(user, member)
    if refusal == OUT_OF_SCOPE:
        raise OutOfScope(refusal)
    if refusal:
        raise ValidationError(refusal)
    account = member.account
    assert account is not None  # may_reset refused an unlinked member
    raw = account_services.reset_initial_password(user, account)
    return Slip(name=member.name, org=member.org.name, username=account.username, password=raw)
