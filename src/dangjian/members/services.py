"""Writes that matter for members: validated, atomic, scope re-checked, audited.

Every function takes the acting user first. A write that would leave the object
outside the user's scope raises `OutOfScope` and the transaction rolls back, so nothing
is half-written (DESIGN §4). Audit rows carry masked snapshots only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from dangjian.core import services as core_services
from dangjian.core.models import snapshot
from dangjian.orgs.models import Organization, Unit

from . import identifiers
from .models import (
    EXIT_KINDS_NEEDING_APPROVAL,
    EXIT_MEMBERSHIP,
    EXTENSION_MONTHS,
    PROBATION_ARTICLE,
    Exemption,
    Exit,
    ExitKind,
    Member,
    MembershipState,
    MemberStatus,
    Transfer,
)
from .validation import (
    ADULT_AGE,
    DUPLICATE_ID_MESSAGE,
    MEMBER_ORG_KINDS,
    check_member,
    fill_derived,
    member_org_error,
)

# Derived or server-side columns a caller may not set directly.
_NOT_WRITABLE = {
    "id",
    "pk",
    "id_number_blind",
    "phone_blind",
    "name_initials",
    "id_number_clash",
    "created",
    "updated",
    # Only extend_probation sets these (one extension, 6–12 months, cited).
    "probation_extension_months",
    "probation_extended_on",
    "probation_extension_reason",
}
CLEAN_EXCLUDE = ["id_number_blind", "phone_blind", "name_initials", "id_number_clash"]
BIRTH_FOLLOWS_ID_MESSAGE = (
    "该党员已登记身份证号码，出生日期以身份证号码为准；如需更正，请同时重新填写正确的身份证号码。"
)
AGE_NEEDS_BIRTH_DATE_MESSAGE = (
    "入党年份与出生年份相差十八年，是否已满十八周岁要看完整的出生日期；"
    "请由可查看敏感信息的人员（如支部书记）修改入党日期。"
)
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def member_orgs(user: Any, action: str = "add"):
    """Orgs where `user` may `action` members and that can hold members (form and API choices)."""
    return Organization.objects.holding(user, f"members.{action}_member").filter(
        kind__in=MEMBER_ORG_KINDS
    )


def member_units(user: Any, action: str = "add"):
    """工作单位 choices: units the user may view, plus the units of the orgs whose members they manage.

    A branch secretary cannot view the 甲局 Unit record (it hangs on the unit-level org),
    yet must be able to keep or set it as the workplace of the branch's members.
    """
    own = member_orgs(user, action).exclude(unit_id=None).values("unit_id")
    return Unit.objects.filter(pk__in=own) | Unit.objects.restrict(user, "view")


def _assign(member: Member, fields: dict[str, Any]) -> None:
    unknown = set(fields) & _NOT_WRITABLE
    if unknown:
        raise ValueError(f"fields not writable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(member, name, value)


def clean_member(member: Member, *, hidden: Collection[str] = ()) -> None:
    """Field checks plus validation.check_member, every message at once.

    `hidden`: stored values the writing user may not see and did not give (see
    `hidden_fields`): no rule may compare a submitted value with them. Duplicates are the
    write services' (`_mark_clash`): whether to say so depends on the user.
    """
    fill_derived(member)  # may supply gender and birth date from the ID number
    # An empty gender is reported by check_member, with a message that says what to do.
    exclude = [*CLEAN_EXCLUDE, "gender"] if not member.gender else CLEAN_EXCLUDE
    errors: dict[str, Any] = {}
    try:
        member.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        check_member(member, birth_hidden="birth_date" in hidden)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def hidden_fields(user: Any, member: Member, submitted: Collection[str]) -> frozenset[str]:
    """The stored sensitive values of `member` that `user` may not see and did not give in
    this write. Empty for a new member or a user holding the reveal right over it; an ID
    number given in the write makes the birth date known too (it is read from it)."""
    if member.pk is None or identifiers.can_reveal(user, member):
        return frozenset()
    known = set(submitted)
    if "id_number" in known:
        known.add("birth_date")
    return frozenset(f for f in identifiers.HIDDEN_FIELDS if f not in known)


def _writable_changes(member: Member, changes: dict[str, Any], revealed: bool) -> dict[str, Any]:
    """`changes` as the services apply them.

    A new ID number brings its birth date unless one is given with it. For a user without
    the reveal right the sensitive fields are write-only: an empty birth date means "keep"
    (the API shows them none), and a birth date alone cannot be checked against the hidden
    ID number without telling whether it matches, so it is refused the same way every time.
    """
    changes = dict(changes)
    if not revealed:
        if "birth_date" in changes and changes["birth_date"] is None:
            del changes["birth_date"]
        if "birth_date" in changes and "id_number" not in changes and member.id_number:
            raise ValidationError({"birth_date": [BIRTH_FOLLOWS_ID_MESSAGE]})
    if changes.get("id_number") and "birth_date" not in changes:
        changes["birth_date"] = None  # filled from the new ID number
    return changes


def _check_age_at_year_level(member: Member, stored_joined_on: dt.date | None) -> None:
    """The 18-years rule for a user who may not see the birth date: a changed joining date
    is judged on the birth year alone, refused alike whenever only the day could tell."""
    if not (member.birth_date and member.joined_on) or member.joined_on == stored_joined_on:
        return
    gap = member.joined_on.year - member.birth_date.year
    if gap < ADULT_AGE:
        raise ValidationError({"joined_on": ["入党时应年满十八周岁，请核对入党日期。"]})
    if gap == ADULT_AGE:
        raise ValidationError({"joined_on": [AGE_NEEDS_BIRTH_DATE_MESSAGE]})


def _mark_clash(user: Any, member: Member) -> None:
    """Set `id_number_clash`, or refuse when the duplicate is one the user may reveal."""
    try:
        member.id_number_clash = identifiers.id_number_clash(user, member)
    except identifiers.DuplicateVisible as exc:
        raise ValidationError({"id_number": [DUPLICATE_ID_MESSAGE]}) from exc


def _save(user: Any, member: Member) -> None:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        # Another request registered the same ID number meanwhile: decide again, now that it
        # is there (refused if the user may reveal it, kept as a clash otherwise).
        if "id_number" not in str(exc):
            raise
        _mark_clash(user, member)
        with transaction.atomic():
            member.save()


def create_member(user: Any, **fields: Any) -> Member:
    """Create a member; refused (OutOfScope) unless the org is in the user's add scope."""
    member = Member()
    _assign(member, fields)
    clean_member(member)
    _check_membership_change(member, MembershipState.NORMAL)
    _mark_clash(user, member)
    with transaction.atomic():
        _save(user, member)
        core_services.ensure_in_scope(user, member, "add")
        core_services.emit("create", member, after=snapshot(member))
    return member


