"""组织生活: activities, their agenda (第一议题), attendance and attachments.

An activity is recorded once by the org that held it; compliance, metrics and a member's
history are computed from these rows. `held_on` is the date it actually took place; a
scheduled activity (会议通知) has only `planned_on` (held_on is NULL) and counts for nothing
until held. Its status is derived from `held_on`, never stored (decisions/0010): use
`Activity.objects.held()` / `.scheduled()` / `.upcoming()` / `.notices_for(member)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel, StoredFile
from dangjian.core.querysets import RestrictedManager, RestrictedQuerySet


class ActivityKind(models.TextChoices):
    MEMBER_ASSEMBLY = "member_assembly", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    DEMOCRATIC_APPRAISAL = "democratic_appraisal", _("民主评议党员")
    HEART_TALK = "heart_talk", _("谈心谈话")
    CENTRAL_GROUP_STUDY = "central_group_study", _("理论学习中心组学习")
    YOUTH_STUDY = "youth_study", _("青年理论学习小组")
    SEMINAR = "seminar", _("专题研讨")
    TRAINING = "training", _("培训班")
    VOLUNTEER = "volunteer", _("志愿服务")
    WARNING_EDUCATION = "warning_education", _("警示教育")
    OATH_RENEWAL = "oath_renewal", _("重温入党誓词")
    POLITICAL_BIRTHDAY = "political_birthday", _("过政治生日")


# 三会一课 (GLOSSARY): the four kinds the basic-system rules count.
THREE_MEETINGS_ONE_LECTURE = frozenset(
    {
        ActivityKind.MEMBER_ASSEMBLY,
        ActivityKind.COMMITTEE_MEETING,
        ActivityKind.GROUP_MEETING,
        ActivityKind.PARTY_LECTURE,
    }
)


# Kinds the whole org is expected at: the record pre-fills every expected member as 出席
# and computes the attendance rate. Other kinds (a talk, a training course, a volunteer
# day) list only those who took part.
FULL_ATTENDANCE_KINDS = frozenset(
    {
        ActivityKind.MEMBER_ASSEMBLY,
        ActivityKind.COMMITTEE_MEETING,
        ActivityKind.GROUP_MEETING,
        ActivityKind.PARTY_LECTURE,
        ActivityKind.THEME_DAY,
        ActivityKind.LIFE_MEETING,
        ActivityKind.DEMOCRATIC_APPRAISAL,
        ActivityKind.WARNING_EDUCATION,
        ActivityKind.OATH_RENEWAL,
    }
)


class TrainingType(models.TextChoices):
    DEMONSTRATION = "demonstration", _("示范培训班")
    ROTATION = "rotation", _("轮训班")
    NIGHT_SCHOOL = "night_school", _("夜校")
    LECTURE_HALL = "lecture_hall", _("讲堂")
    WORKSHOP = "workshop", _("研修班")
    OTHER = "other", _("其他培训")


class ServiceType(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    DUAL_REGISTRATION = "dual_registration", _("双报到")
    PROJECTS_ENTERPRISES = "projects_enterprises", _("进项目进企业")
    OTHER = "other", _("其他服务")


class ReviewStatus(models.TextChoices):
    # Optional upper-level review; never a precondition for counting (减负).
    NONE = "", _("未审阅")
    REVIEWED = "reviewed", _("已审阅")
    RETURNED = "returned", _("退回完善")


class ActivityStatus(models.TextChoices):
    """Derived from `held_on` (decisions/0010): a notice becomes the record by getting it."""

    SCHEDULED = "scheduled", _("已通知")
    HELD = "held", _("已召开")


class ParticipationStatus(models.TextChoices):
    ATTENDED = "attended", _("出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")
    EXEMPT = "exempt", _("免于参加")


class Tag(models.Model):
    """A theme an activity belongs to (e.g. 党纪学习教育); shared by the whole tree."""

    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=48, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    # Seeded by a data migration: a restore replaces the seeded rows (core/backup.py).
    backup_reference_data = True

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


DISCIPLINE_EDUCATION_TAG = "discipline_education"  # 党纪学习教育


class ActivityQuerySet(RestrictedQuerySet):
    # --- status (decisions/0010): held_on IS NULL ⇔ scheduled -------------------------
    def held(self) -> ActivityQuerySet:
        """Activities that took place: the only ones any figure, rule or history counts."""
        return self.filter(held_on__isnull=False)

    def scheduled(self) -> ActivityQuerySet:
        """会议通知: announced ahead (planned_on), not yet recorded as held."""
        return self.filter(held_on__isnull=True)

    def upcoming(self, day: dt.date | None = None) -> ActivityQuerySet:
        """Scheduled for `day` (default today) or later, soonest first."""
        day = day or timezone.localdate()
        return (
            self.scheduled().filter(planned_on__gte=day).order_by("planned_on", "starts_at", "pk")
        )

    def notices_for(self, member: Any, day: dt.date | None = None) -> ActivityQuerySet:
        """Upcoming notices `member` is expected at (a `NoticeReceipt` names them), soonest
        first — the member's "upcoming meetings of my orgs"."""
        member_id = getattr(member, "pk", member)
        return self.upcoming(day).filter(
            pk__in=NoticeReceipt.objects.filter(member_id=member_id).values("activity_id")
        )

    def with_attendance(self) -> ActivityQuerySet:
        """Annotate `n_attended`, `n_leave`, `n_absent`, `n_exempt` with one subquery each.

        Subqueries rather than JOIN + GROUP BY, so pagination counts stay cheap and the
        annotations combine with any other filter.
        """
        annotations = {}
        for status in ParticipationStatus.values:
            counted = (
                Participation.objects.filter(activity=OuterRef("pk"), status=status)
                .order_by()
                .values("activity")
                .annotate(n=Count("pk"))
                .values("n")
            )
            annotations[f"n_{status}"] = Coalesce(
                Subquery(counted, output_field=IntegerField()), Value(0)
            )
        return self.annotate(**annotations)


