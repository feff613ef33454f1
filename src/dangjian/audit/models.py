"""Append-only, hash-chained audit events (DESIGN §11).

Retention: audit rows are kept for at least 6 months (等保 2.0 三级 requires ≥ 6 months
of audit records). Nothing in the product deletes them: there is no purge command, and
the ORM refuses update() and delete() on events. Removing old rows, if ever needed,
is an operator's archive-then-delete decision outside the application, and
`dangjian audit verify` would then report the gap at the start of the chain.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .chain import GENESIS, HMAC_SHA256, LEGACY


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # append-only for everyone
        raise PermissionError("审计日志只允许追加，不能修改。")

    def delete(self):
        raise PermissionError("审计日志只允许追加，不能删除。")


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")

    ACTION_LABELS = {
        "create": "新增",
        "update": "修改",
        "delete": "删除",
        "login": "登录",
        "login_failed": "登录失败",
        "logout": "退出",
        "lockout": "账号锁定",
        "permission_denied": "越权访问",
        "reveal": "查看敏感信息",
        "import": "导入",
        "export": "导出",
        "password_change": "修改密码",
        "role_grant": "授予角色",
        "role_propose": "提请授权",
        "role_approve": "批准授权",
        "role_reject": "驳回授权",
        "role_revoke": "撤销角色",
        "member_accounts_create": "开通党员账号",
        "mfa_enrol": "启用两步验证",
        "mfa_disable": "关闭两步验证",
        "mfa_reset": "重置两步验证",
        "mfa_recovery_codes": "重新生成恢复码",
        "token_create": "创建令牌",
        "unlock": "解除锁定",
        "backup": "备份",
        "restore": "恢复",
        "demo_load": "载入演示数据",
        "audit_rekey": "审计日志重新封存",
        "audit_anchor_restart": "审计检查点重新开始",
    }

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("用户ID"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("用户"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=32, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    related_org_id = models.BigIntegerField(_("相关组织"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    source_address = models.CharField(_("来源地址"), max_length=64, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=8, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # How `hash` was made (chain.py): rows without the marker predate the keyed chain.
    hash_version = models.PositiveSmallIntegerField(
        default=LEGACY, choices=[(LEGACY, "SHA-256"), (HMAC_SHA256, "HMAC-SHA256")]
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        default_permissions = ("view",)
        # One object's history (a member's 职务 changes for the dues alerts, the log's
        # object filter) without reading every event of its type.
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_chain_insert", False):
            raise PermissionError("审计日志只允许追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只允许追加，不能删除。")

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)


class ChainHead(models.Model):
    """One row, locked while an event is appended, so the chain stays linear under concurrency."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head #{self.last_id}"
