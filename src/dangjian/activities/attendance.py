"""Who was expected at an activity, who could attend, and whether a quorum was present.

Everything here derives from records (members, transfers, exemptions, committee posts):
membership on a past date is reconstructed from the transfer history, so recording a
meeting of last March still expects the members of last March.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from dangjian.core.crypto import blind_index, mask_id_number
from dangjian.members import identifiers
from dangjian.members.models import Exemption, Member
from dangjian.members.validation import looks_like_id_number
from dangjian.orgs.models import Organization, OrgKind

from . import kinds
from .membership import (
    MEMBER_COLUMNS,
    committee_member_ids,
    committee_posts,
    is_full_at,
    members_at,
)
from .models import ActivityKind, ParticipationStatus


@dataclass
class Expected:
    member: Member
    exemption: Exemption | None = None

    @property
    def exempt(self) -> bool:
        return self.exemption is not None

    @property
    def default_status(self) -> str:
        return ParticipationStatus.EXEMPT if self.exempt else ParticipationStatus.ATTENDED

    @property
    def default_reason(self) -> str:
        return self.exemption.get_reason_display() if self.exemption else ""


def expected_q(org: Organization, kind: str, day: dt.date) -> Q | None:
    """Who is expected, as a condition on `members_at(attendee_pool(org), day)`.

    None: nobody (a 党组's own membership is not recorded as members); an empty Q:
    everyone in the pool.
    """
    if kind == ActivityKind.COMMITTEE_MEETING:
        return Q(pk__in=committee_posts(org, day).values("member_id"))
    if org.kind == OrgKind.LEADING_GROUP:
        return None
    if org.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        return Q()  # a branch's members include those of its 党小组
    # 党委/总支/unit-level org: its own members and those of 党小组 directly under it,
    # not the whole subtree (a 党委's branches meet on their own).
    return Q(org=org) | Q(
        org__kind=OrgKind.PARTY_GROUP, org__path__startswith=org.path, org__depth=org.depth + 1
    )


def exemptions_on(member_ids: Iterable[int], day: dt.date) -> dict[int, Exemption]:
    rows = Exemption.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        member_id__in=list(member_ids),
        starts_on__lte=day,
    ).order_by("starts_on")
    return {e.member_id: e for e in rows}


def expected_attendees(org: Organization, kind: str, day: dt.date) -> list[Expected]:
    """Who the record pre-fills: the org's (or committee's) members on `day`, exemptions flagged."""
    condition = expected_q(org, kind, day)
    if condition is None:
        return []
    members = list(
        members_at(kinds.attendee_pool(org), day)
        .filter(condition)
        .select_related("org")
        .only(*MEMBER_COLUMNS, "org__name", "org__path", "org__kind")
        .order_by("org__path", "name", "pk")
    )
    exempt = exemptions_on((m.pk for m in members), day)
    return [Expected(m, exempt.get(m.pk)) for m in members]


@dataclass
class Quorum:
    basis: str  # "committee" or "voting"
    required_of: int  # how many count towards the quorum
    present: int
    citation: dict[str, Any]

    @property
    def met(self) -> bool | None:
        if self.required_of == 0:
            return None
        return self.present * 2 > self.required_of

    @property
    def message(self) -> str:
        who = "支委会委员" if self.basis == "committee" else "有表决权的党员"
        source = f"{self.citation['document']}{self.citation['article']}"
        if self.required_of == 0:
            if self.basis == "committee":
                return f"未登记该日期在任的支委会委员，无法核对到会人数（{source}）。"
            return f"没有应到会的{who}，无法核对到会人数。"
        state = "达到" if self.met else "未达到"
        return f"应到{who} {self.required_of} 人，实到 {self.present} 人，{state}半数以上（{source}）。"


def quorum(
    org: Organization,
    kind: str,
    day: dt.date,
    rows: list[tuple[Member, str]],
    committee_ids: set[int] | None = None,
) -> Quorum | None:
    """The quorum check for `kind` given the (member, status) rows of the record, or None."""
    rule = kinds.QUORUM_RULES.get(kind)
    if rule is None:
        return None
    attended = ParticipationStatus.ATTENDED
    if rule.basis == "committee":
        committee = committee_member_ids(org, day) if committee_ids is None else committee_ids
        present = sum(1 for m, s in rows if s == attended and m.pk in committee)
        return Quorum(rule.basis, len(committee), present, rule.citation)
    # 有表决权: full members on the day; exempt members (年老体弱, 长期外出) are not counted
    # among those due to attend.
    voting = [(m, s) for m, s in rows if is_full_at(m, day) and s != ParticipationStatus.EXEMPT]
    present = sum(1 for _m, s in voting if s == attended)
    return Quorum(rule.basis, len(voting), present, rule.citation)


def resolve_people(
    pool: Organization, day: dt.date, tokens: list[str], user: Any = None
) -> tuple[list[Member], list[str]]:
    """Names or ID numbers typed by `user` → members of `pool` on `day`; errors in Chinese.

    One query: ID numbers match through the blind index, names exactly; a name shared by
    several members must be given as an ID number instead. Matching a full ID number is a
    reveal (members.identifiers): only members the user may reveal, audited; without the
    right, any ID number gets the same answer.
    """
    if not tokens:
        return [], []
    ids = {t.upper(): blind_index(t.upper()) for t in tokens if looks_like_id_number(t)}
    names = [t for t in tokens if t.upper() not in ids]
    found = list(
        members_at(pool, day)
        .filter(Q(name__in=names) | Q(id_number_blind__in=list(ids.values())))
        .select_related("org")
        .only(*MEMBER_COLUMNS, "id_number_blind", "org__name", "org__path")
    )
    by_id = identifiers.match_id_numbers(user, found, ids)
    may_reveal = identifiers.reveals_anywhere(user)
    by_name: dict[str, list[Member]] = {}
    for m in found:
        by_name.setdefault(m.name, []).append(m)
    members: list[Member] = []
    revealed: list[Member] = []
    errors: list[str] = []
    for token in tokens:
        if token.upper() in ids:
            member = by_id.get(token.upper())
            if not may_reveal:
                errors.append(identifiers.NEEDS_REVEAL_FOR_ATTENDANCE)
            elif member is None:
                errors.append(
                    f"身份证号为 {mask_id_number(token.upper())} 的人员不是“{pool.name}”在该日期的党员。"
                )
            else:
                members.append(member)
                revealed.append(member)
            continue
        matches = by_name.get(token, [])
        if not matches:
            errors.append(f"“{token}”不是“{pool.name}”在该日期的党员，请核对姓名。")
        elif len(matches) > 1:
            errors.append(f"“{pool.name}”有 {len(matches)} 名党员叫“{token}”，请改填身份证号。")
        else:
            members.append(matches[0])
    if revealed:
        identifiers.audit_lookup(revealed, "id_number", "attendance")
    return members, errors
