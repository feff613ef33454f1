"""创新案例 / 研究课题 submitted by units, the 工委's rating, external awards, and each unit's
1+N 党建品牌 (issue 13).

Who writes what: a unit (its unit-level org or a branch below it) writes its cases, their
files and the awards they received; the 工委 rates them. The rating is a row of its own
(`CaseRating`) written by the 工委's side (`write_sides`, decisions/0007), so the unit that
holds every permission over its own subtree still cannot change or delete it.

The 1+N brand system: one unit brand (`parent` empty, org = the unit-level org) and N
branch brands (org = a branch below it) hanging under it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel, StoredFile

YEAR_MIN = 2000  # the register starts with this century's work


class CaseType(models.TextChoices):
    INNOVATION = "innovation", _("创新案例")
    RESEARCH = "research", _("研究课题")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀案例")
    SELECTED = "selected", _("入选案例")
    NOT_SELECTED = "not_selected", _("未入选")


RATING_BADGES: dict[str, str] = {
    Rating.EXCELLENT: "bg-red-lt",
    Rating.SELECTED: "bg-blue-lt",
    Rating.NOT_SELECTED: "bg-secondary-lt",
}


class AwardLevel(models.TextChoices):
    """Who gave an external award: the level of the awarding body."""

    CITY_COMMITTEE = "city_committee", _("市直机关工委")
    CITY = "city", _("市级")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("省直机关工委")
    PROVINCIAL = "provincial", _("省级")
    NATIONAL = "national", _("全国")


# "A provincial-level award" (seed-figures row 9: 省直工委 二等奖案例 / 优秀案例).
PROVINCIAL_LEVELS = (AwardLevel.PROVINCIAL_COMMITTEE, AwardLevel.PROVINCIAL)


class Case(ScopedModel):
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("报送党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    case_type = models.CharField(
        _("类型"), max_length=12, choices=CaseType.choices, default=CaseType.INNOVATION
    )
    title = models.CharField(_("标题"), max_length=120)
    summary = models.TextField(_("内容摘要"), max_length=4000)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CaseStatus.choices,
        default=CaseStatus.DRAFT,
        editable=False,
    )
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("提交人"),
    )

    class Meta:
        verbose_name = _("创新案例")
        verbose_name_plural = _("创新案例")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["year", "org"]), models.Index(fields=["year", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "title"], name="cases_case_title_once")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == CaseStatus.SUBMITTED

    # The list annotates `rating_value` (no query per row); these label it.
    @property
    def rating_label(self) -> str:
        value = getattr(self, "rating_value", None)
        return str(Rating(value).label) if value else ""

    @property
    def rating_badge(self) -> str:
        return RATING_BADGES.get(getattr(self, "rating_value", None) or "", "bg-secondary-lt")


class CaseRating(ScopedModel):
    """The 工委's 评定 of a submitted case: written by the rating org's side only."""

    scope_path_field: ClassVar[str] = "case__org__path"
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), "rated_by_org__path"
    )

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="rating", verbose_name=_("案例")
    )
    rated_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评定单位"),
    )
    rating = models.CharField(_("评定等次"), max_length=16, choices=Rating.choices)
    rated_on = models.DateField(_("评定日期"))
    note = models.CharField(_("评语"), max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("评定人"),
    )

    class Meta:
        verbose_name = _("案例评定")
        verbose_name_plural = _("案例评定")
        ordering = ["-rated_on", "-id"]
        indexes = [models.Index(fields=["rating"])]

    def __str__(self) -> str:
        return f"{self.case}：{self.get_rating_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.case_id])

    def audit_related_org_id(self):
        return self.case.org_id

    @property
    def badge(self) -> str:
        return RATING_BADGES.get(self.rating, "bg-secondary-lt")


class CaseAward(ScopedModel):
    """An external award a case received (省直工委 二等奖案例 …), recorded by its unit."""

    scope_path_field: ClassVar[str] = "case__org__path"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="awards", verbose_name=_("案例")
    )
    level = models.CharField(_("授予层级"), max_length=24, choices=AwardLevel.choices)
    awarding_body = models.CharField(_("授予单位"), max_length=100, blank=True)
    award = models.CharField(_("奖项"), max_length=60)
    year = models.PositiveSmallIntegerField(_("获奖年度"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("案例获奖")
        verbose_name_plural = _("案例获奖")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["year", "level"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.award}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.case_id])

    def audit_related_org_id(self):
        return self.case.org_id


class CaseFile(StoredFile):
    """An attachment of a case (材料全文、图片), checked by content like activity files."""

    scope_path_field: ClassVar[str] = "case__org__path"
    storage_folder: ClassVar[str] = "cases"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="files", verbose_name=_("案例")
    )

    class Meta:
        verbose_name = _("案例附件")
        verbose_name_plural = _("案例附件")
        ordering = ["case", "id"]

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.case_id])

    def audit_related_org_id(self):
        return self.case.org_id


class BrandLevel(models.TextChoices):
    UNIT = "unit", _("单位品牌")
    BRANCH = "branch", _("支部品牌")


class Brand(ScopedModel):
    """A 党建品牌: the unit's one (org = its unit-level org) or a branch's (under the unit's)."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="brands",
        verbose_name=_("所属党组织"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="children",
        verbose_name=_("所属单位品牌"),
    )
    name = models.CharField(_("品牌名称"), max_length=60)
    description = models.TextField(_("品牌内涵"), max_length=2000, blank=True)
    established_year = models.PositiveSmallIntegerField(_("创建年度"))

    class Meta:
        verbose_name = _("党建品牌")
        verbose_name_plural = _("党建品牌")
        ordering = ["org__path", "id"]
        constraints = [
            # One brand per org: the unit's "1", each branch's one of the "N".
            models.UniqueConstraint(fields=["org"], name="cases_brand_one_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:brand_detail", args=[self.pk])

    @property
    def level(self) -> str:
        return BrandLevel.UNIT if self.parent_id is None else BrandLevel.BRANCH

    @property
    def level_label(self) -> str:
        return str(BrandLevel(self.level).label)
