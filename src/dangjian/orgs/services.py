"""Writes to the org tree, terms and committees: validated, atomic, scope re-checked, audited.

Every function takes the acting user first and follows one shape (core/services.py):
validate → write → re-check the written rows are in the user's scope → audit, all in
one transaction; a scope violation rolls everything back and is itself audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.core.services import OutOfScope, emit, ensure_in_scope

from .models import (
    ACTIVE_MEMBERSHIP,
    ALLOWED_CHILDREN,
    CommitteePost,
    Organization,
    OrgKind,
    OrgStatus,
    Term,
    Unit,
)

ORG_FIELDS = frozenset(
    {"kind", "name", "short_name", "unit", "unit_id", "established_on", "code", "unit_form"}
)
TERM_FIELDS = frozenset(
    {
        "number",
        "started_on",
        "ended_on",
        "extension_approved",
        "extended_to",
        "approval_document",
        "note",
    }
)
NOT_FOUND = "对象不在您的管辖范围内。"


@contextmanager
def _audit_refusal(user: Any, obj: Any, operation: str) -> Iterator[None]:
    """Record a scope refusal after its transaction rolled back (the event must survive it)."""
    try:
        yield
    except OutOfScope:
        emit("permission_denied", obj, user=user, outcome="failure", operation=operation)
        raise


def _org_for(user: Any, perm: str, pk: Any, *, lock: bool = False) -> Organization:
    """The org `pk` if `perm` covers it for `user`, else OutOfScope (same answer as missing)."""
    qs = Organization.objects.holding(user, perm)
    if lock:
        qs = qs.select_for_update()
    org = qs.filter(pk=pk).first()
    if org is None:
        raise OutOfScope(NOT_FOUND)
    return org


def _check_unit(user: Any, unit: Unit | None) -> None:
    if unit is not None and not Unit.objects.restrict(user, "view").filter(pk=unit.pk).exists():
        raise ValidationError({"unit": "所选单位不在您的管辖范围内，请重新选择。"})


def _set_fields(instance: Any, allowed: frozenset[str], fields: dict[str, Any]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"fields not writable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


# --- organizations ---------------------------------------------------------------------


def create_org(user: Any, parent: Organization | None, **fields: Any) -> Organization:
    """Add an org under `parent` (in the user's add scope); kind checked; unit inherited."""
    with _audit_refusal(user, parent, "create_org"), transaction.atomic():
        if parent is None:
            # A new root is outside every subtree: only the whole-tree actor (CLI) may add one.
            if not holds(user, "orgs.add_organization", ""):  # "" lies above every root
                raise OutOfScope(NOT_FOUND)
        else:
            # Locked and fresh: treebeard computes the child's path from the parent's numchild.
            parent = _org_for(user, "orgs.add_organization", parent.pk, lock=True)
        org = Organization()
        _set_fields(org, ORG_FIELDS, fields)
        org.clean_parent(parent)
        if parent is not None and org.unit_id is None:
            org.unit_id = parent.unit_id
        _check_unit(user, org.unit)
        org.full_clean(exclude=["path", "depth", "numchild"])
        if parent is None:
            org = Organization.add_root(instance=org)
        else:
            org = parent.add_child(instance=org)
        ensure_in_scope(user, org, "add")
        emit("create", org, user=user, after=snapshot(org), parent_id=parent.pk if parent else None)
    return org


def update_org(
    user: Any, org: Organization, parent: Organization | None = None, **fields: Any
) -> Organization:
    """Change an org's own fields and, given `parent`, move it there: both or neither.

    Status changes go through `dissolve_org`.
    """
    with _audit_refusal(user, org, "update_org"), transaction.atomic():
        if parent is not None:
            _move(user, org, parent, kind=fields.get("kind"))
        org = _org_for(user, "orgs.change_organization", org.pk, lock=True)
        before = snapshot(org)
        old_kind, old_form = org.kind, org.unit_form
        _set_fields(org, ORG_FIELDS, fields)
        if "unit" in fields or "unit_id" in fields:
            _check_unit(user, org.unit)
        if org.kind != old_kind:
            org.clean_parent(org.get_parent())
            _check_children_fit(org)
        org.full_clean(exclude=["path", "depth", "numchild"])
        org.save()
        if (org.kind, org.unit_form) != (old_kind, old_form):
            _recompute_open_term(user, org)
        ensure_in_scope(user, org, "change")
        after = snapshot(org)
        if after != before:  # a bare move was audited by _move already
            emit("update", org, user=user, before=before, after=after)
    return org


def _recompute_open_term(user: Any, org: Organization) -> None:
    """The current term's planned end follows the org's (new) form or kind: 机关党委 5 years,
    机关总支/机关支部 3. Ended terms keep the length they were elected for."""
    term = Term.objects.select_for_update().filter(org=org, ended_on__isnull=True).first()
    if term is None:
        return
    before = snapshot(term)
    term.org = org  # the changed form, not a stale copy
    term.full_clean()  # an approved extension must still fit the new planned end
    term.save()
    after = snapshot(term)
    if after != before:
        emit("update", term, user=user, before=before, after=after, operation="term_length")


def _check_children_fit(org: Organization) -> None:
    allowed = ALLOWED_CHILDREN.get(org.kind, ())
    child_kinds = set(Organization.objects.children_of(org).values_list("kind", flat=True))
    misfits = sorted(child_kinds - set(allowed))
    if misfits:
        names = "、".join(str(OrgKind(k).label) for k in misfits)
        raise ValidationError(
            {
                "kind": f"下级组织中有{names}，{OrgKind(org.kind).label}下不能设立；请先调整下级组织。"
            }
        )


def move_org(user: Any, org: Organization, new_parent: Organization) -> Organization:
    """Move `org` (with its subtree) under `new_parent`.

    The move is written first and the scope re-checked afterwards, inside the same
    transaction: a destination outside the user's subtree rolls the whole move back.
    """
    with _audit_refusal(user, org, "move_org"), transaction.atomic():
        return _move(user, org, new_parent)


def _move(
    user: Any, org: Organization, new_parent: Organization, kind: str | None = None
) -> Organization:
    """The move itself (inside the caller's transaction); `kind` is the kind the org will have."""
    org = _org_for(user, "orgs.change_organization", org.pk, lock=True)
    new_parent = _org_for(user, "orgs.view_organization", new_parent.pk, lock=True)
    if new_parent.path.startswith(org.path):
        raise ValidationError(
            {"parent": "不能把组织移动到它自己或其下级组织之下，请重新选择上级组织。"}
        )
    old_parent_path = org.path[: -Organization.steplen]
    if new_parent.path == old_parent_path:
        return org
    Organization(kind=kind or org.kind).clean_parent(new_parent)
    before = snapshot(org)
    old_parent = (
        Organization.objects.filter(path=old_parent_path).values_list("pk", flat=True).first()
    )
    org.move(new_parent, "last-child")
    org = Organization.objects.get(pk=org.pk)  # treebeard does not refresh the moved instance
    ensure_in_scope(user, org, "change")
    emit(
        "update",
        org,
        user=user,
        before=before,
        after=snapshot(org),
        operation="move",
        from_parent_id=old_parent,
        to_parent_id=new_parent.pk,
    )
    return org


def dissolve_org(user: Any, org: Organization, dissolved_on: dt.date | None = None) -> Organization:
    """Mark an org dissolved (撤销); refused while it has active sub-orgs or members."""
    dissolved_on = dissolved_on or timezone.localdate()
    with _audit_refusal(user, org, "dissolve_org"), transaction.atomic():
        org = _org_for(user, "orgs.change_organization", org.pk, lock=True)
        if org.is_dissolved:
            raise ValidationError({"status": "该组织已撤销。"})
        if dissolved_on > timezone.localdate():
            raise ValidationError({"dissolved_on": "撤销日期不能晚于今天。"})
        subtree = Organization.objects.filter(path__startswith=org.path)
        if subtree.filter(depth__gt=org.depth, status=OrgStatus.ACTIVE).exists():
            raise ValidationError({"status": "下级还有未撤销的组织，请先撤销或转移下级组织。"})
        members = subtree.filter(members__membership=ACTIVE_MEMBERSHIP).values("members").count()
        if members:
            raise ValidationError(
                {"status": f"该组织还有 {members} 名在册党员，请先办理组织关系转接。"}
            )
        before = snapshot(org)
        org.status = OrgStatus.DISSOLVED
        org.dissolved_on = dissolved_on
        org.full_clean(exclude=["path", "depth", "numchild"])
        org.save()
        current = Term.objects.select_for_update().filter(org=org, ended_on__isnull=True).first()
        if current is not None:
            _end_term(user, current, max(dissolved_on, current.started_on), operation="dissolve")
        ensure_in_scope(user, org, "change")
        emit("update", org, user=user, before=before, after=snapshot(org), operation="dissolve")
    return org


# --- terms --------------------------------------------------------------------------


def _end_term(user: Any, term: Term, ended_on: dt.date, **detail: Any) -> None:
    before = snapshot(term)
    term.ended_on = ended_on
    term.full_clean()
    term.save()
    ensure_in_scope(user, term, "change")
    emit("update", term, user=user, before=before, after=snapshot(term), **detail)


def start_term(
    user: Any, org: Organization, started_on: dt.date, number: int | None = None, **fields: Any
) -> Term:
    """换届: end the current term on `started_on` and open the next one (history kept)."""
    with _audit_refusal(user, org, "start_term"), transaction.atomic():
        org = _org_for(user, "orgs.add_term", org.pk, lock=True)
        if org.is_dissolved:
            raise ValidationError({"org": "该组织已撤销，不能登记新的届次。"})
        current = Term.objects.select_for_update().filter(org=org, ended_on__isnull=True).first()
        if current is not None:
            if started_on <= current.started_on:
                raise ValidationError(
                    {
                        "started_on": f"新一届的选举日期应晚于当前届次的选举日期（{current.started_on:%Y-%m-%d}）。"
                    }
                )
            _end_term(user, current, started_on, operation="term_renewal")
            if number is None and current.number:
                number = current.number + 1
        term = Term(org=org, started_on=started_on, number=number)
        _set_fields(term, TERM_FIELDS - {"started_on", "number", "ended_on"}, fields)
        term.full_clean()
        _check_no_overlap(term)
        term.save()
        ensure_in_scope(user, term, "add")
        emit("create", term, user=user, after=snapshot(term))
    return term


def update_term(user: Any, term: Term, **fields: Any) -> Term:
    """Correct a term's record; the planned end is recomputed, never typed."""
    with _audit_refusal(user, term, "update_term"), transaction.atomic():
        term = Term.objects.restrict(user, "change").select_for_update().filter(pk=term.pk).first()
        if term is None:
            raise OutOfScope(NOT_FOUND)
        before = snapshot(term)
        _set_fields(term, TERM_FIELDS, fields)
        term.full_clean()
        _check_no_overlap(term)
        term.save()
        ensure_in_scope(user, term, "change")
        emit("update", term, user=user, before=before, after=snapshot(term))
    return term


def _check_no_overlap(term: Term) -> None:
    """Terms of an org form a chain [started_on, ended_on): they may touch, never overlap."""
    others = Term.objects.filter(org_id=term.org_id).exclude(pk=term.pk)
    overlap = Q(ended_on__isnull=True) | Q(ended_on__gt=term.started_on)
    if term.ended_on is not None:
        overlap &= Q(started_on__lt=term.ended_on)
    clash = others.filter(overlap).order_by("started_on").first()
    if clash is not None:
        raise ValidationError(
            {"started_on": f"与{clash}的任期时间重叠，请核对选举日期和实际换届日期。"}
        )


# --- committee posts --------------------------------------------------------------------


def assign_post(
    user: Any, term: Term, member: Any, post: str, assigned_on: dt.date | None = None
) -> CommitteePost:
    """Appoint a member of the org (or its sub-orgs) to a post of the current term."""
    Member: Any = CommitteePost._meta.get_field("member").related_model
    with _audit_refusal(user, term, "assign_post"), transaction.atomic():
        term = Term.objects.restrict(user, "view").select_for_update().filter(pk=term.pk).first()
        if term is None:
            raise OutOfScope(NOT_FOUND)
        if term.ended_on is not None:
            raise ValidationError({"term": "该届次已结束，请在当前届次中任命班子成员。"})
        member = (
            Member.objects.restrict(user, "view").filter(pk=getattr(member, "pk", member)).first()
        )
        if member is None:
            raise ValidationError({"member": "所选党员不在您的管辖范围内，请重新选择。"})
        if member.membership != ACTIVE_MEMBERSHIP or not member.org.path.startswith(term.org.path):
            raise ValidationError({"member": f"班子成员应是{term.org}（含下级组织）的在册党员。"})
        active = CommitteePost.objects.filter(term=term, dismissed_on__isnull=True)
        if active.filter(member=member, post=post).exists():
            raise ValidationError({"post": f"{member}已担任该职务。"})
        if post == CommitteePost.Post.SECRETARY:
            holder = active.filter(post=post).select_related("member").first()
            if holder is not None:
                raise ValidationError(
                    {"post": f"本届已有书记（{holder.member}），请先免去其职务。"}
                )
        item = CommitteePost(
            term=term, member=member, post=post, assigned_on=assigned_on or term.started_on
        )
        item.full_clean()
        item.save()
        ensure_in_scope(user, item, "add")
        emit("create", item, user=user, after=snapshot(item))
    return item


def dismiss_post(
    user: Any, item: CommitteePost, dismissed_on: dt.date | None = None
) -> CommitteePost:
    """A member leaves the committee: the post ends, the term goes on (no new term)."""
    dismissed_on = dismissed_on or timezone.localdate()
    with _audit_refusal(user, item, "dismiss_post"), transaction.atomic():
        found = (
            CommitteePost.objects.restrict(user, "change")
            .select_for_update()
            .filter(pk=item.pk)
            .first()
        )
        if found is None:
            raise OutOfScope(NOT_FOUND)
        item = found
        if item.dismissed_on is not None:
            raise ValidationError({"dismissed_on": "该成员已免职。"})
        before = snapshot(item)
        item.dismissed_on = dismissed_on
        item.full_clean()
        item.save()
        ensure_in_scope(user, item, "change")
        emit("update", item, user=user, before=before, after=snapshot(item), operation="dismiss")
    return item
