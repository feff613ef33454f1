"""提醒 (Notification) and admin-entered holiday schedules.

A notification belongs to one user: `dangjian remind` creates it for the users responsible
for the org or member it is about (see `notifications.py` for who that is). It is the
user's own inbox item, so access is "own rows only" (`for_user`), not the org subtree: the
subtree decided who received it when it was created.

`dedupe_key` is unique: it names the user, the reminder kind, the subject (org, term,
member) and the period, so running the reminders twice for one day inserts nothing new.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["HolidaySchedule", "Notification", "NotificationKind"]


class NotificationKind(models.TextChoices):
    TERM_DUE = "term_due", _("换届到期提醒")
    TERM_OVERDUE = "term_overdue", _("换届超期提醒")
    TERM_NO_DATA = "term_no_data", _("缺少届次信息")
    INACTIVITY_WARNING = "inactivity_warning", _("党员4个月未参加组织生活")
    INACTIVITY_ALERT = "inactivity_alert", _("党员6个月未参加组织生活")
    PROBATION_END = "probation_end", _("预备期满提醒")
    PROBATION_OVERDUE = "probation_overdue", _("预备期已满未转正")
    POLITICAL_BIRTHDAY = "political_birthday", _("政治生日提醒")
    HOLIDAY_BEFORE = "holiday_before", _("节前提醒")
    HOLIDAY_AFTER = "holiday_after", _("节后检查")
    COMPLIANCE_GAP = "compliance_gap", _("组织生活未达标")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("整改逾期提醒")  # from assessments
    RECRUITMENT_DUE = "recruitment_due", _("发展党员期限提醒")
    RECRUITMENT_OVERDUE = "recruitment_overdue", _("发展党员步骤超期")
    DUES_UNPAID = "dues_unpaid", _("党员3个月未交党费")  # from dues
    DUES_LAPSE = "dues_lapse", _("党员连续6个月未交党费")
    DUES_BASE = "dues_base", _("党费基数未核定")
    DUES_STALE = "dues_stale", _("工资变动后党费基数未调整")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> NotificationQuerySet:
        """The user's own notifications (none for anonymous users)."""
        if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
            return self.none()
        return self.filter(user_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def inbox_order(self) -> NotificationQuerySet:
        """Unread first, then newest first."""
        return self.order_by(models.F("read_at").desc(nulls_first=True), "-created", "-id")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("提醒类型"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    rule_id = models.CharField(_("规则编号"), max_length=64, blank=True)
    citation = models.TextField(_("依据"), blank=True)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织"),
    )
    due_on = models.DateField(_("到期日期"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=160, unique=True, editable=False)
    created = models.DateTimeField(_("提醒时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="rules_notif_user_read")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class HolidaySchedule(models.Model):
    """An officially announced holiday period, entered when the calendar libraries lack the year.

    When a year has any schedule rows they are that year's holidays (they win over
    chinese-calendar and the rule-based `holidays` package): the State Council's notice is
    the authority, the libraries only copy or approximate it.
    """

    name = models.CharField(_("节日名称"), max_length=32, help_text=_("如：春节、国庆节、中秋节"))
    starts_on = models.DateField(_("放假开始日期"))
    ends_on = models.DateField(_("放假结束日期"))
    first_workday = models.DateField(
        _("节后第一个工作日"),
        null=True,
        blank=True,
        help_text=_("留空时取放假结束后的第一个周一至周五"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法定节假日安排")
        verbose_name_plural = _("法定节假日安排")
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["starts_on"], name="rules_holiday_schedule_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.starts_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}）"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "放假结束日期不能早于开始日期。"})
        if self.first_workday and self.ends_on and self.first_workday <= self.ends_on:
            raise ValidationError({"first_workday": "节后第一个工作日应晚于放假结束日期。"})
        if self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > 15:
            raise ValidationError({"ends_on": "一次放假不超过 15 天，请核对日期。"})
