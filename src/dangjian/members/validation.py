"""Member validation shared by the write services and the importer.

`check_member(member)` fills what the ID number implies (birth date, gender) and raises a
ValidationError keyed by field, each message a Chinese sentence saying what to fix. No
message ever contains an ID number, phone number or birth date (they would end up in logs,
and a stored one would tell a user without the reveal right what is hidden).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.bounds import is_digits
from dangjian.core.validators import (
    id_number_birth_date,
    id_number_checksum_ok,
    validate_id_number,
    validate_mobile,
)
from dangjian.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind
from dangjian.orgs.termrules import add_years

if TYPE_CHECKING:
    from .models import Member

# Where a member's organizational relationship (组织关系) may sit.
#
# - 党支部 is the normal home; a 党总支 or 党委 may hold members directly (small bodies, or
#   members not yet assigned to a branch).
# - 党小组 is accepted: it lies inside its 支部's subtree, so every subtree count and every
#   scope check gives the same answer as if the member sat in the 支部, and it lets
#   党小组会 attendance be derived from members.
# - A unit-level 机关党组织 holds members only when it is itself the unit's 机关支部/总支,
#   i.e. it has no 党委/党总支/党支部 beneath it; otherwise members belong below it.
# - 工委 and 党组 never hold members (a 党组 is a leading body, not a membership org).
MEMBER_ORG_KINDS: tuple[str, ...] = (
    OrgKind.BRANCH,
    OrgKind.GENERAL_BRANCH,
    OrgKind.PARTY_COMMITTEE,
    OrgKind.PARTY_GROUP,
    OrgKind.UNIT_PARTY,
)

# Said only when the registered member is one the user may reveal (members.identifiers).
DUPLICATE_ID_MESSAGE = (
    "该身份证号码已登记在您管辖范围内的其他党员名下，不能重复录入；如为调入，请办理组织关系转接。"
)
ADULT_AGE = 18  # 党章第一条：年满十八岁


def gender_from_id_number(value: str) -> str:
    """The 17th digit is odd for men, even for women (GB 11643): "male" or "female"."""
    return "male" if int(value[16]) % 2 else "female"


def looks_like_id_number(value: str) -> bool:
    v = value.strip().upper()
    return len(v) == 18 and is_digits(v[:17]) and (is_digits(v[17]) or v[17] == "X")


def looks_like_mobile(value: str) -> bool:
    v = value.strip()
    return len(v) == 11 and is_digits(v) and v.startswith("1")


def member_org_error(org: Organization | None) -> str | None:
    """Why `org` cannot hold members, or None when it can."""
    if org is None:
        return "请选择党员所在的党组织。"
    if org.kind not in MEMBER_ORG_KINDS:
        return f"{OrgKind(org.kind).label}不直接管理党员，请选择党支部、党总支、党委或党小组。"
    if org.kind == OrgKind.UNIT_PARTY:
        below = Organization.objects.filter(
            path__startswith=org.path, depth=org.depth + 1, kind__in=GRASSROOTS_KINDS
        )
        if below.exists():
            return f"“{org.name}”下设基层党组织，党员应编入其下属的党支部（或党总支、党委）。"
    return None


def fill_derived(member: Member) -> None:
    """Normalize the ID number and phone; fill birth date and gender from a valid ID number."""
    member.id_number = (member.id_number or "").strip().upper()
    member.phone = (member.phone or "").strip()
    if looks_like_id_number(member.id_number) and id_number_checksum_ok(member.id_number):
        id_birth = id_number_birth_date(member.id_number)
        if member.birth_date is None and id_birth is not None:
            member.birth_date = id_birth
        if not member.gender:
            member.gender = gender_from_id_number(member.id_number)


def check_member(member: Member, *, birth_hidden: bool = False) -> None:
    """Validate `member` in place; raise ValidationError({field: [messages]}).

    Calls `fill_derived` first. Duplicates are not checked here: whether a user may be told
    that an ID number is already registered depends on the user (members.identifiers).
    `birth_hidden`: the stored birth date is one the writing user may not see (no reveal
    right, and neither it nor an ID number given in this write), so no rule may compare a
    submitted value with it; the write service checks what it can at year level.
    """
    from .models import MemberStatus

    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    fill_derived(member)
    today = timezone.localdate()
    id_ok = False
    if member.id_number:
        try:
            validate_id_number(member.id_number)
        except ValidationError as exc:
            add("id_number", exc.messages[0])
        else:
            id_ok = True
    if id_ok and not birth_hidden and member.birth_date != id_number_birth_date(member.id_number):
        # No date in the message: it could be the stored one, not what the user typed.
        add("birth_date", "出生日期与身份证号码第 7–14 位的出生日期不一致，请核对。")
    if id_ok and member.gender and member.gender != gender_from_id_number(member.id_number):
        add("gender", "性别与身份证号码不一致（第 17 位奇数为男、偶数为女），请核对。")
    if not member.gender:
        add("gender", "请选择性别（或填写身份证号码自动识别）。")

    if member.phone:
        try:
            validate_mobile(member.phone)
        except ValidationError as exc:
            add("phone", exc.messages[0])

    for field, label in (
        ("birth_date", "出生日期"),
        ("joined_on", "入党日期"),
        ("full_member_on", "转正日期"),
    ):
        value = getattr(member, field)
        if isinstance(value, dt.date) and value > today:
            add(field, f"{label}不能晚于今天，请核对。")

    if (
        not birth_hidden
        and member.birth_date
        and member.joined_on
        and member.joined_on < add_years(member.birth_date, ADULT_AGE)
    ):
        add("joined_on", "入党时应年满十八周岁，请核对入党日期和出生日期。")
    if member.status == MemberStatus.PROBATIONARY and member.full_member_on:
        add("full_member_on", "预备党员没有转正日期；如已转正，请将党员状态改为正式党员。")
    if member.full_member_on and member.joined_on and member.full_member_on <= member.joined_on:
        add("full_member_on", "转正日期应晚于入党日期，请核对。")

    org = member.org if member.org_id else None
    org_error = member_org_error(org)
    if org_error:
        add("org", org_error)

    if errors:
        raise ValidationError(errors)


def check_exemption(exemption: Any) -> None:
    errors: dict[str, list[str]] = {}
    if exemption.ends_on and exemption.starts_on and exemption.ends_on < exemption.starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期，请核对。"]
    if exemption.starts_on and exemption.starts_on > add_years(timezone.localdate(), 1):
        errors["starts_on"] = ["开始日期不能晚于一年以后，请核对。"]
    if errors:
        raise ValidationError(errors)
