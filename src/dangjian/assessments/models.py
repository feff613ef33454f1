"""督查考评 (DESIGN §7): one engine for 抽查调阅, 明察暗访, 五星党支部, 模范机关, 主体责任清单 ….

Framework (a versioned checklist, from YAML) → Campaign (who is checked, on which framework
version, for which period) → Assessment (one per target org) → ItemResult (one per item)
→ Finding (a problem) → Rectification (整改, followed until 销号).

Scoping: a campaign belongs to its scope org (the 工委, or a unit checking its own
branches), so only users whose scope covers that org run it. An assessment is visible to
them, and to the target org's own users once the campaign owner releases the results.
Findings and rectifications belong to the org that has the problem; every org above it
sees them through the ordinary path rule, and the org itself answers its own.

Writes by side (DESIGN §4, decisions/0007): each model declares in `write_sides` whose side
may add, change or delete it — the checking side (the campaign's scope org, the finding's
raising org) for what it wrote, the owner org for the rectification's answer and its
files. `restrict(user, action)` applies it at every entry point; `obj.allows(user, action)`
is the same rule for one loaded row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel, StoredFile, TimestampedModel
from dangjian.core.querysets import RestrictedManager, RestrictedQuerySet, side_path_field
from dangjian.core.scoping import perm_name, scope_q


class CampaignType(models.TextChoices):
    SAMPLED_REVIEW = "sampled_review", _("抽查调阅")
    UNANNOUNCED_INSPECTION = "unannounced_inspection", _("明察暗访")
    FOCUSED_INSPECTION = "focused_inspection", _("集中监督检查")
    STAR_RATING = "star_rating", _("五星党支部评定")
    MODEL_ORGAN = "model_organ", _("模范机关评估")
    RESPONSIBILITY_LIST = "responsibility_list", _("主体责任清单")
    DUES_AUDIT = "dues_audit", _("党费审查")
    INSPECTION_LIAISON = "inspection_liaison", _("党建+巡察")


class Method(models.TextChoices):
    """听、看、查、问、评 (GLOSSARY)."""

    LISTEN = "listen", _("听")
    OBSERVE = "observe", _("看")
    CHECK = "check", _("查")
    ASK = "ask", _("问")
    EVALUATE = "evaluate", _("评")


class ItemKind(models.TextChoices):
    SECTION = "section", _("分类")  # a heading: no result of its own
    SCORE = "score", _("计分")  # 0..max_score
    PASS_FAIL = "pass_fail", _("是否达标")
    GRADED = "graded", _("等次")  # conforming / partial / nonconforming, no score


class ResultValue(models.TextChoices):
    CONFORMING = "conforming", _("符合")
    PARTIAL = "partial", _("部分符合")
    NONCONFORMING = "nonconforming", _("不符合")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class Framework(TimestampedModel):
    """One version of a checklist (考评模板). Versions are immutable once a campaign uses them.

    Shared by the whole deployment (not org data): shipped YAML libraries are loaded by
    `frameworks.sync_library()`; an edited or imported file becomes a new version.
    """

    code = models.SlugField(_("代码"), max_length=64)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    campaign_types = models.JSONField(
        _("适用的督查类型"), default=list, help_text=_("CampaignType 代码列表")
    )
    target_kinds = models.JSONField(
        _("适用的检查对象层级"), default=list, help_text=_("OrgKind 代码列表")
    )
    is_example = models.BooleanField(
        _("示例模板"), default=False, help_text=_("无全国统一标准，供各地修改后使用")
    )
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    # Optional pass line and rating bands, e.g. {"min_score": 90, "label": "五星", "requires": ["innovation"]}.
    pass_score = models.DecimalField(
        _("达标分数线"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    rating_bands = models.JSONField(_("评定等次（按分数）"), default=list, blank=True)
    quota_shares = models.JSONField(_("评定等次（按比例）"), default=list, blank=True)
    source = models.CharField(
        _("来源"),
        max_length=16,
        choices=[("package", _("系统内置")), ("uploaded", _("导入/编辑"))],
        default="package",
    )
    source_text = models.TextField(_("模板原文（YAML）"), blank=True)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    is_current = models.BooleanField(_("当前版本"), default=True)

    backup_reference_data = True

    class Meta:
        verbose_name = _("考评模板")
        verbose_name_plural = _("考评模板")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    def get_absolute_url(self) -> str:
        return reverse("assessments:framework_detail", args=[self.pk])

    @property
    def max_total(self) -> Any:
        return sum((i.max_score or 0) for i in self.items.all() if i.kind == ItemKind.SCORE)


class FrameworkItem(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="items", verbose_name=_("模板")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级条目"),
    )
    code = models.CharField(_("编号"), max_length=32)
    text = models.TextField(_("内容"))
    kind = models.CharField(_("评价方式"), max_length=16, choices=ItemKind.choices)
    max_score = models.DecimalField(
        _("满分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    methods = models.JSONField(_("检查方式"), default=list, blank=True)  # Method codes
    evidence_hint = models.CharField(_("查阅材料"), max_length=300, blank=True)
    category = models.CharField(
        _("问题类别"), max_length=64, blank=True, help_text=_("用于负面清单归类")
    )
    rule_id = models.CharField(
        _("关联制度规则"), max_length=64, blank=True, help_text=_("规则库中的规则编号")
    )
    # 自动取证 from a ledger (党费审查): a source of dues.audit.SOURCES, e.g. "dues.monthly".
    evidence_source = models.CharField(_("台账取证"), max_length=32, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    # Loaded on migrate with their framework (frameworks.sync_library): a restore replaces them.
    backup_reference_data = True

    class Meta:
        verbose_name = _("模板条目")
        verbose_name_plural = _("模板条目")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="framework_item_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"

    @property
    def is_assessable(self) -> bool:
        return self.kind != ItemKind.SECTION


class SelectionMode(models.TextChoices):
    ALL = "all", _("全部")
    MANUAL = "manual", _("指定")
    SAMPLE = "sample", _("分层随机抽样")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class LiaisonStage(models.TextChoices):
    """党建+巡察 stages; blank for other campaign types."""

    NONE = "", _("—")
    PRE = "pre", _("巡前征询")
    DURING = "during", _("巡中参与")
    POST = "post", _("巡后反馈")


# The checking side of a campaign: its scope org, which runs it. Its assessments, results,
# evidence and findings are written there, never by the orgs they are about.
CHECKING_SIDE = "scope_org__path"


class Campaign(ScopedModel):
    scope_path_field: ClassVar[str] = CHECKING_SIDE
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), CHECKING_SIDE
    )

    name = models.CharField(_("名称"), max_length=120)
    campaign_type = models.CharField(_("督查类型"), max_length=32, choices=CampaignType.choices)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("考评模板")
    )
    scope_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("组织范围"),
        help_text=_("在此组织及其下级中选取检查对象；也是本次督查的主办组织"),
    )
    target_kinds = models.JSONField(
        _("检查对象层级"), default=list, help_text=_("如 unit_party、branch、party_group")
    )
    period_start = models.DateField(_("检查期间起"))
    period_end = models.DateField(_("检查期间止"))
    selection = models.CharField(
        _("选取方式"), max_length=8, choices=SelectionMode.choices, default=SelectionMode.ALL
    )
    sample_size = models.PositiveIntegerField(_("抽样数量"), null=True, blank=True)
    sample_ratio = models.DecimalField(
        _("抽样比例"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    seed = models.PositiveIntegerField(_("随机种子"), null=True, blank=True)
    # The saved plan: population size, strata (unit → population, drawn), seed, who was
    # drawn, when and by whom. Printable; a re-draw replaces it and is audited.
    sampling_plan = models.JSONField(_("抽样方案"), default=dict, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    results_released = models.BooleanField(_("结果已向被检查组织公开"), default=False)
    liaison_stage = models.CharField(
        _("巡察阶段"), max_length=8, choices=LiaisonStage.choices, blank=True, default=""
    )
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        verbose_name = _("督查活动")
        verbose_name_plural = _("督查活动")
        ordering = ["-period_start", "-id"]
        indexes = [models.Index(fields=["campaign_type", "period_start"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessments:campaign_detail", args=[self.pk])

    def audit_related_org_id(self) -> Any:
        return self.scope_org_id


class AssessmentStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    IN_PROGRESS = "in_progress", _("检查中")
    IN_REVIEW = "in_review", _("待审核")
    DONE = "done", _("已完成")


class AssessmentQuerySet(RestrictedQuerySet):
    """Writes follow the declared side (the campaign owner's, `write_sides`); reading adds
    the checked org's own rows once the owner has released the results."""

    released_lookup = "campaign__results_released"

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return super().restrict(user, action)
        perm = perm_name(self.model, "view")
        owner = scope_q(user, perm, side_path_field(self.model, "change"))
        if owner is None:
            return self.none()
        if not owner:  # the whole tree
            return self.all()
        target = scope_q(user, perm, self.model.scope_path_field)
        assert target is not None  # the same grants as `owner`, on another path
        return self.filter(owner | (target & Q(**{self.released_lookup: True})))


class ItemResultQuerySet(AssessmentQuerySet):
    released_lookup = "assessment__campaign__results_released"


class AssessmentManager(RestrictedManager.from_queryset(AssessmentQuerySet)):  # type: ignore[misc]
    pass


class ItemResultManager(RestrictedManager.from_queryset(ItemResultQuerySet)):  # type: ignore[misc]
    pass


class Assessment(ScopedModel):
    """One target org checked in one campaign."""

    scope_path_field: ClassVar[str] = "target__path"
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), f"campaign__{CHECKING_SIDE}"
    )

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("督查活动")
    )
    target = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("检查对象"),
    )
    # The unit the target belongs to (its stratum in a sample), kept for grouping.
    unit_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属单位党组织"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.PLANNED,
    )
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assessments", verbose_name=_("检查人员")
    )
    assessor_names = models.CharField(
        _("其他检查人员"), max_length=200, blank=True, help_text=_("系统外人员，用“、”分隔")
    )
    assessed_on = models.DateField(_("检查日期"), null=True, blank=True)
    total_score = models.DecimalField(
        _("得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    rating = models.CharField(_("评定等次"), max_length=32, blank=True)
    passed = models.BooleanField(_("达标"), null=True, blank=True)
    has_innovation = models.BooleanField(
        _("有创新项目"), default=False, help_text=_("五星党支部评定：须有创新项目")
    )
    summary = models.TextField(_("总体评价"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True, editable=False)

    objects: ClassVar[AssessmentManager] = AssessmentManager()

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象")
        ordering = ["campaign", "target__path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "target"], name="assessment_once")
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", args=[self.pk])

    def audit_related_org_id(self) -> Any:
        return self.target_id

    @property
    def is_locked(self) -> bool:
        return self.status == AssessmentStatus.DONE


class ItemResult(ScopedModel):
    scope_path_field: ClassVar[str] = "assessment__target__path"
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), f"assessment__campaign__{CHECKING_SIDE}"
    )

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="results", verbose_name=_("检查对象")
    )
    item = models.ForeignKey(
        FrameworkItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("条目")
    )
    result = models.CharField(_("结果"), max_length=16, choices=ResultValue.choices, blank=True)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    methods = models.JSONField(_("检查方式"), default=list, blank=True)
    # True when the assessor accepted the rules engine's suggestion (自动取证) as is.
    from_records = models.BooleanField(_("采用系统记录"), default=False)

    objects: ClassVar[ItemResultManager] = ItemResultManager()

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["assessment", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="item_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_result_display()}"

    def audit_related_org_id(self) -> Any:
        return self.assessment.target_id


class EvidenceFile(StoredFile):
    """A file backing an assessment (or one item of it), stored like activity attachments."""

    scope_path_field: ClassVar[str] = "assessment__target__path"
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), f"assessment__campaign__{CHECKING_SIDE}"
    )
    storage_folder: ClassVar[str] = "assessments"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("检查对象")
    )
    item_result = models.ForeignKey(
        ItemResult,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("条目"),
    )

    objects: ClassVar[ItemResultManager] = ItemResultManager()

    class Meta:
        verbose_name = _("检查材料")
        verbose_name_plural = _("检查材料")
        ordering = ["assessment", "id"]

    def audit_related_org_id(self) -> Any:
        return self.assessment.target_id


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    GRAVE = "grave", _("严重")