class ActivityManager(RestrictedManager.from_queryset(ActivityQuerySet)):  # type: ignore[misc]
    pass


class Activity(ScopedModel):
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("党组织"),
    )
    kind = models.CharField(_("活动类型"), max_length=24, choices=ActivityKind.choices)
    training_type = models.CharField(
        _("培训类型"), max_length=24, choices=TrainingType.choices, blank=True
    )
    service_type = models.CharField(
        _("服务类型"), max_length=24, choices=ServiceType.choices, blank=True
    )
    title = models.CharField(_("主题"), max_length=200)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    held_on = models.DateField(
        _("召开日期"), null=True, blank=True, help_text=_("实际召开日期；仅有计划时留空")
    )
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=128, blank=True)
    host = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_activities",
        verbose_name=_("主持人"),
    )
    recorder = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recorded_activities",
        verbose_name=_("记录人"),
    )
    minutes = models.TextField(_("会议记录"), blank=True)
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="activities", verbose_name=_("标签")
    )
    observers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="observed_activities",
        verbose_name=_("列席旁听人员"),
    )
    external_observers = models.CharField(
        _("其他列席人员"), max_length=200, blank=True, help_text=_("系统外人员，用“、”分隔")
    )
    # Snapshot of the quorum check at recording time: None when the kind has no quorum rule.
    quorum_met = models.BooleanField(_("达到法定人数"), null=True, blank=True, editable=False)
    review_status = models.CharField(
        _("审阅状态"), max_length=16, choices=ReviewStatus.choices, blank=True, default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("录入人"),
    )

    objects: ClassVar[ActivityManager] = ActivityManager()

    # Set by `ActivityQuerySet.with_attendance()`.
    n_attended: int
    n_leave: int
    n_absent: int
    n_exempt: int

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org", "kind", "held_on"]),
            # (kind, held_on) scans for the rules evaluator, org_id included so the GROUP
            # BY org/month reads the index alone (province scale: 11.5× → 9.7× the city).
            models.Index(fields=["kind", "held_on", "org"]),
            # Newest first: the city-wide activity list and API page without a full sort.
            models.Index(fields=["-held_on", "-id"], name="activity_recent"),
        ]

    def __str__(self) -> str:
        day = self.held_on or self.planned_on
        return f"{self.title}（{day:%Y-%m-%d}）" if day else self.title

    def get_absolute_url(self) -> str:
        if self.held_on is None:
            return reverse("activities:notice_detail", args=[self.pk])
        return reverse("activities:activity_detail", args=[self.pk])

    @property
    def is_planned(self) -> bool:
        return self.held_on is None

    @property
    def status(self) -> str:
        """已通知 until it is recorded as held (decisions/0010)."""
        return ActivityStatus.SCHEDULED if self.held_on is None else ActivityStatus.HELD

    @property
    def is_notice(self) -> bool:
        return self.held_on is None

    def get_status_display(self) -> str:
        return str(ActivityStatus(self.status).label)

    @property
    def date(self):
        return self.held_on or self.planned_on

    # Attendance figures from the `with_attendance` annotations (None when not annotated).
    @property
    def n_expected(self) -> int | None:
        if not hasattr(self, "n_attended"):
            return None
        return self.n_attended + self.n_leave + self.n_absent

    @property
    def tracks_attendance(self) -> bool:
        return self.kind in FULL_ATTENDANCE_KINDS

    @property
    def attendance_rate(self) -> float | None:
        """出席率: attended / (everyone recorded minus 免于参加); None when nobody was due."""
        expected = self.n_expected
        if not expected or not self.tracks_attendance:
            return None
        return self.n_attended / expected


