"""Account writes: passwords, users, role grants, unlocks, tokens — atomic and audited.

Views, the API and management commands call these; none of them writes a user or a
role assignment directly. `actor` is the acting user (or `core.scoping.SYSTEM` from
the command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from dangjian.audit.services import record
from dangjian.core.models import snapshot

from .models import RoleAssignment, User
from .roles import ROLES

# The three separated admin roles (等保 三权分立): one account holds at most one of them,
# and never together with a role that reaches org data.
SEPARATED_ROLES = frozenset(code for code, role in ROLES.items() if role.is_global)


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


def grant_role(actor: Any, user: User, role: str, org: Any = None) -> RoleAssignment:
    """Give `user` a role (at `org` for scoped roles), validated and audited."""
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        raise ValidationError("不能给自己授予角色，请由另一位管理员操作。")
    assignment = RoleAssignment(user=user, role=role, org=org)
    assignment.clean()
    held = set(user.role_assignments.values_list("role", flat=True))
    if RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
        raise ValidationError("该用户已拥有这个角色分配。")
    if (role in SEPARATED_ROLES and held) or (held & SEPARATED_ROLES):
        raise ValidationError(
            "三权分立：系统管理员、安全管理员、审计管理员须使用专门账号，"
            "不能与其他角色由同一账号兼任。"
        )
    with transaction.atomic():
        assignment.save()
        record("role_grant", user=actor, obj=assignment, after=snapshot(assignment))
    user.__dict__.pop("_grant_cache", None)
    return assignment


def revoke_role(actor: Any, assignment: RoleAssignment) -> None:
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