def receive_member(
    user: Any,
    *,
    arrived_on: dt.date | None,
    external_org_name: str,
    letter_number: str = "",
    dues_paid_until: str = "",
    **fields: Any,
) -> tuple[Member, Transfer]:
    """组织关系转入 from outside the system: create the member in their new org and record the
    arrival (a Transfer with no source org, the source's name, the arrival date), both or
    neither. The arrival starts the member's inactivity clock (rules.inactivity)."""
    errors: dict[str, Any] = {}
    name = (external_org_name or "").strip()
    if not name:
        errors["arrived_from"] = ["请填写转出党组织（系统外）的名称。"]
    if arrived_on is None:
        errors["arrived_on"] = ["请填写转入日期（组织关系介绍信送达之日）。"]
    elif arrived_on > timezone.localdate():
        errors["arrived_on"] = ["转入日期不能晚于今天，请核对。"]
    elif fields.get("joined_on") and arrived_on < fields["joined_on"]:
        errors["arrived_on"] = ["转入日期不能早于入党日期，请核对。"]
    if dues_paid_until and not _YEAR_MONTH.fullmatch(dues_paid_until):
        errors["dues_paid_until"] = ["党费交至月份应写作“年-月”，例如 2024-06。"]
    member = Member()
    _assign(member, fields)
    try:
        clean_member(member)
        _check_membership_change(member, MembershipState.NORMAL)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    _mark_clash(user, member)
    assert arrived_on is not None
    with transaction.atomic():
        _save(user, member)
        core_services.ensure_in_scope(user, member, "add")
        core_services.emit("create", member, after=snapshot(member), operation="transfer_in")
        transfer = _record_transfer(
            member,
            None,
            member.org_id,
            arrived_on,
            external_org_name=name,
            letter_number=letter_number,
            dues_paid_until=dues_paid_until,
        )
    return member, transfer


