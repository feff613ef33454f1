"""Users, role assignments over the org tree, password history."""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import EncryptedTextField

from .roles import MFA_REQUIRED_ROLES, ROLE_CHOICES, ROLES


class AccountManager(UserManager):
    def _create_user_object(self, username, email, password, **extra_fields):
        # Through set_password so a created account's password is dated and in the history.
        user = super()._create_user_object(username, email, None, **extra_fields)
        if password is not None:
            user.set_password(password)
        return user


class User(AbstractUser):
    # Never in audit snapshots: the hash, and last_login (changes on every login, noise).
    audit_exclude: ClassVar[tuple[str, ...]] = ("password", "last_login")

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    expires_on = models.DateField(
        _("账号有效期至"),
        null=True,
        blank=True,
        help_text=_("到期次日起不能登录，会话与 API 令牌随即失效；留空表示长期有效。"),
    )

    objects: ClassVar[AccountManager] = AccountManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.person_name

    @property
    def person_name(self) -> str:
        """The account as a person, the way every page names it: the 姓名, else the linked
        member's name. Never the username — that is a login, not a name (issue 9); admin
        tools that need it (the audit log, the account pages) print it themselves."""
        if self.display_name:
            return self.display_name
        # Member.account (党员自助), only when already loaded: naming a user in a list must
        # never cost a query per row.
        member = self._state.fields_cache.get("member")
        return getattr(member, "name", "") or "未填写姓名的用户"

    # --- scoping -------------------------------------------------------------------
    def _grants(self) -> tuple[dict[str, list[str]], set[str], frozenset[str]]:
        """perm → org paths (scoped roles), global perms and role codes, loaded once per user
        object (one query)."""
        cached = getattr(self, "_grant_cache", None)
        if cached is None:
            scoped: dict[str, list[str]] = defaultdict(list)
            global_perms: set[str] = set()
            codes: set[str] = set()
            rows: list[tuple[str, str | None, str | None]] = []
            if self.is_active and self.pk:
                # The org's name comes along for the page header's role list (role_rows).
                rows = list(self.role_assignments.values_list("role", "org__path", "org__name"))
                for role_code, path, _name in rows:
                    role = ROLES.get(role_code)
                    if role is None:
                        continue
                    codes.add(role_code)
                    if role.is_global:
                        global_perms |= role.permissions
                    elif path is not None:
                        for perm in role.permissions:
                            scoped[perm].append(path)
            cached = (dict(scoped), global_perms, frozenset(codes))
            self._grant_cache = cached
            self._role_rows = sorted(rows, key=lambda r: (r[0], r[1] or ""))
        return cached

    def role_rows(self) -> list[tuple[str, str | None, str | None]]:
        """(role code, org path, org name) of each assignment by role and org, from the same
        query as the grants."""
        self._grants()
        return self._role_rows

    def get_scope_paths(self, perm: str) -> list[str]:
        return self._grants()[0].get(perm, [])

    def has_global_perm(self, perm: str) -> bool:
        return perm in self._grants()[1]

    def role_codes(self) -> frozenset[str]:
        return self._grants()[2]

    def mfa_required(self) -> bool:
        """Holds a role whose holders must sign in with a second factor."""
        return bool(self.role_codes() & MFA_REQUIRED_ROLES)

    def password_expired(self) -> bool:
        if self.password_changed_at is None:
            return False
        age = timezone.now() - self.password_changed_at
        return age.days >= settings.PASSWORD_MAX_AGE_DAYS

    def password_change_required(self) -> bool:
        """An admin-set password not yet replaced, or one past its maximum age."""
        return self.must_change_password or self.password_expired()

    def account_expired(self) -> bool:
        """Valid through `expires_on` (local date) inclusive."""
        return self.expires_on is not None and timezone.localdate() > self.expires_on

    # --- password history ------------------------------------------------------------
    def set_password(self, raw_password: str | None) -> None:
        """Every new password is dated and, once saved, kept in the history (no reuse)."""
        super().set_password(raw_password)
        if raw_password is not None:
            self.password_changed_at = timezone.now()
            self._history_pending = True

    def check_password(self, raw_password: str) -> bool:
        def rehash(raw: str) -> None:
            # Re-hashing the same password with a newer hasher is not a password change:
            # no new history entry, no new change date.
            self.password = make_password(raw)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, rehash)

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        pending = getattr(self, "_history_pending", False) and (
            update_fields is None or "password" in update_fields
        )
        if pending and update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)
        if pending:
            self._history_pending = False
            self._record_password_history()

    def _record_password_history(self) -> None:
        PasswordHistory.objects.create(user=self, password=self.password)
        keep = PasswordHistory.objects.filter(user=self).values("pk")[
            : settings.PASSWORD_HISTORY_COUNT
        ]
        PasswordHistory.objects.filter(user=self).exclude(pk__in=keep).delete()


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=ROLE_CHOICES)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("组织"),
        help_text=_("角色作用于该组织及其全部下级；系统/安全/审计管理员不选组织。"),
    )
    created = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="uniq_role_assignment"),
        ]

    def __str__(self) -> str:
        role = ROLES.get(self.role)
        label = role.label if role else self.role
        return f"{self.user} · {label}" + (f" @ {self.org}" if self.org_id else "")

    def audit_related_org_id(self) -> int | None:
        return self.org_id

    def clean(self) -> None:
        role = ROLES.get(self.role)
        if role is None:
            raise ValidationError({"role": "未知角色。"})
        if role.is_global and self.org_id:
            raise ValidationError({"org": f"“{role.label}”是全局角色，不能指定组织。"})
        if not role.is_global and not self.org_id:
            raise ValidationError({"org": f"“{role.label}”须指定所辖组织。"})


class RoleProposal(models.Model):
    """A role grant proposed by a 系统管理员, in force only once a 安全管理员 approves it.

    Approval creates the `RoleAssignment`; until then the proposal grants nothing, since
    scoping reads assignments only. Decided proposals stay as the record of who asked and
    who decided (decisions/0009).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_proposals", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=ROLE_CHOICES)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_proposals",
        verbose_name=_("组织"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # SET_NULL: accounts are deactivated, not deleted, but the demo reset removes its own.
    proposed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提请人"),
    )
    proposed_at = models.DateTimeField(_("提请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("授权申请")
        verbose_name_plural = _("授权申请")
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "-proposed_at"], name="roleproposal_status")]
        default_permissions = ()

    def __str__(self) -> str:
        role = ROLES.get(self.role)
        label = role.label if role else self.role
        where = f" @ {self.org}" if self.org_id else ""
        return f"{self.user} · {label}{where}（{self.get_status_display()}）"

    @property
    def role_label(self) -> str:
        role = ROLES.get(self.role)
        return role.label if role else self.role

    def audit_related_org_id(self) -> int | None:
        return self.org_id


class TotpDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238). The secret is encrypted at rest (core.crypto)."""

    sensitive_fields: ClassVar[tuple[str, ...]] = ("secret",)
    audit_exclude: ClassVar[tuple[str, ...]] = ("secret", "last_used_step")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("用户")
    )
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    # The time step of the last accepted code: a code is accepted once (no replay).
    last_used_step = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("两步验证设备")
        verbose_name_plural = _("两步验证设备")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user} · 两步验证"


class RecoveryCode(models.Model):
    """A single-use recovery code, kept only as a keyed digest (core.crypto.blind_index)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("用户")
    )
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["user", "digest"], name="recoverycode_lookup")]

    def __str__(self) -> str:
        return f"{self.user_id} · 恢复码"


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created:%Y-%m-%d %H:%M}"
