"""Rule exemptions (豁免) and per-deployment rule switches; reminders' models at the bottom.

`RuleExemption` is GLOSSARY's 豁免: an approved record that an org (or one member) is not
held to a rule for a period. It is named apart from `members.Exemption`, which is a
member's 免于参加组织生活 (docs/decisions/0005-rule-exemptions.md).

`RuleSetting` stores the UI switch of a local rule (`local: true` in the library). Settings
(`DANGJIAN_RULES_DISABLED` / `DANGJIAN_RULES_ENABLED`) win over it; see `rules/switches.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel, TimestampedModel

from .loader import get_library


class RuleExemption(ScopedModel):
    """An org (or a member of it) is not held to `rule_id` from `starts_on` to its effective end.

    The effective end is the earlier of `ends_on` and `expires_on` (either may be empty, not
    both): `ends_on` is the period the approver exempted, `expires_on` the day the approval
    lapses and must be renewed. How a partly covered period is judged: `rules/evaluator.py`.
    """

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="rule_exemptions",
        verbose_name=_("党组织"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rule_exemptions",
        verbose_name=_("党员"),
        help_text=_("只豁免一名党员时填写（如党员长期未参加组织生活的提醒）；留空表示豁免整个组织"),
    )
    rule_id = models.CharField(_("规则"), max_length=64, db_index=True)
    starts_on = models.DateField(_("豁免开始日期"))
    ends_on = models.DateField(_("豁免结束日期"), null=True, blank=True)
    expires_on = models.DateField(
        _("批准有效期至"),
        null=True,
        blank=True,
        help_text=_("到期后须重新审批；不填结束日期时必须填写"),
    )
    reason = models.CharField(_("豁免理由"), max_length=200)
    approved_by = models.CharField(_("批准人（单位）"), max_length=64)
    approval_document = models.CharField(_("批准文号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("录入人"),
    )

    class Meta:
        verbose_name = _("规则豁免")
        verbose_name_plural = _("规则豁免")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["rule_id", "starts_on"])]

    def __str__(self) -> str:
        who = self.member.name if self.member_id and self.member else str(self.org)
        return f"{who} · {self.rule_title}（{self.starts_on:%Y-%m-%d} 起）"

    @property
    def rule_title(self) -> str:
        """The exempted rule by its title: pages name rules by title, never by id (issue 9)."""
        library = get_library()
        return library.get(self.rule_id).title if self.rule_id in library else "已删除的规则"

    def get_absolute_url(self) -> str:
        return reverse("rules:exemption_detail", args=[self.pk])

    @property
    def effective_end(self):
        ends = [d for d in (self.ends_on, self.expires_on) if d is not None]
        return min(ends) if ends else None


class RuleSetting(TimestampedModel):
    """The UI switch of one local rule, deployment-wide (one row per rule that was switched)."""

    rule_id = models.CharField(_("规则"), max_length=64, unique=True)
    enabled = models.BooleanField(_("启用"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("修改人"),
    )

    class Meta:
        verbose_name = _("地方性规则开关")
        verbose_name_plural = _("地方性规则开关")
        ordering = ["rule_id"]
        permissions = [("view_compliance", "查看制度落实情况")]

    def __str__(self) -> str:
        return f"{self.rule_id}：{'启用' if self.enabled else '停用'}"


class ComplianceToken(models.Model):
    """A token that changes with every write that can change compliance results in one
    subtree (`path`: a unit-level org's, an org's three tree steps down, a root's own, or
    "" for the whole tree). The compliance roll-ups are cached under these tokens: rules/rollup.py,
    docs/decisions/0013-compliance-without-recompute.md."""

    path = models.CharField(_("组织路径"), max_length=255, primary_key=True)
    token = models.BigIntegerField(_("数据版本"))

    class Meta:
        verbose_name = _("达标统计数据版本")
        verbose_name_plural = _("达标统计数据版本")

    def __str__(self) -> str:
        return f"{self.path or '全部'}：{self.token}"


from .models_notifications import *  # noqa: E402, F403  (reminders: Notification, HolidaySchedule)