def update_member(
    user: Any, member: Member, *, transferred_on: dt.date | None = None, **changes: Any
) -> Member:
    """Update `member` (as loaded from the database) with `changes`.

    A change of org is a transfer: it is recorded as a Transfer row dated
    `transferred_on` (default today), and refused when the new org lies outside the
    user's change scope. A user without the reveal right over the member writes its
    ID number, phone and birth date without ever being told anything about the stored ones.
    """
    core_services.ensure_in_scope(user, member, "change")
    before = snapshot(member)
    stored = {f: getattr(member, f) for f in (*identifiers.HIDDEN_FIELDS, "joined_on")}
    stored_membership = member.membership
    from_org_id = member.org_id
    revealed = identifiers.can_reveal(user, member)
    changes = _writable_changes(member, changes, revealed)
    hidden = frozenset() if revealed else hidden_fields(user, member, changes)
    _assign(member, changes)
    clean_member(member, hidden=hidden)
    _check_membership_change(member, stored_membership)
    if "birth_date" in hidden:
        _check_age_at_year_level(member, stored["joined_on"])
    if member.id_number != stored["id_number"]:
        _mark_clash(user, member)
    with transaction.atomic():
        _save(user, member)
        core_services.ensure_in_scope(user, member, "change")
        if member.org_id != from_org_id:
            _record_transfer(
                member, from_org_id, member.org_id, transferred_on or timezone.localdate()
            )
        # The masked snapshots cannot show a change of a sensitive value: name the fields.
        changed = [f for f in identifiers.HIDDEN_FIELDS if getattr(member, f) != stored[f]]
        extra = {"sensitive_changed": changed} if changed else {}
        core_services.emit("update", member, before=before, after=snapshot(member), **extra)
    return member


def _record_transfer(member: Member, from_org_id, to_org_id, on: dt.date, **extra: Any) -> Transfer:
    transfer = Transfer(
        member=member, from_org_id=from_org_id, to_org_id=to_org_id, transferred_on=on, **extra
    )
    transfer.full_clean()
    transfer.save()
    core_services.emit("create", transfer, after=snapshot(transfer))
    return transfer


def transfer_member(
    user: Any,
    member: Member,
    to_org: Organization | None,
    on: dt.date,
    *,
    external_org_name: str = "",
    letter_number: str = "",
    dues_paid_until: str = "",
) -> Transfer:
    """组织关系转接: move `member` to `to_org` on `on` and record it.

    `to_org=None` with `external_org_name` transfers the member out of the system: the
    member stays under the old org for the record, with membership "已转出". Moving to an
    org outside the user's change scope raises OutOfScope and nothing is written.
    """
    core_services.ensure_in_scope(user, member, "change")
    errors: dict[str, list[str]] = {}
    if on is None:
        errors["transferred_on"] = ["请填写转接日期。"]
    elif on > timezone.localdate():
        errors["transferred_on"] = ["转接日期不能晚于今天，请核对。"]
    elif member.joined_on and on < member.joined_on:
        errors["transferred_on"] = ["转接日期不能早于入党日期，请核对。"]
    if to_org is None:
        if not external_org_name.strip():
            errors["to_org"] = ["请选择转入的党组织，或填写系统外转入组织的名称。"]
    elif to_org.pk == member.org_id:
        errors["to_org"] = ["转入组织与党员当前所在组织相同，无需转接。"]
    else:
        org_error = member_org_error(to_org)
        if org_error:
            errors["to_org"] = [org_error]
    if dues_paid_until and not _YEAR_MONTH.fullmatch(dues_paid_until):
        errors["dues_paid_until"] = ["党费交至月份应写作“年-月”，例如 2024-06。"]
    if member.membership != MembershipState.NORMAL:
        errors.setdefault("to_org", []).append(
            f"该党员党籍状态为“{member.get_membership_display()}”，不能办理转接。"
        )
    if errors:
        raise ValidationError(errors)

    before = snapshot(member)
    from_org_id = member.org_id
    with transaction.atomic():
        if to_org is None:
            member.membership = MembershipState.TRANSFERRED_OUT
        else:
            member.org = to_org
        member.save()
        core_services.ensure_in_scope(user, member, "change")
        transfer = _record_transfer(
            member,
            from_org_id,
            to_org.pk if to_org is not None else None,
            on,
            external_org_name=external_org_name.strip(),
            letter_number=letter_number,
            dues_paid_until=dues_paid_until,
        )
        core_services.emit("update", member, before=before, after=snapshot(member))
    return transfer