class AgendaItem(ScopedModel):
    scope_path_field: ClassVar[str] = "activity__org__path"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("活动")
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("议题"), max_length=200)
    is_first_topic = models.BooleanField(_("第一议题"), default=False)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["activity", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_related_org_id(self):
        return self.activity.org_id


class Participation(ScopedModel):
    scope_path_field: ClassVar[str] = "activity__org__path"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participations", verbose_name=_("活动")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("党员"),
    )
    status = models.CharField(
        _("参加情况"),
        max_length=12,
        choices=ParticipationStatus.choices,
        default=ParticipationStatus.ATTENDED,
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("参加记录")
        verbose_name_plural = _("参加记录")
        ordering = ["activity", "id"]
        indexes = [models.Index(fields=["member", "activity"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], name="activities_participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.activity_id])

    def audit_related_org_id(self):
        return self.activity.org_id


class Attachment(StoredFile):
    scope_path_field: ClassVar[str] = "activity__org__path"
    storage_folder: ClassVar[str] = "activities"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("活动")
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["activity", "id"]

    def get_absolute_url(self) -> str:
        return reverse("activities:attachment_download", args=[self.pk])

    def audit_related_org_id(self):
        return self.activity.org_id


class NoticeReceipt(ScopedModel):
    """回执: one row per member a notice (a scheduled activity) is sent to; `read_at` is set
    the first time the member opens it. Optional by design — nothing is forced or ranked
    (DESIGN §1: no forced check-ins); the row also names who is expected."""

    scope_path_field: ClassVar[str] = "activity__org__path"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("会议通知")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="notice_receipts",
        verbose_name=_("党员"),
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知回执")
        verbose_name_plural = _("通知回执")
        ordering = ["activity", "id"]
        indexes = [models.Index(fields=["member", "activity"])]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="activities_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {'已读' if self.read_at else '未读'}"

    def get_absolute_url(self) -> str:
        return reverse("activities:notice_detail", args=[self.activity_id])

    def audit_related_org_id(self):
        return self.activity.org_id
