"""Account writes: passwords, users, role grants, unlocks, tokens — atomic and audited.

Views, the API and management commands call these; none of them writes a user or a
role assignment directly. `actor` is the acting user (or `core.scoping.SYSTEM` from
the command line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record
from dangjian.core.models import snapshot
from dangjian.core.scoping import SystemActor, has_global_perm

from .initial import draw_password, hash_initial
from .models import PasswordHistory, RoleAssignment, RoleProposal, User
from .roles import ROLES

# The three separated admin roles (等保 三权分立): one account holds at most one of them,
# and never together with a role that reaches org data.
SEPARATED_ROLES = frozenset(code for code, role in ROLES.items() if role.is_global)
FAILURE = AuditEvent.Outcome.FAILURE


def set_password(
    user: User,
    raw_password: str,
    *,
    actor: Any = None,
    must_change: bool = False,
    validated: bool = False,
) -> User:
    """Set a new password (policy checked unless the caller's form already did), audited.

    An admin setting someone else's password passes `must_change=True` so the owner
    picks their own at the next login.
    """
    if not validated:
        validate_password(raw_password, user)
    actor = actor if actor is not None else user
    with transaction.atomic():
        user.set_password(raw_password)
        user.must_change_password = must_change
        user.save()
        record(
            "password_change",
            user=actor,
            obj=user,
            detail={"by_owner": getattr(actor, "pk", None) == user.pk},
        )
    return user


def create_user(
    actor: Any,
    *,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    expires_on: Any = None,
    must_change_password: bool = True,
    roles: Iterable[tuple[str, Any]] = (),
) -> User:
    """Create an account with a policy-checked initial password and optional roles."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在，请换一个。"})
    candidate = User(
        username=username, display_name=display_name, email=email, expires_on=expires_on
    )
    validate_password(password, candidate)
    with transaction.atomic():
        user = candidate
        user.set_password(password)
        user.must_change_password = must_change_password
        user.full_clean(exclude=["password"])
        user.save()
        record("create", user=actor, obj=user, after=snapshot(user))
        for role, org in roles:
            grant_role(actor, user, role, org)
    return user


EDITABLE_FIELDS = ("display_name", "email", "is_active", "expires_on")