def extend_probation(
    user: Any, member: Member, months: int, decided_on: dt.date, reason: str = ""
) -> Member:
    """延长预备期: the branch assembly extends a probationary member's probation once, by 6 to
    12 months (发展党员工作细则 第三十二条); the end moves to join + 1 year + `months`.
    A second extension, a length out of range or a date that cannot be is refused in Chinese,
    citing the article; nothing is written."""
    core_services.ensure_in_scope(user, member, "change")
    errors: dict[str, list[str]] = {}
    lo, hi = EXTENSION_MONTHS
    if member.status != MemberStatus.PROBATIONARY or member.membership != MembershipState.NORMAL:
        errors["months"] = [f"只有在册的预备党员可以延长预备期（{PROBATION_ARTICLE}）。"]
    elif member.probation_extension_months:
        errors["months"] = [
            f"该党员已于{member.probation_extended_on:%Y-%m-%d}延长预备期"
            f"{member.probation_extension_months}个月；预备期只能延长一次（{PROBATION_ARTICLE}）。"
        ]
    if not isinstance(months, int) or not lo <= months <= hi:
        errors.setdefault("months", []).append(
            f"延长预备期的时间不能少于半年，最长不超过一年（{lo}至{hi}个月，{PROBATION_ARTICLE}）。"
        )
    if decided_on is None:
        errors["decided_on"] = ["请填写支部大会作出延长预备期决定的日期。"]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = ["决定日期不能晚于今天，请核对。"]
    elif member.joined_on and decided_on <= member.joined_on:
        errors["decided_on"] = ["决定日期应晚于入党日期，请核对。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.probation_extension_months:  # a concurrent extension won
            raise ValidationError({"months": [f"预备期只能延长一次（{PROBATION_ARTICLE}）。"]})
        before = snapshot(locked)
        locked.probation_extension_months = months
        locked.probation_extended_on = decided_on
        locked.probation_extension_reason = (reason or "").strip()[:200]
        locked.save(
            update_fields=[
                "probation_extension_months",
                "probation_extended_on",
                "probation_extension_reason",
                "updated",
            ]
        )
        core_services.ensure_in_scope(user, locked, "change")
        core_services.emit(
            "update",
            locked,
            before=before,
            after=snapshot(locked),
            operation="extend_probation",
        )
    return locked


# regulations.md §F (verified): 党籍 starts the day the branch assembly admits the member.
MEMBERSHIP_START_ARTICLE = "《中国共产党发展党员工作细则》第二十四条"
# The states only record_exit sets: they come with a dated Exit row.
EXIT_STATES = frozenset(EXIT_MEMBERSHIP.values())
EXIT_ONLY_MESSAGE = "出党、去世等请在党员页面通过“出党/减少”登记，并填写日期。"


def _check_membership_change(member: Member, stored: str | None) -> None:
    """A dated exit is written only by record_exit: the form's 党籍状态 cannot set one, nor
    undo one that has its exit record (a legacy state without a date may be corrected)."""
    new = member.membership
    if new == stored:
        return
    if new in EXIT_STATES or (
        stored in EXIT_STATES and member.pk and Exit.objects.filter(member_id=member.pk).exists()
    ):
        raise ValidationError({"membership": [EXIT_ONLY_MESSAGE]})


def record_exit(
    user: Any,
    member: Member,
    kind: str,
    left_on: dt.date | None,
    *,
    reason: str = "",
    approved_by_org: Organization | None = None,
    approved_by_name: str = "",
    document_number: str = "",
) -> Exit:
    """出党 and the other exits (去世, 退党, 除名, 开除党籍, 取消预备党员资格).

    The member leaves every count from `left_on` (members.presence) and stays in history
    under their org. Everything is checked first, with Chinese messages naming the rule;
    then the exit row and the member's 党籍状态 are written together, audited.
    """
    core_services.ensure_in_scope(user, member, "change")
    errors = core_services.ErrorCollector()
    reason = (reason or "").strip()
    approved_by_name = (approved_by_name or "").strip()
    document_number = (document_number or "").strip()
    if kind not in ExitKind.values:
        errors.add("kind", "请选择出党类别（去世、退党、除名、开除党籍或取消预备党员资格）。")
    if member.membership == MembershipState.TRANSFERRED_OUT:
        errors.add("kind", "该党员已转出本系统，出党应由其现所在党组织登记。")
    elif member.membership != MembershipState.NORMAL:
        errors.add("kind", f"该党员党籍状态为“{member.get_membership_display()}”，不能重复登记。")
    if kind == ExitKind.PROBATION_CANCELLED and member.status != MemberStatus.PROBATIONARY:
        errors.add(
            "kind", f"只有预备党员才能取消预备党员资格（{PROBATION_ARTICLE}），该党员是正式党员。"
        )
    if left_on is None:
        errors.add("left_on", "请填写出党日期。")
    elif left_on > timezone.localdate():
        errors.add("left_on", "出党日期不能晚于今天，请核对。")
    elif member.joined_on and left_on < member.joined_on:
        errors.add(
            "left_on",
            f"出党日期不能早于入党日期（{member.joined_on:%Y-%m-%d}）：党籍自支部大会通过其为"
            f"预备党员之日起算（{MEMBERSHIP_START_ARTICLE}），此前尚不是党员。",
        )
    else:
        last_move = (
            Transfer.objects.filter(member=member)
            .order_by("-transferred_on")
            .values_list("transferred_on", flat=True)
            .first()
        )
        if last_move and left_on < last_move:
            errors.add(
                "left_on",
                f"出党日期不能早于该党员最近一次组织关系转接的日期（{last_move:%Y-%m-%d}），请核对。",
            )
    if approved_by_org is not None and not member.org.path.startswith(approved_by_org.path):
        errors.add("approved_by_org", "批准组织应为该党员所在的党组织或其上级党组织。")
    if kind in EXIT_KINDS_NEEDING_APPROVAL and approved_by_org is None and not approved_by_name:
        label = ExitKind(kind).label
        errors.add("approved_by_org", f"{label}须经党组织批准，请选择或填写批准的党组织。")
    if kind in (ExitKind.STRUCK_OFF, ExitKind.EXPELLED) and not reason:
        errors.add("reason", f"请填写{ExitKind(kind).label}的原因。")
    for name, value, limit in (
        ("reason", reason, 200),
        ("approved_by_name", approved_by_name, 128),
        ("document_number", document_number, 64),
    ):
        if len(value) > limit:
            errors.add(name, f"最多 {limit} 个字。")
    errors.raise_if_any()
    assert left_on is not None
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
        if locked.membership != MembershipState.NORMAL:  # a concurrent exit or transfer won
            raise ValidationError({"kind": ["该党员的党籍状态刚刚已被更改，请刷新页面后核对。"]})
        before = snapshot(locked)
        exit_row = Exit(
            member=locked,
            kind=kind,
            left_on=left_on,
            reason=reason,
            approved_by_org=approved_by_org,
            approved_by_name="" if approved_by_org is not None else approved_by_name,
            document_number=document_number,
        )
        exit_row.save()
        locked.membership = EXIT_MEMBERSHIP[ExitKind(kind)]
        locked.save(update_fields=["membership", "updated"])
        core_services.ensure_in_scope(user, exit_row, "add")
        core_services.ensure_in_scope(user, locked, "change")
        core_services.emit("create", exit_row, after=snapshot(exit_row))
        core_services.emit(
            "update", locked, before=before, after=snapshot(locked), operation="exit"
        )
    member.membership = locked.membership
    return exit_row


def delete_member(user: Any, member: Member) -> None:
    """Delete a member; refused with a Chinese message while the member holds committee posts."""
    try:
        core_services.delete_object(user, member)
    except ProtectedError as exc:
        raise ValidationError("该党员仍有班子任职记录，不能删除；请先在届次中移除其任职。") from exc


def add_exemption(
    user: Any,
    member: Member,
    reason: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    *,
    note: str = "",
    approved_by: str = "",
) -> Exemption:
    """免于参加组织生活 for a period; refused unless the member is in the user's add scope."""
    exemption = Exemption(
        member=member,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        approved_by=approved_by,
    )
    exemption.full_clean()
    with transaction.atomic():
        exemption.save()
        core_services.ensure_in_scope(user, exemption, "add")
        core_services.emit("create", exemption, after=snapshot(exemption))
    return exemption


def reveal(user: Any, member: Member, field: str) -> str:
    """The plaintext of a sensitive field, for a user holding `reveal_member` over the member.

    The audit row names the field, never the value. Out of scope raises OutOfScope
    (answered as 404) after recording the refusal.
    """
    if field not in Member.revealable_fields:
        raise ValidationError({"field": ["只能查看身份证号码或手机号码。"]})
    allowed = Member.objects.restrict(user, "reveal").filter(pk=member.pk).exists()
    if not allowed:
        core_services.emit("reveal", member, outcome="failure", field=field)
        raise core_services.OutOfScope("对象不在您的管辖范围内。")
    core_services.emit("reveal", member, field=field)
    return getattr(member, field)
