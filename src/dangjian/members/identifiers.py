"""What a user may learn about a member's ID number and phone (decisions/0008).

Masked means unrecoverable: a user without the reveal right over a member must get nothing
that narrows the member's ID number or phone. Besides the masks themselves, three kinds of
answer could confirm a guessed full value, and each is decided here, once:

- **Exact lookup** by a full ID number or phone (search, export filter, attendance by ID
  number): a reveal. It matches only members the user may reveal, and each match is audited
  as a reveal; without the right anywhere it matches nothing and the attempt is audited as
  a refused reveal.
- **Duplicates**: telling a user "this ID number is already registered" confirms it. The
  refusal is given only when the registered member is one the user may reveal (audited as a
  reveal). Otherwise the new record is kept, marked `id_number_clash`, and shown as a
  clash only to users who may reveal every member sharing the number (the 工委 above both).
- **Hidden stored values** in validation: `hidden_for(user, member, submitted)` names the
  stored values a write may not compare against (members.services).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from dangjian.core.crypto import blind_index
from dangjian.core.querysets import RestrictedQuerySet
from dangjian.core.scoping import holds
from dangjian.core.services import emit

from .models import Member
from .validation import looks_like_id_number, looks_like_mobile

REVEAL_PERM = "members.reveal_member"
# Write-only for a user without the reveal right: they may replace these, never read them.
HIDDEN_FIELDS = ("id_number", "phone", "birth_date")
NEEDS_REVEAL_MESSAGE = (
    "按完整身份证号码或手机号码查找需要“查看敏感信息”的权限；请改按姓名或拼音首字母查找。"
)
NEEDS_REVEAL_FOR_ATTENDANCE = "按完整身份证号码登记参加人员需要“查看敏感信息”的权限，请改填姓名。"


def can_reveal(user: Any, member: Member) -> bool:
    """Does `user` hold the reveal right over `member`'s org? (path check, no query)"""
    return holds(user, REVEAL_PERM, member.org.path)


def reveals_anywhere(user: Any) -> bool:
    return holds(user, REVEAL_PERM)


def exact_field(value: str) -> str | None:
    """The sensitive field a search term names in full, or None for a name search."""
    if looks_like_id_number(value):
        return "id_number"
    if looks_like_mobile(value):
        return "phone"
    return None


def audit_lookup(members: Iterable[Member], field: str, via: str) -> None:
    """One reveal event per member an exact lookup confirmed (the value is never recorded);
    a lookup that confirmed nothing is recorded once, without an object. The actor is the
    request's user, as for every audit event."""
    found = False
    for member in members:
        found = True
        emit("reveal", member, field=field, via=via)
    if not found:
        emit("reveal", None, field=field, via=via, found=0)


def search(
    user: Any, queryset: RestrictedQuerySet, value: str, via: str = "search"
) -> RestrictedQuerySet:
    """Rows of `queryset` whose `field` equals `value`, among those `user` may reveal; audited.

    Without the reveal right anywhere the answer is no rows, whatever the value (and the
    attempt is recorded as a refused reveal): never an answer that depends on the value.
    """
    field = exact_field(value)
    if field is None:
        raise ValueError("not a full ID number or mobile number")
    if not reveals_anywhere(user):
        emit("reveal", None, outcome="failure", field=field, via=via)
        return queryset.none()
    matches = list(
        queryset.restrict(user, "reveal")
        .filter(**{f"{field}_blind": blind_index(value)})
        .select_related(None)
        .select_related("org")
        .only("pk", "name", "org__path")
    )
    audit_lookup(matches, field, via)
    return queryset.filter(pk__in=[m.pk for m in matches])


def match_id_numbers(
    user: Any, candidates: Iterable[Member], tokens: Iterable[str]
) -> dict[str, Member]:
    """ID numbers typed for attendance → those of `candidates` (loaded with `org__path`) the
    user may reveal. Tokens that match nothing the user may reveal are simply absent: the
    caller answers them as it answers a number that belongs to no member. Not audited here
    (callers audit what they keep, after any rollback: `audit_lookup`)."""
    wanted = {blind_index(t.upper()): t.upper() for t in tokens if looks_like_id_number(t)}
    found: dict[str, Member] = {}
    for member in candidates:
        token = wanted.get(member.id_number_blind or "")
        if token and token not in found and can_reveal(user, member):
            found[token] = member
    return found


# --- duplicates ----------------------------------------------------------------------


def id_number_clash(user: Any, member: Member) -> bool:
    """Is `member`'s ID number registered to another member, and may `user` be told?

    - raises DuplicateVisible: another member the user may reveal holds it (the user could
      find them by an audited exact search anyway); the lookup is audited as a reveal;
    - True: only members the user may not reveal hold it: keep the write, marked as a clash;
    - False: no other member holds it.
    """
    if not member.id_number:
        return False
    others = Member.objects.filter(id_number_blind=blind_index(member.id_number))
    if member.pk:
        others = others.exclude(pk=member.pk)
    visible = list(
        others.restrict(user, "reveal").select_related("org").only("pk", "name", "org__path")
    )
    if visible:
        audit_lookup(visible, "id_number", "duplicate_check")
        raise DuplicateVisible(visible)
    return others.exists()


class DuplicateVisible(Exception):
    """The ID number belongs to members the user may reveal (`members`)."""

    def __init__(self, members: list[Member]):
        super().__init__("duplicate ID number")
        self.members = members


def clash_partners(user: Any, member: Member) -> list[Member]:
    """The other members holding `member`'s ID number, when `user` may reveal every one of
    them and `member` itself; otherwise [] (the clash is not the user's to learn)."""
    if not member.id_number_blind or not can_reveal(user, member):
        return []
    others = Member.objects.filter(id_number_blind=member.id_number_blind).exclude(pk=member.pk)
    revealable = Member.objects.restrict(user, "reveal").values("pk")
    if others.exclude(pk__in=revealable).exists():
        return []
    return list(others.select_related("org"))


def clashes_visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """Rows of `queryset` whose ID number another member also holds, where `user` may reveal
    every member holding it (the list the 工委 works through to resolve duplicates)."""
    revealable = Member.objects.restrict(user, "reveal").values("pk")
    same = Member.objects.filter(id_number_blind=OuterRef("id_number_blind"))
    return (
        queryset.filter(pk__in=revealable)
        .filter(Exists(same.exclude(pk=OuterRef("pk"))))
        .exclude(Exists(same.exclude(pk__in=revealable)))
    )
