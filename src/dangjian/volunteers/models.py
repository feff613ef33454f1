"""志愿服务, 双报到 and 党员突击队 (issue 13 item 5).

- `Community`: a 社区 the 工委 keeps on record; every org below the keeper reads it.
- `CommunityRegistration` (双报到): an org (单位报到) or a member (个人报到, in the home
  community) registered with a community from a date, until an optional end.
- `ServiceRecord`: links a `volunteer` activity to the community it served, without
  touching the activities app; hours per member stay on the activity's participations.
- `CommunityFeedback`: a community's yearly feedback on an org and/or one of its registered
  members, recorded by the 工委 or by the unit on the community's behalf; what the 工委
  recorded the unit cannot change (`write_sides`).
- `TaskForce` / `TaskForceMember`: 党员突击队 and 攻关组 on a named project.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.db import path_prefix_q
from dangjian.core.models import ScopedModel
from dangjian.core.querysets import RestrictedManager, RestrictedQuerySet
from dangjian.core.scoping import perm_name, scope_paths
from dangjian.orgs.models import Organization

STEP = Organization.steplen


class CommunityQuerySet(RestrictedQuerySet):
    """Reading a community: the keeper's subtree and every org below the keeper — a unit
    reads the 工委's communities. Writes stay on the keeper's subtree."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return super().restrict(user, action)
        paths = scope_paths(user, perm_name(self.model, "view"))
        if not paths:
            return self.none()
        if "" in paths:
            return self.all()
        q = Q()
        ancestors: set[str] = set()
        for path in paths:
            q |= path_prefix_q("org__path", path)
            ancestors.update(path[:i] for i in range(STEP, len(path), STEP))
        if ancestors:
            q |= Q(org__path__in=sorted(ancestors))
        return self.filter(q)


class CommunityManager(RestrictedManager.from_queryset(CommunityQuerySet)):  # type: ignore[misc]
    pass


class Community(ScopedModel):
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记党组织"),
        help_text=_("保管该社区记录的党组织（通常为工委）；其下各单位均可查看。"),
    )
    name = models.CharField(_("社区名称"), max_length=64)
    district = models.CharField(_("所在区"), max_length=32)
    street = models.CharField(_("所在街道"), max_length=32)
    address = models.CharField(_("地址"), max_length=128, blank=True)
    contact = models.CharField(_("联系人"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects: ClassVar[CommunityManager] = CommunityManager()

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["district", "street", "name", "id"]
        indexes = [models.Index(fields=["org", "name"])]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="volunteers_community_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:community_detail", args=[self.pk])


REGISTRABLE_KINDS = ("unit_party", "party_committee", "general_branch", "branch")


class CommunityRegistration(ScopedModel):
    """双报到: `member` empty → the org registered (单位报到); else the member (个人报到),
    `org` then being the member's org at registration."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("党组织"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党员"),
        help_text=_("留空表示党组织报到；填写表示党员到居住地社区报到。"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("社区")
    )
    starts_on = models.DateField(_("报到日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("双报到登记")
        verbose_name_plural = _("双报到登记")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["org", "starts_on"]),
            models.Index(fields=["member", "starts_on"]),
            models.Index(fields=["community", "starts_on"]),
            # the list's order (newest first): the first page is read off the index
            models.Index(fields=["starts_on", "id"], name="volunteers_reg_order_idx"),
        ]

    def __str__(self) -> str:
        who = self.member.name if self.member is not None else self.org.name
        return f"{who} · {self.community.name}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:registration_detail", args=[self.pk])

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


class ServiceRecord(ScopedModel):
    """A `volunteer` activity credited to the community it served."""

    scope_path_field: ClassVar[str] = "activity__org__path"

    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("志愿服务活动"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="services", verbose_name=_("服务社区")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社区服务记录")
        verbose_name_plural = _("社区服务记录")
        ordering = ["-activity__held_on", "-id"]
        indexes = [models.Index(fields=["community"])]

    def __str__(self) -> str:
        return f"{self.activity.title} · {self.community.name}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:community_detail", args=[self.community_id])

    def audit_related_org_id(self) -> Any:
        return self.activity.org_id


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("好")
    GOOD = "good", _("较好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("差")


class CommunityFeedback(ScopedModel):
    """A community's yearly feedback (社区反馈) on an org and/or one of its registered members."""

    write_sides: ClassVar[dict[str, str]] = {
        "change": "recorded_by__path",
        "delete": "recorded_by__path",
    }

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("社区")
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被评价党组织"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被评价党员"),
        help_text=_("留空表示对党组织的评价。"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rating = models.CharField(_("评价等次"), max_length=12, choices=Rating.choices)
    text = models.TextField(_("反馈意见"), max_length=2000, blank=True)
    given_on = models.DateField(_("反馈日期"))
    recorded_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录党组织"),
        help_text=_("代社区录入反馈的党组织（工委或本单位）。"),
    )

    class Meta:
        verbose_name = _("社区反馈")
        verbose_name_plural = _("社区反馈")
        ordering = ["-year", "-given_on", "-id"]
        indexes = [models.Index(fields=["org", "year"]), models.Index(fields=["year"])]

    def __str__(self) -> str:
        who = self.member.name if self.member is not None else self.org.name
        return f"{self.year}年 {self.community.name} 对 {who} 的反馈"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:feedback_detail", args=[self.pk])


class TaskForceKind(models.TextChoices):
    SHOCK_TEAM = "shock_team", _("党员突击队")
    TASK_GROUP = "task_group", _("党员攻关组")


class TaskForce(ScopedModel):
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("党组织"),
    )
    kind = models.CharField(
        _("类别"), max_length=12, choices=TaskForceKind.choices, default=TaskForceKind.SHOCK_TEAM
    )
    name = models.CharField(_("名称"), max_length=64)
    project = models.CharField(_("攻坚项目"), max_length=128)
    starts_on = models.DateField(_("组建日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    description = models.TextField(_("任务说明"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("党员突击队")
        verbose_name_plural = _("党员突击队")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["org", "starts_on"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:taskforce_detail", args=[self.pk])


class TaskForceRole(models.TextChoices):
    LEADER = "leader", _("队长")
    DEPUTY = "deputy", _("副队长")
    MEMBER = "member", _("队员")


class TaskForceMember(ScopedModel):
    scope_path_field: ClassVar[str] = "task_force__org__path"

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="members", verbose_name=_("突击队")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员")
    )
    role = models.CharField(
        _("职责"), max_length=12, choices=TaskForceRole.choices, default=TaskForceRole.MEMBER
    )
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("突击队队员")
        verbose_name_plural = _("突击队队员")
        ordering = ["task_force", "role", "id"]
        indexes = [models.Index(fields=["member"])]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "member"], name="volunteers_taskforcemember_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:taskforce_detail", args=[self.task_force_id])

    def audit_related_org_id(self) -> Any:
        return self.task_force.org_id
