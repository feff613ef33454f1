"""廉政风险防控: the yearly 排查 round, each unit's register in it, and what the register holds.

The 工委 opens a round (`RiskReview`) for a year; each unit-level org under it gets its
register for the round (`RiskSubmission`: 已提交 or not, when, by whom). Everything the unit
records hangs off that register — its risk points by post (`RiskPoint`), the measures against
them (`Measure`, linked only to points of the same register) and the institutions it
established or revised (`Institution`) — so the register's org scopes all of it, and the
round's year is what the metrics count by.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel

YEAR_MIN, YEAR_MAX = 2000, 2100


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class RiskCategory(models.TextChoices):
    """Where a risk comes from (the usual five of a 廉政风险排查)."""

    MORAL = "moral", _("思想道德")
    SYSTEM = "system", _("制度机制")
    DUTY = "duty", _("岗位职责")
    PROCESS = "process", _("业务流程")
    EXTERNAL = "external", _("外部环境")


class RiskPost(models.TextChoices):
    """The post (岗位) a risk point is found at: the short list the registers use."""

    LEADER = "leader", _("单位主要负责人")
    DEPUTY = "deputy", _("分管领导")
    MIDDLE = "middle", _("中层干部")
    FINANCE = "finance", _("财务管理")
    PROCUREMENT = "procurement", _("政府采购")
    PERSONNEL = "personnel", _("干部人事")
    APPROVAL = "approval", _("行政审批")
    ENFORCEMENT = "enforcement", _("行政执法")
    PROJECT = "project", _("项目管理")
    ASSETS = "assets", _("资产管理")
    FUNDS = "funds", _("专项资金")
    OFFICE = "office", _("办公室综合")
    STAFF = "staff", _("一般工作人员")


class InstitutionKind(models.TextChoices):
    ESTABLISHED = "established", _("新建")
    REVISED = "revised", _("修订")


class RiskReview(ScopedModel):
    """A yearly 廉政风险排查 round, opened by the 工委 (its org) for the units under it."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="risk_reviews",
        verbose_name=_("组织单位"),
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    title = models.CharField(_("名称"), max_length=100)
    opens_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("填报截止日期"))
    closed = models.BooleanField(_("已结束"), default=False)
    warning_activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联警示教育活动"),
    )
    note = models.TextField(_("工作要求"), blank=True)

    class Meta:
        verbose_name = _("廉政风险排查")
        verbose_name_plural = _("廉政风险排查")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="integrity_one_review_per_year")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("integrity:review_detail", args=[self.pk])


class RiskSubmission(ScopedModel):
    """A unit's register in one round: created for every unit when the round opens, marked
    submitted by the unit. Only the round's side (the 工委) takes a unit out of the round."""

    review = models.ForeignKey(
        RiskReview, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("排查")
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="risk_submissions",
        verbose_name=_("单位党组织"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("提交人"),
    )

    # The unit fills and submits its register; only the round's side takes it out of the round.
    write_sides = {"change": "org__path", "delete": "review__org__path"}

    class Meta:
        verbose_name = _("单位排查填报")
        verbose_name_plural = _("单位排查填报")
        ordering = ["-review__year", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["review", "org"], name="integrity_one_register")
        ]

    def __str__(self) -> str:
        return f"{self.org.name} · {self.review.year}年廉政风险排查"

    def get_absolute_url(self) -> str:
        return reverse("integrity:submission_detail", args=[self.pk])

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def late(self) -> bool:
        """Submitted after the round's due date (local date of the submission)."""
        from django.utils import timezone

        return bool(
            self.submitted_at and timezone.localdate(self.submitted_at) > self.review.due_on
        )


class _RegisterRow(ScopedModel):
    """A row of a unit's register: scoped by the register's org."""

    scope_path_field = "submission__org__path"

    class Meta:
        abstract = True

    def audit_related_org_id(self):
        return self.submission.org_id  # type: ignore[attr-defined]


class RiskPoint(_RegisterRow):
    submission = models.ForeignKey(
        RiskSubmission,
        on_delete=models.CASCADE,
        related_name="risk_points",
        verbose_name=_("排查填报"),
    )
    code = models.CharField(_("编号"), max_length=20)
    post = models.CharField(_("岗位"), max_length=20, choices=RiskPost.choices)
    post_title = models.CharField(_("具体岗位"), max_length=60, blank=True)
    description = models.TextField(_("风险点描述"), max_length=500)
    category = models.CharField(_("风险类别"), max_length=12, choices=RiskCategory.choices)
    level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)

    class Meta:
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")
        ordering = ["submission", "code"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "code"], name="integrity_point_code")
        ]
        indexes = [models.Index(fields=["submission", "level"])]

    def __str__(self) -> str:
        return f"{self.code} {self.get_post_display()}"

    def get_absolute_url(self) -> str:
        return reverse("integrity:point_detail", args=[self.pk])


class Measure(_RegisterRow):
    submission = models.ForeignKey(
        RiskSubmission,
        on_delete=models.CASCADE,
        related_name="measures",
        verbose_name=_("排查填报"),
    )
    risk_points = models.ManyToManyField(
        RiskPoint, related_name="measures", verbose_name=_("防控的风险点")
    )
    description = models.TextField(_("防控措施"), max_length=500)
    responsible = models.CharField(_("责任人"), max_length=32)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("防控措施")
        verbose_name_plural = _("防控措施")
        ordering = ["submission", "id"]

    def __str__(self) -> str:
        text = self.description
        return text if len(text) <= 30 else text[:30] + "…"

    @property
    def point_codes(self) -> str:
        """The codes of its risk points (prefetch `risk_points` on lists)."""
        return "、".join(sorted(p.code for p in self.risk_points.all()))

    def get_absolute_url(self) -> str:
        return reverse("integrity:measure_detail", args=[self.pk])


class Institution(_RegisterRow):
    submission = models.ForeignKey(
        RiskSubmission,
        on_delete=models.CASCADE,
        related_name="institutions",
        verbose_name=_("排查填报"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=InstitutionKind.choices)
    name = models.CharField(_("制度名称"), max_length=100)
    issued_on = models.DateField(_("印发日期"))
    document_number = models.CharField(_("文号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("廉政制度")
        verbose_name_plural = _("廉政制度")
        ordering = ["submission", "issued_on", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("integrity:institution_detail", args=[self.pk])