def update_user(actor: Any, user: User, **changes: Any) -> User:
    """Change profile fields or the active flag; refuses to deactivate oneself."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"不能在此修改字段：{', '.join(sorted(unknown))}。")
    own = getattr(actor, "pk", None) == user.pk
    if changes.get("is_active") is False and own:
        raise ValidationError({"is_active": "不能停用自己的账号，请由另一位系统管理员操作。"})
    if "expires_on" in changes and own and changes["expires_on"] != user.expires_on:
        raise ValidationError(
            {"expires_on": "不能修改自己账号的有效期，请由另一位系统管理员操作。"}
        )
    before = snapshot(user)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
        after = snapshot(user)
        if after != before:
            record("update", user=actor, obj=user, before=before, after=after)
    return user


# --- role grants: two persons (decisions/0009) ---------------------------------------------


def _validated_assignment(user: User, role: str, org: Any) -> RoleAssignment:
    """The assignment `user` would get, or a Chinese ValidationError saying what is wrong."""
    assignment = RoleAssignment(user=user, role=role, org=org)
    assignment.clean()
    if not user.is_active:
        raise ValidationError("该账号已停用，不能授予角色。")
    if RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
        raise ValidationError("该用户已拥有这个角色分配。")
    held = set(user.role_assignments.values_list("role", flat=True))
    if (role in SEPARATED_ROLES and held) or (held & SEPARATED_ROLES):
        raise ValidationError(
            "三权分立：系统管理员、安全管理员、审计管理员须使用专门账号，"
            "不能与其他角色由同一账号兼任。"
        )
    return assignment


def _deny(actor: Any, action: str, obj: Any, message: str) -> NoReturn:
    """Refuse and leave a failed event in the audit trail (outside any rolled-back write)."""
    record(action, user=actor, obj=obj, outcome=FAILURE, detail={"reason": message})
    raise PermissionDenied(message)


def _require(actor: Any, perm: str, action: str, obj: Any) -> None:
    if not has_global_perm(actor, perm):
        _deny(actor, action, obj, "您没有执行此操作的权限。")


def _is_operator(actor: Any) -> bool:
    return isinstance(actor, SystemActor)


def grant_role(actor: Any, user: User, role: str, org: Any = None) -> RoleAssignment:
    """A grant in force at once: only for the server operator (createadmin, the CLI).

    Everyone else proposes (`propose_role`) and a 安全管理员 approves (`approve_role`).
    """
    if not _is_operator(actor):
        _deny(actor, "role_grant", user, "角色授权须由系统管理员提请、安全管理员审批后生效。")
    assignment = _validated_assignment(user, role, org)
    with transaction.atomic():
        assignment.save()
        record("role_grant", user=actor, obj=assignment, after=snapshot(assignment))
    user.__dict__.pop("_grant_cache", None)
    return assignment


def propose_role(
    actor: Any, user: User, role: str, org: Any = None, *, note: str = ""
) -> RoleProposal:
    """Step one: a 系统管理员 asks for `user` to get `role` (at `org`). Grants nothing yet."""
    _require(actor, "accounts.propose_role", "role_propose", user)
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        _deny(actor, "role_propose", user, "不能为自己提请角色，请由另一位系统管理员操作。")
    _validated_assignment(user, role, org)
    if RoleProposal.objects.filter(
        user=user, role=role, org=org, status=RoleProposal.Status.PENDING
    ).exists():
        raise ValidationError("已有一项相同的授权申请待审批，请勿重复提请。")
    proposal = RoleProposal(
        user=user,
        role=role,
        org=org,
        note=note.strip()[:200],
        proposed_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():
        proposal.save()
        record("role_propose", user=actor, obj=proposal, after=snapshot(proposal))
    return proposal


def _decider_refusal(actor: Any, proposal: RoleProposal) -> str | None:
    """Why `actor` may not be the second person for `proposal` (None: they may).

    The second person holds the approving role, is neither the proposer nor the grantee,
    and does not also hold the proposing role (one account with both is one person).
    """
    if not has_global_perm(actor, "accounts.approve_role"):
        return "您没有执行此操作的权限。"
    if _is_operator(actor):
        return None
    if proposal.proposed_by_id == actor.pk:
        return "不能审批自己提请的授权，须由另一位安全管理员审批。"
    if proposal.user_id == actor.pk:
        return "不能审批授予自己的角色。"
    if has_global_perm(actor, "accounts.propose_role"):
        return (
            "同时兼任系统管理员与安全管理员的账号不能审批授权（三权分立），请先撤销其中一个角色。"
        )
    return None


def may_decide(actor: Any, proposal: RoleProposal) -> bool:
    return _decider_refusal(actor, proposal) is None


def _check_decider(actor: Any, proposal: RoleProposal, action: str) -> None:
    if refusal := _decider_refusal(actor, proposal):
        _deny(actor, action, proposal, refusal)


def _pending(proposal: RoleProposal) -> RoleProposal:
    """The proposal re-read under a row lock; refuses one already decided."""
    locked = (
        RoleProposal.objects.select_for_update(of=("self",))
        .select_related("user", "org", "proposed_by")
        .get(pk=proposal.pk)
    )
    if locked.status != RoleProposal.Status.PENDING:
        raise ValidationError(f"该授权申请已处理（{locked.get_status_display()}），不能再次审批。")
    return locked


def _decide(proposal: RoleProposal, actor: Any, status: str, note: str) -> None:
    proposal.status = status
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()[:200]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def _decision_detail(proposal: RoleProposal, note: str) -> dict[str, Any]:
    proposer = proposal.proposed_by.username if proposal.proposed_by else "system"
    return {"proposal": proposal.pk, "proposed_by": proposer, "note": note.strip()[:200]}


def approve_role(actor: Any, proposal: RoleProposal, *, note: str = "") -> RoleAssignment:
    """Step two: a 安全管理员 approves; the assignment is created and in force from now."""
    _check_decider(actor, proposal, "role_approve")
    with transaction.atomic():
        proposal = _pending(proposal)
        assignment = _validated_assignment(proposal.user, proposal.role, proposal.org)
        assignment.save()
        _decide(proposal, actor, RoleProposal.Status.APPROVED, note)
        record(
            "role_approve",
            user=actor,
            obj=assignment,
            after=snapshot(assignment),
            detail=_decision_detail(proposal, note),
        )
    return assignment


def reject_role(actor: Any, proposal: RoleProposal, *, note: str = "") -> RoleProposal:
    _check_decider(actor, proposal, "role_reject")
    with transaction.atomic():
        proposal = _pending(proposal)
        before = snapshot(proposal)
        _decide(proposal, actor, RoleProposal.Status.REJECTED, note)
        record(
            "role_reject",
            user=actor,
            obj=proposal,
            before=before,
            after=snapshot(proposal),
            detail=_decision_detail(proposal, note),
        )
    return proposal


def revoke_role(actor: Any, assignment: RoleAssignment) -> None:
    """Immediate, by either account admin: taking access away is the safe direction."""
    _require(actor, "accounts.revoke_role", "role_revoke", assignment)
    if getattr(actor, "pk", None) is not None and actor.pk == assignment.user_id:
        raise ValidationError("不能撤销自己的角色，请由另一位管理员操作。")
    with transaction.atomic():
        record("role_revoke", user=actor, obj=assignment, before=snapshot(assignment))
        assignment.delete()


def unlock_user(actor: Any, user: User) -> int:
    """Clear the login-failure lockout of `user` (django-axes); returns attempts removed."""
    with transaction.atomic():
        removed = axes_reset(username=user.username)
        record("unlock", user=actor, obj=user, detail={"attempts_cleared": removed})
    return removed


def create_token(actor: Any, user: User) -> Token:
    """A new API token for `user`, replacing any earlier one (the key is never logged)."""
    if not user.is_active:
        raise ValidationError(f"用户“{user.username}”已停用，不能创建令牌。")
    if user.account_expired():
        raise ValidationError(f"用户“{user.username}”的账号已过有效期，不能创建令牌。")
    if user.password_change_required():
        raise ValidationError(
            f"用户“{user.username}”须先修改密码（初始密码或密码已过期），修改后才能创建令牌。"
        )
    with transaction.atomic():
        replaced, _ = Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        record("token_create", user=actor, obj=user, detail={"replaced": bool(replaced)})
    return token


# --- member accounts: the 党员 role on one's own record (decisions/0011) ------------------

MEMBER_ROLE = "party_member"


@dataclass(frozen=True)
class NewMemberAccount:
    username: str
    display_name: str
    org: Any  # the member's own org: where the 党员 role is granted
    member_id: int  # named in the audit event beside the account


def _username_clashes(usernames: Sequence[str]) -> list[str]:
    """Usernames taken already (case-insensitively, as create_user checks) or twice in the batch."""
    lowered = [u.lower() for u in usernames]
    twice = {u for u, n in Counter(lowered).items() if n > 1}
    taken: set[str] = set()
    for start in range(0, len(lowered), 500):
        taken |= set(
            User.objects.annotate(low=Lower("username"))
            .filter(low__in=lowered[start : start + 500])
            .values_list("low", flat=True)
        )
    return sorted(twice | taken)


def create_member_accounts(
    actor: Any, entries: Sequence[NewMemberAccount], *, within: Any = None
) -> list[tuple[User, str]]:
    """Open one account per entry, holding only the 党员 role at the member's own org, with a
    drawn initial password to be changed at the first login. All or nothing.

    The caller (`selfservice.services`) has checked that `actor` administers these members'
    orgs. The role is granted without the two-person approval because it opens only the
    org's basic information and the member's own record (decisions/0011). One audit event
    lists every account with its member. Returns (user, initial password) pairs: the
    passwords exist nowhere else — not in the database, the audit trail or a log.
    """
    if not entries:
        raise ValidationError("没有需要开通账号的党员。")
    clashes = _username_clashes([e.username for e in entries])
    if clashes:
        raise ValidationError(
            f"以下用户名已被占用：{'、'.join(clashes[:10])}"
            + ("等" if len(clashes) > 10 else "")
            + "。请重新提交，系统会另取用户名。"
        )
    now = timezone.now()
    users: list[User] = []
    passwords: list[str] = []
    for entry in entries:
        raw = draw_password()
        user = User(
            username=entry.username,
            display_name=entry.display_name,
            password=hash_initial(raw),  # the one hasher call for this password
            password_changed_at=now,
            must_change_password=True,
        )
        validate_password(raw, user)  # holds by construction; the policy stays the judge
        user.clean_fields(exclude=["password"])
        users.append(user)
        passwords.append(raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                User.objects.bulk_create(users, batch_size=500)
        except IntegrityError as exc:  # a username taken meanwhile by another request
            raise ValidationError("有用户名刚被占用，未开通任何账号；请重新提交。") from exc
        PasswordHistory.objects.bulk_create(
            [PasswordHistory(user=u, password=u.password) for u in users], batch_size=500
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=u, role=MEMBER_ROLE, org=e.org)
                for u, e in zip(users, entries, strict=True)
            ],
            batch_size=500,
        )
        record(
            "member_accounts_create",
            user=actor,
            obj=within,
            detail={
                "role": MEMBER_ROLE,
                "count": len(users),
                # [account id, username, member id, org id] — never a password
                "accounts": [
                    [u.pk, u.username, e.member_id, e.org.pk]
                    for u, e in zip(users, entries, strict=True)
                ],
            },
        )
    return list(zip(users, passwords, strict=True))


def reset_initial_password(actor: Any, user: User) -> str:
    """A new drawn initial password for a member account (the slip was lost, or the member
    forgot theirs): changed at the next login, lockout cleared, audited. Returns the password,
    which exists nowhere else."""
    if not user.is_active:
        raise ValidationError("该账号已停用，不能重置密码。")
    raw = draw_password()
    with transaction.atomic():
        user.password = hash_initial(raw)
        user.password_changed_at = timezone.now()
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        PasswordHistory.objects.create(user=user, password=user.password)
        cleared = axes_reset(username=user.username)
        record(
            "password_change",
            user=actor,
            obj=user,
            detail={"by_owner": False, "initial": True, "attempts_cleared": cleared},
        )
    return raw


def place_member_role(actor: Any, user: User, org: Any) -> None:
    """Keep a member account's 党员 role where its member is: moved with a transfer to `org`,
    removed when the member left (`org` None). Only an account that holds the role is
    touched (a secretary linked to her own record keeps what she has); audited."""
    held = list(user.role_assignments.filter(role=MEMBER_ROLE).select_related("org"))
    if not held:
        return
    with transaction.atomic():
        for assignment in held:
            if org is None or assignment.org_id != org.pk:
                record("role_revoke", user=actor, obj=assignment, before=snapshot(assignment))
                assignment.delete()
        if org is not None and not any(a.org_id == org.pk for a in held):
            assignment = RoleAssignment.objects.create(user=user, role=MEMBER_ROLE, org=org)
            record("role_grant", user=actor, obj=assignment, after=snapshot(assignment))
    user.__dict__.pop("_grant_cache", None)
