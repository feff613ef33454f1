"""培训班 and the 夜校 (issue 13): a class is a series of `training` activities.

A `TrainingClass` (示范培训班, 轮训班, a 夜校 course such as 声乐班, 讲堂 or 研修班) is held
by an org — the 工委 for a city-wide class, a unit for its own. Its sessions are ordinary
`training` activities of that org (`ClassSession` links one to the class), so attendance
and 学时 live in `activities.Participation` and every `training.*` figure of the
activities app counts class sessions like any other training, unchanged. The activities
app knows nothing of classes: the link is owned here.

Enrolment (报名) belongs to the member's side: a unit or branch enrols its own members,
also into a class held above it (the 工委's night school is open to the whole city); the
organizer reads the enrolments of its class (`also_viewed_through`) to record attendance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.activities.models import TrainingType
from dangjian.core.models import ScopedModel
from dangjian.core.querysets import RestrictedManager, RestrictedQuerySet
from dangjian.core.scoping import perm_name, scope_paths
from dangjian.orgs.models import Organization

MIN_HOURS, MAX_HOURS = Decimal("0.5"), Decimal("24")
MAX_SESSIONS = 200
MAX_CAPACITY = 100_000


def ancestor_paths(paths: list[str]) -> list[str]:
    """Every proper ancestor's path of each path (treebeard: fixed-width steps)."""
    step = Organization.steplen
    found = {p[:n] for p in paths for n in range(step, len(p), step)}
    return sorted(found)


class TrainingClassQuerySet(RestrictedQuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        """Reading also reaches the classes held *above* the user's orgs: a branch sees the
        工委's night school and its unit's classes, to enrol its members in them. Writes
        stay on the organizer's subtree."""
        qs = super().restrict(user, action)
        if action != "view":
            return qs
        above = ancestor_paths(scope_paths(user, perm_name(self.model, "view")))
        if not above:
            return qs
        base = self.model.objects.all()
        return qs | base.filter(org__path__in=above)


class TrainingClassManager(RestrictedManager.from_queryset(TrainingClassQuerySet)):  # type: ignore[misc]
    pass


class TrainingClass(ScopedModel):
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="training_classes",
        verbose_name=_("举办党组织"),
    )
    title = models.CharField(_("培训班名称"), max_length=128)
    training_type = models.CharField(
        _("培训类型"), max_length=24, choices=TrainingType.choices, default=TrainingType.OTHER
    )
    in_night_school = models.BooleanField(
        _("夜校课程"), default=False, help_text=_("属于机关夜校的课程（声乐班、讲堂、研修班等）")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    planned_sessions = models.PositiveSmallIntegerField(
        _("计划课次"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    hours_per_session = models.DecimalField(
        _("每课次学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(MIN_HOURS), MaxValueValidator(MAX_HOURS)],
    )
    required_sessions = models.PositiveSmallIntegerField(
        _("结业须出席课次"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)],
        help_text=_("出席达到这一课次数的学员可获结业证书"),
    )
    capacity = models.PositiveIntegerField(
        _("名额"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=_("不填为不限名额"),
    )
    enrolment_open = models.BooleanField(_("接受报名"), default=True)
    place = models.CharField(_("地点"), max_length=128, blank=True)
    description = models.TextField(_("简介"), blank=True, max_length=2000)

    objects: ClassVar[TrainingClassManager] = TrainingClassManager()

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["org", "year"]),
            models.Index(fields=["year", "training_type"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_class_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:class_detail", args=[self.pk])


class ClassSession(models.Model):
    """One session (课次) of a class: a `training` activity of the class's org.

    Not a scoped model of its own: it is read only through its class (restricted), and
    written only with the activity by `services.add_session`. The key to the activity has
    no database constraint because the demo reset empties the activity tables with
    TRUNCATE (PostgreSQL refuses that while another table's constraint points at them);
    the ORM still deletes the link with its activity.
    """

    training_class = models.ForeignKey(
        TrainingClass,
        on_delete=models.CASCADE,
        related_name="class_sessions",
        verbose_name=_("培训班"),
    )
    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="class_session",
        verbose_name=_("活动"),
    )
    number = models.PositiveSmallIntegerField(_("课次"), default=1)

    class Meta:
        verbose_name = _("培训课次")
        verbose_name_plural = _("培训课次")
        ordering = ["training_class", "number", "id"]

    def __str__(self) -> str:
        return f"{self.training_class} 第{self.number}课"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WITHDRAWN = "withdrawn", _("已退出")


class Enrolment(ScopedModel):
    # The member's side owns the row (a unit sees its members' enrolments); the organizer
    # reads those of its class to record attendance and print certificates.
    scope_path_field: ClassVar[str] = "member__org__path"
    also_viewed_through: ClassVar[tuple[str, ...]] = ("training_class__org__path",)

    training_class = models.ForeignKey(
        TrainingClass,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("培训班"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="training_enrolments",
        verbose_name=_("党员"),
    )
    enrolled_on = models.DateField(_("报名日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["training_class", "member__org__path", "member__name", "id"]
        indexes = [models.Index(fields=["member", "training_class"])]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "member"], name="training_enrolment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.training_class}"

    def get_absolute_url(self) -> str:
        return reverse("training:enrolment_detail", args=[self.pk])

    def audit_related_org_id(self):
        return self.member.org_id
