"""Which org kinds may hold which activity kinds, and how each kind counts attendance.

The registry is code (it follows from the org structure, not from locality policy); the
rule library (rules app) decides how often a kind must be held. The thresholds that
depend on regulations carry their citations here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from dangjian.members.models import MemberStatus
from dangjian.orgs.models import Organization, OrgKind

from .full_members import full_members_on
from .membership import members_at
from .models import ActivityKind

K = ActivityKind

# 党支部委员会: a branch with 7 or more full members elects a committee; below that it
# has only a secretary (and maybe a deputy), so it cannot hold 支委会.
COMMITTEE_MIN_FULL_MEMBERS = 7
COMMITTEE_CITATION = {
    "document": "《中国共产党党和国家机关基层组织工作条例》（2019）",
    "article": "第七条",
    "quote": "正式党员7人以上的党支部，设立支部委员会",
    "verified": True,
}

# Kinds a membership org (党委/总支/支部, and the unit-level org when it holds members)
# may hold. 支委会 is added only when there is a committee (see `allowed_kinds`).
_MEMBERSHIP_KINDS = (
    K.MEMBER_ASSEMBLY,
    K.PARTY_LECTURE,
    K.THEME_DAY,
    K.LIFE_MEETING,
    K.DEMOCRATIC_APPRAISAL,
    K.HEART_TALK,
    K.YOUTH_STUDY,
    K.SEMINAR,
    K.TRAINING,
    K.VOLUNTEER,
    K.WARNING_EDUCATION,
    K.OATH_RENEWAL,
    K.POLITICAL_BIRTHDAY,
)

BY_ORG_KIND: dict[str, tuple[str, ...]] = {
    # The 工委 runs city-wide training, seminars and warning education for the orgs below.
    OrgKind.COMMITTEE: (
        K.COMMITTEE_MEETING,
        K.PARTY_LECTURE,
        K.SEMINAR,
        K.TRAINING,
        K.VOLUNTEER,
        K.WARNING_EDUCATION,
    ),
    OrgKind.UNIT_PARTY: (*_MEMBERSHIP_KINDS, K.COMMITTEE_MEETING),
    # 党组（党委）: the unit's leading group owns the 理论学习中心组.
    OrgKind.LEADING_GROUP: (
        K.CENTRAL_GROUP_STUDY,
        K.SEMINAR,
        K.PARTY_LECTURE,
        K.TRAINING,
        K.WARNING_EDUCATION,
    ),
    OrgKind.PARTY_COMMITTEE: (*_MEMBERSHIP_KINDS, K.COMMITTEE_MEETING),
    OrgKind.GENERAL_BRANCH: (*_MEMBERSHIP_KINDS, K.COMMITTEE_MEETING),
    OrgKind.BRANCH: (*_MEMBERSHIP_KINDS, K.COMMITTEE_MEETING),
    OrgKind.PARTY_GROUP: (
        K.GROUP_MEETING,
        K.HEART_TALK,
        K.VOLUNTEER,
        K.OATH_RENEWAL,
        K.POLITICAL_BIRTHDAY,
    ),
}


@dataclass(frozen=True)
class QuorumRule:
    kind: str
    basis: str  # "committee": committee members; "voting": full members (有表决权)
    citation: dict


QUORUM_RULES: dict[str, QuorumRule] = {
    K.COMMITTEE_MEETING: QuorumRule(
        K.COMMITTEE_MEETING,
        "committee",
        {
            "document": "《中国共产党支部工作条例（试行）》（2018）",
            "article": "第十二条",
            "quote": "党支部委员会会议…须有半数以上委员到会方可进行",
            "verified": True,
        },
    ),
    K.MEMBER_ASSEMBLY: QuorumRule(
        K.MEMBER_ASSEMBLY,
        "voting",
        {
            "document": "《中国共产党发展党员工作细则》（2014）",
            "article": "第二十条",
            "quote": "到会有表决权的党员须超过应到会有表决权党员的半数",
            "verified": False,
        },
    ),
}


def uses_committee(kind: str) -> bool:
    return kind == K.COMMITTEE_MEETING


def attendee_pool(org: Organization) -> Organization:
    """The org whose subtree attendees come from.

    A 党组 holds no membership records (members belong to the unit's orgs), so its
    中心组学习 and seminars draw attendees from the unit-level org above it.
    """
    if org.kind == OrgKind.LEADING_GROUP:
        parent = org.get_parent()
        if parent is not None:
            return parent
    return org


def full_members_at(org: Organization, day: dt.date):
    """Full members (有表决权) of `org`'s subtree on `day`, as a queryset."""
    return members_at(org, day).filter(
        Q(full_member_on__isnull=True) | Q(full_member_on__lte=day), status=MemberStatus.FULL
    )


def has_committee(org: Organization, day: dt.date, full_members: int | None = None) -> bool:
    """Does `org` have a 委员会 on `day`? Branches: ≥ 7 full members (机关条例 第七条).

    `full_members` lets a caller that already knows the count (the importer) skip the query.
    """
    if org.kind == OrgKind.BRANCH:
        if full_members is None:
            # The transfer-aware count the rules evaluator uses too (one function).
            full_members = full_members_on(org, day)
        return full_members >= COMMITTEE_MIN_FULL_MEMBERS
    return org.kind in (
        OrgKind.COMMITTEE,
        OrgKind.UNIT_PARTY,
        OrgKind.PARTY_COMMITTEE,
        OrgKind.GENERAL_BRANCH,
    )


def has_leading_group(org: Organization) -> bool:
    return (
        Organization.objects.children_of(org).filter(kind=OrgKind.LEADING_GROUP).exists()
        if org.kind == OrgKind.UNIT_PARTY
        else False
    )


def allowed_kinds(
    org: Organization,
    day: dt.date | None = None,
    *,
    full_members: int | None = None,
    leading_group: bool | None = None,
) -> tuple[str, ...]:
    """The activity kinds `org` may hold on `day` (committee-dependent kinds checked then).

    `full_members` and `leading_group` may be passed when already known (no query then).
    """
    kinds = list(BY_ORG_KIND.get(org.kind, ()))
    if org.kind == OrgKind.UNIT_PARTY:
        if leading_group is None:
            leading_group = has_leading_group(org)
        if not leading_group:
            # No 党组 node recorded: the unit-level org stands for the unit's leading group.
            kinds.append(K.CENTRAL_GROUP_STUDY)
    if (
        K.COMMITTEE_MEETING in kinds
        and day is not None
        and not has_committee(org, day, full_members)
    ):
        kinds.remove(K.COMMITTEE_MEETING)
    return tuple(kinds)


def kind_error(org: Organization, kind: str, day: dt.date | None, **known: Any) -> str | None:
    """Why `org` may not hold `kind` (a Chinese sentence), or None when it may."""
    if kind not in ActivityKind.values:
        return f"“{kind}”不是有效的活动类型。"
    base = BY_ORG_KIND.get(org.kind, ())
    # The usual case costs no query: only the two kinds that depend on the org's state
    # (a committee, a 党组 node) are checked against the database.
    if kind in base and kind != K.COMMITTEE_MEETING:
        return None
    if kind == K.COMMITTEE_MEETING and kind in base:
        if day is None or has_committee(org, day, known.get("full_members")):
            return None
    elif kind == K.CENTRAL_GROUP_STUDY and org.kind == OrgKind.UNIT_PARTY:
        group = known.get("leading_group")
        if not (has_leading_group(org) if group is None else group):
            return None
    label = ActivityKind(kind).label
    org_label = OrgKind(org.kind).label
    if kind == K.COMMITTEE_MEETING and kind in BY_ORG_KIND.get(org.kind, ()):
        return (
            f"“{org.name}”在该日期正式党员不足 {COMMITTEE_MIN_FULL_MEMBERS} 人，未设支部委员会，"
            f"不能召开{label}（{COMMITTEE_CITATION['document']}{COMMITTEE_CITATION['article']}）；"
            "请改为支部党员大会或其他类型。"
        )
    if kind == K.GROUP_MEETING:
        return f"{label}只能由党小组召开，请在党小组下录入。"
    if kind == K.CENTRAL_GROUP_STUDY:
        return f"{label}由单位党组（党委）组织，请在单位党组或单位党组织下录入。"
    names = "、".join(str(ActivityKind(k).label) for k in allowed_kinds(org, day, **known)) or "无"
    return f"{org_label}“{org.name}”不能组织{label}；可组织的活动类型：{names}。"