class Finding(ScopedModel):
    """A problem (问题) found in an org: from a nonconforming item, or free-standing.

    Seen by the org with the problem and every org above it; raised, changed and deleted
    only by the raising org's side — the checked org answers through the rectification."""

    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), "raised_by_org__path"
    )

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("存在问题的组织"),
    )
    # The org on whose authority the finding was raised (the campaign's scope org, or the
    # raising user's org for a free-standing one): its side verifies the rectification.
    raised_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="raised_findings",
        verbose_name=_("提出组织"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("督查活动"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("检查对象"),
    )
    item = models.ForeignKey(
        FrameworkItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("条目"),
    )
    category = models.CharField(_("问题类别"), max_length=64)
    # The problem found ("会议记录存在补记现象"), never the standard: the item's text is
    # shown beside it from the item, so the 负面清单's 典型问题 read as problems.
    text = models.TextField(
        _("问题描述"), help_text=_("写明发现的问题；检查标准由条目显示，不必抄录")
    )
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    found_on = models.DateField(_("发现日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("录入人"),
    )

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["found_on", "category"]),
            models.Index(fields=["campaign", "category"]),
        ]
        constraints = [
            # 提出问题 once per item of a check (services.findings.existing_finding is the
            # rule with its message; this holds it for bulk loads and races). Findings
            # without an assessment or an item stay free.
            models.UniqueConstraint(
                fields=["assessment", "item"],
                condition=Q(assessment__isnull=False, item__isnull=False),
                name="finding_once_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org}：{self.text[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:finding_detail", args=[self.pk])


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已提交")
    CLOSED = "closed", _("已销号")
    RETURNED = "returned", _("退回")


# Still with the org that has to rectify: a submitted one waits for the verifier, not the owner.
UNANSWERED_STATUSES = (RectificationStatus.OPEN, RectificationStatus.RETURNED)


def overdue_q(day: dt.date | None = None, prefix: str = "") -> Q:
    """The one definition of 逾期: the deadline has passed (before `day`, default today) and
    the rectification is still 待整改 or 退回. A 已提交 one waits for the raising side's
    销号 and a 已销号 one is done, so neither is overdue whatever its deadline."""
    day = day or timezone.localdate()
    return Q(**{f"{prefix}deadline__lt": day, f"{prefix}status__in": UNANSWERED_STATUSES})


class RectificationQuerySet(RestrictedQuerySet):
    def overdue(self, day: dt.date | None = None) -> RectificationQuerySet:
        return self.filter(overdue_q(day))

    def not_overdue(self, day: dt.date | None = None) -> RectificationQuerySet:
        return self.exclude(overdue_q(day))

    def with_overdue(self, day: dt.date | None = None) -> RectificationQuerySet:
        """Annotate `is_overdue` (1 / 0, so it sorts: `order_by("-is_overdue", …)`)."""
        return self.annotate(
            is_overdue=Case(
                When(overdue_q(day), then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )


class RectificationManager(RestrictedManager.from_queryset(RectificationQuerySet)):  # type: ignore[misc]
    pass


class Rectification(ScopedModel):
    """整改: the owner org fixes a finding and submits evidence; the raising side 销号 or 退回.

    The rectification is made with its finding and goes with it, so creating and deleting
    it are the raising side's, as is verifying; changing it — the answer — is the owner's."""

    write_sides: ClassVar[dict[str, str]] = {
        "add": "finding__raised_by_org__path",
        "change": "org__path",
        "delete": "finding__raised_by_org__path",
        "verify": "finding__raised_by_org__path",
    }

    finding = models.OneToOneField(
        Finding, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("问题")
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("整改责任组织"),
    )
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    measures = models.TextField(_("整改措施"), blank=True)
    evidence_text = models.TextField(_("整改情况及佐证"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    verified_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    verify_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)

    objects: ClassVar[RectificationManager] = RectificationManager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"整改：{self.finding}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:rectification_detail", args=[self.pk])

    def overdue_on(self, day: dt.date | None = None) -> bool:
        """`overdue_q` for one loaded row."""
        day = day or timezone.localdate()
        return self.status in UNANSWERED_STATUSES and self.deadline < day


class RectificationEvidence(StoredFile):
    """A file proving a rectification (整改佐证材料)."""

    scope_path_field: ClassVar[str] = "rectification__org__path"
    # Part of the answer: the owner org's side uploads and removes it.
    write_sides: ClassVar[dict[str, str]] = dict.fromkeys(
        ("add", "change", "delete"), "rectification__org__path"
    )
    storage_folder: ClassVar[str] = "rectifications"

    rectification = models.ForeignKey(
        Rectification,
        on_delete=models.CASCADE,
        related_name="files",
        verbose_name=_("整改"),
    )

    class Meta:
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")
        ordering = ["rectification", "id"]

    def audit_related_org_id(self) -> Any:
        return self.rectification.org_id
