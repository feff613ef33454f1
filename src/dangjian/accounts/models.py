"""Users, role assignments over the org tree, password history."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_CHOICES, ROLES


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    # --- scoping -------------------------------------------------------------------
    def _grants(self) -> tuple[dict[str, list[str]], set[str]]:
        """perm → org paths (scoped roles) and global perms, loaded once per user object."""
        cached = getattr(self, "_grant_cache", None)
        if cached is None:
            scoped: dict[str, list[str]] = defaultdict(list)
            global_perms: set[str] = set()
            if self.is_active and self.pk:
                rows = self.role_assignments.values_list("role", "org__path")
                for role_code, path in rows:
                    role = ROLES.get(role_code)
                    if role is None:
                        continue
                    if role.is_global:
                        global_perms |= role.permissions
                    elif path is not None:
                        for perm in role.permissions:
                            scoped[perm].append(path)
            cached = (dict(scoped), global_perms)
            self._grant_cache = cached
        return cached

    def get_scope_paths(self, perm: str) -> list[str]:
        return self._grants()[0].get(perm, [])

    def has_global_perm(self, perm: str) -> bool:
        return perm in self._grants()[1]

    def role_codes(self) -> set[str]:
        return set(self.role_assignments.values_list("role", flat=True))

    def password_expired(self) -> bool:
        from django.conf import settings

        if self.password_changed_at is None:
            return False
        age = timezone.now() - self.password_changed_at
        return age.days >= settings.PASSWORD_MAX_AGE_DAYS


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户"))
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

    def clean(self) -> None:
        role = ROLES.get(self.role)
        if role is None:
            raise ValidationError({"role": "未知角色。"})
        if role.is_global and self.org_id:
            raise ValidationError({"org": f"“{role.label}”是全局角色，不能指定组织。"})
        if not role.is_global and not self.org_id:
            raise ValidationError({"org": f"“{role.label}”须指定所辖组织。"})


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        default_permissions = ()
