"""评选表彰: a round (评选) with quotas per unit, the units' nominations (推荐), and the
honors register (表彰) — what a round decides and what is recorded directly.

Who writes what (DESIGN §4, decisions/0007):
- `HonorRound` and `RoundQuota` belong to the org that opened the round (the 工委); units
  hold only `view` on them, so no side rule is needed. A unit reads the rounds opened
  above it (`HonorRoundQuerySet.restrict`).
- `Nomination` is the unit's (its `org`), but its review, 公示 and decision are changes the
  round's org makes: `write_sides["change"]` is the round org's path, so the unit can
  never change a review; it may withdraw (delete) its own nomination before review.
- `Honor` is written by the org that decided or recorded it (`recorded_by_org`): a unit
  records an honor its member received from elsewhere, and cannot change or delete one
  the 工委 decided.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel
from dangjian.core.querysets import RestrictedManager, RestrictedQuerySet
from dangjian.core.scoping import perm_name, scope_paths, scope_q

from . import titles

STEP = 4  # orgs.Organization.steplen (orgs sits below; the value is fixed by its paths)


class HonorLevel(models.TextChoices):
    COMMITTEE = "committee", _("工委级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("全国")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回")
    PUBLICIZED = "publicized", _("公示中")
    DECIDED = "decided", _("已表彰")


def _ancestor_paths(paths: list[str]) -> set[str]:
    """Every path above (and at) the given ones: the orgs whose rounds reach them."""
    out: set[str] = set()
    for path in paths:
        out.update(path[:i] for i in range(STEP, len(path) + 1, STEP))
    return out


class HonorRoundQuerySet(RestrictedQuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        """Reading adds the rounds opened above the user's orgs: a unit sees the 工委's
        round it nominates in (writes stay on the opening org's subtree)."""
        if action != "view":
            return super().restrict(user, action)
        perm = perm_name(self.model, "view")
        own = scope_q(user, perm, self.model.scope_path_field)
        if own is None:
            return self.none()
        if not own:  # the whole tree
            return self.all()
        above = Q(org__path__in=sorted(_ancestor_paths(scope_paths(user, perm))))
        return self.filter(own | above)


class HonorRoundManager(RestrictedManager.from_queryset(HonorRoundQuerySet)):  # type: ignore[misc]
    pass


class HonorRound(ScopedModel):
    """评选: e.g. 2024年“七一”表彰, opened by `org` (the 工委) for the orgs below it."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="honor_rounds",
        verbose_name=_("组织评选的党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("评选名称"), max_length=100)
    level = models.CharField(
        _("表彰级别"), max_length=16, choices=HonorLevel.choices, default=HonorLevel.COMMITTEE
    )
    titles = models.JSONField(_("评选称号"), default=list)
    nomination_starts = models.DateField(_("推荐开始日期"))
    nomination_ends = models.DateField(_("推荐截止日期"))
    material_asked = models.TextField(
        _("推荐材料要求"), blank=True, help_text=_("各单位推荐时须提交的材料，如事迹材料、推荐表")
    )
    publicity_starts = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_ends = models.DateField(_("公示结束日期"), null=True, blank=True)
    decided_on = models.DateField(_("表彰决定日期"), null=True, blank=True)
    document_number = models.CharField(_("表彰决定文号"), max_length=64, blank=True)

    objects: ClassVar[HonorRoundManager] = HonorRoundManager()

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选表彰")
        ordering = ["-year", "-nomination_starts", "-id"]
        indexes = [models.Index(fields=["year", "org"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("honors:round_detail", args=[self.pk])

    @property
    def title_names(self) -> str:
        return "、".join(titles.name(code) for code in self.titles)

    @property
    def stage(self) -> str:
        if self.decided_on:
            return "已决定"
        if self.publicity_starts:
            return "公示"
        return "推荐与审核"


class RoundQuota(ScopedModel):
    """How many of `title` the unit `org` may nominate in a round (its 名额)."""

    round = models.ForeignKey(
        HonorRound, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("评选")
    )
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    title = models.CharField(_("称号"), max_length=32, choices=titles.choices)
    quota = models.PositiveSmallIntegerField(_("名额"))

    class Meta:
        verbose_name = _("推荐名额")
        verbose_name_plural = _("推荐名额")
        ordering = ["round", "org__path", "title"]
        constraints = [
            models.UniqueConstraint(fields=["round", "org", "title"], name="honors_quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org} · {titles.name(self.title)} · {self.quota} 名"

    def get_absolute_url(self) -> str:
        return reverse("honors:round_detail", args=[self.round_id])


class Nomination(ScopedModel):
    """推荐: a unit (`org`) puts forward one of its members or orgs for a title of a round."""

    # The review is the round's side; withdrawing is the nominating org's own (declared so
    # that the 工委's review and the unit's withdrawal are both stated in one place).
    write_sides: ClassVar[dict[str, str]] = {"change": "round__org__path", "delete": "org__path"}

    round = models.ForeignKey(
        HonorRound, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("评选")
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("推荐单位"),
    )
    title = models.CharField(_("推荐称号"), max_length=32, choices=titles.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("推荐党员"),
    )
    recipient_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("推荐党组织"),
    )
    material = models.TextField(_("推荐材料（事迹）"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
        db_index=True,
    )
    nominated_on = models.DateField(_("推荐日期"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("推荐人"),
    )
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("审核人"),
    )

    class Meta:
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")
        ordering = ["round", "org__path", "title", "id"]
        indexes = [models.Index(fields=["round", "org", "title", "status"])]

    def __str__(self) -> str:
        return f"{self.recipient_name} · {titles.name(self.title)}"

    def get_absolute_url(self) -> str:
        return reverse("honors:nomination_detail", args=[self.pk])

    @property
    def recipient_name(self) -> str:
        if self.member is not None:
            return self.member.name
        return self.recipient_org.name if self.recipient_org is not None else "—"

    @property
    def title_name(self) -> str:
        return titles.name(self.title)


class Honor(ScopedModel):
    """表彰: a title granted to a member or an org, by a round's decision or recorded
    directly (an honor from the city or the province). `org` is the recipient org, or the
    member's org when it was granted — it scopes the row."""

    write_sides: ClassVar[dict[str, str]] = {
        "change": "recorded_by_org__path",
        "delete": "recorded_by_org__path",
    }

    title = models.CharField(_("称号"), max_length=32, choices=titles.choices, db_index=True)
    level = models.CharField(_("级别"), max_length=16, choices=HonorLevel.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honors",
        verbose_name=_("获表彰党员"),
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="honors",
        verbose_name=_("党组织"),
        help_text=_("获表彰的党组织；表彰党员时为其所在党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    issuer = models.CharField(_("表彰机关"), max_length=64)
    decided_on = models.DateField(_("决定日期"))
    document_number = models.CharField(_("决定文号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入或决定的党组织"),
    )
    nomination = models.OneToOneField(
        Nomination,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="honor",
        verbose_name=_("来自推荐"),
    )

    class Meta:
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")
        ordering = ["-decided_on", "title", "id"]
        indexes = [models.Index(fields=["year", "title"]), models.Index(fields=["decided_on"])]

    def __str__(self) -> str:
        return f"{self.recipient_name} · {self.title_name}（{self.year}）"

    def get_absolute_url(self) -> str:
        return reverse("honors:honor_detail", args=[self.pk])

    @property
    def recipient_name(self) -> str:
        return self.member.name if self.member is not None else self.org.name

    @property
    def title_name(self) -> str:
        return titles.name(self.title)
