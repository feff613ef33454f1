"""发展党员: one `Applicant` per person from the 入党申请书 to 材料归档, the 25 dated
`RecruitmentStep`s with their people and vote records, and the yearly 志愿书 number pool.

Rows are written only by `recruitment.services` (order and time rules, cited; membership
follows the steps). See docs/decisions/0014-recruitment.md.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import (
    EncryptedTextField,
    blind_index,
    mask_birth_date,
    mask_id_number,
    mask_phone,
)
from dangjian.core.models import ScopedModel, StoredFile
from dangjian.members.models import Education, Gender


class Stage(models.TextChoices):
    """The five stages (GLOSSARY: applicant → activist → candidate → probationary → full)."""

    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class Step(models.IntegerChoices):
    """The 25 steps of 《中国共产党发展党员工作细则》 (regulations.md §E)."""

    APPLICATION = 1, _("递交入党申请书")
    TALK = 2, _("党组织派人谈话")
    ACTIVIST = 3, _("推荐和确定入党积极分子")
    ACTIVIST_FILED = 4, _("上级党委备案")
    CONTACTS = 5, _("指定培养联系人")
    REVIEW = 6, _("培养教育考察")
    CANDIDATE = 7, _("确定发展对象")
    CANDIDATE_FILED = 8, _("报上级党委备案")
    INTRODUCERS = 9, _("确定入党介绍人")
    POLITICAL_REVIEW = 10, _("进行政治审查")
    TRAINING = 11, _("开展集中培训")
    COMMITTEE_REVIEW = 12, _("支部委员会审查")
    PRE_REVIEW = 13, _("上级党委预审")
    FORM = 14, _("填写入党志愿书")
    ADMISSION = 15, _("支部大会讨论")
    HIGHER_TALK = 16, _("上级党委派人谈话")
    APPROVAL = 17, _("上级党委审批")
    APPROVAL_FILED = 18, _("再上一级党委组织部门备案")
    ASSIGNED = 19, _("编入党支部和党小组")
    OATH = 20, _("入党宣誓")
    CONTINUED_REVIEW = 21, _("继续教育考察")
    CONVERSION_REQUEST = 22, _("提出转正申请")
    CONVERSION_MEETING = 23, _("支部大会讨论转正")
    CONVERSION_APPROVAL = 24, _("上级党委审批转正")
    ARCHIVED = 25, _("材料归档")


# The stage a person is in once a step is recorded (stored on Applicant by the services).
STAGE_AFTER_STEP: dict[int, str] = {
    Step.APPLICATION: Stage.APPLICANT,
    Step.ACTIVIST: Stage.ACTIVIST,
    Step.CANDIDATE: Stage.CANDIDATE,
    Step.ADMISSION: Stage.PROBATIONARY,
    Step.CONVERSION_APPROVAL: Stage.FULL,
}
# The stage (of the five in 细则) each step belongs to, for grouping on pages.
STEP_GROUPS: tuple[tuple[str, range], ...] = (
    ("申请入党", range(1, 3)),
    ("入党积极分子的确定和培养教育", range(3, 7)),
    ("发展对象的确定和考察", range(7, 12)),
    ("预备党员的接收", range(12, 19)),
    ("预备党员的教育考察和转正", range(19, 26)),
)
# 培养教育考察 is recorded once per half year, so several rows of step 6 may exist.
REPEATABLE_STEPS = frozenset({Step.REVIEW})
# Steps that are a meeting's decision and carry its vote record (应到/实到/赞成/反对/弃权).
VOTE_STEPS = frozenset({Step.COMMITTEE_REVIEW, Step.ADMISSION, Step.CONVERSION_MEETING})
# Steps that name people, and in which role.
PEOPLE_STEPS: dict[int, str] = {
    Step.TALK: "talker",
    Step.CONTACTS: "contact",
    Step.INTRODUCERS: "introducer",
    Step.HIGHER_TALK: "talker",
}


class Applicant(ScopedModel):
    """入党申请人: one record per person from the 入党申请书 to 材料归档 (GLOSSARY)."""

    # Masked in audit snapshots (decisions/0008); the 政审 conclusion like an ID number.
    sensitive_fields: ClassVar[tuple[str, ...]] = (
        "id_number",
        "phone",
        "birth_date",
        "political_review",
    )
    # What recruitment.services.reveal may return in plaintext (audited).
    revealable_fields: ClassVar[tuple[str, ...]] = ("id_number", "phone", "political_review")

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="applicants",
        verbose_name=_("所在党组织"),
        help_text=_("受理入党申请、负责培养考察的党组织"),
    )
    name = models.CharField(_("姓名"), max_length=32, db_index=True)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, default="汉族")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_blind = models.CharField(
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    phone = EncryptedTextField(_("手机号码"), blank=True, default="")
    phone_blind = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicants",
        verbose_name=_("工作单位"),
    )
    job_title = models.CharField(_("职务"), max_length=64, blank=True)
    applied_on = models.DateField(_("递交入党申请书日期"))
    stage = models.CharField(
        _("发展阶段"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.APPLICANT,
        editable=False,
        db_index=True,
    )
    # The highest step recorded so far (denormalized by the services for lists and deadlines).
    last_step = models.PositiveSmallIntegerField(
        _("已完成步骤"), choices=Step.choices, default=Step.APPLICATION, editable=False
    )
    last_step_on = models.DateField(_("最近步骤日期"), null=True, blank=True, editable=False)
    # Closed: withdrew, not admitted, moved away … The record stays (history), nothing is due.
    closed_on = models.DateField(_("终止日期"), null=True, blank=True, editable=False)
    closed_reason = models.CharField(_("终止原因"), max_length=200, blank=True, editable=False)
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="applicant",
        verbose_name=_("党员档案"),
    )
    application_form_number = models.CharField(
        _("入党志愿书编号"), max_length=32, null=True, blank=True, unique=True, editable=False
    )
    political_review = EncryptedTextField(_("政治审查结论"), blank=True, default="")

    class Meta:
        verbose_name = _("入党申请人")
        verbose_name_plural = _("入党申请人")
        ordering = ["org", "applied_on", "id"]
        permissions = [("reveal_applicant", "查看入党申请人敏感信息明文")]
        indexes = [
            models.Index(fields=["org", "stage"]),
            models.Index(fields=["applied_on"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The pages are another module's (recruitment.urls); until they exist, the API row.
        try:
            return reverse("recruitment:applicant_detail", args=[self.pk])
        except NoReverseMatch:
            return f"/api/recruitment/applicants/{self.pk}/"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def masked_birth_date(self) -> str:
        return mask_birth_date(self.birth_date)

    def masked_political_review(self) -> str:
        # Nothing of the text: only whether a conclusion is on record.
        return "已填写（需查看权限）" if self.political_review else ""

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self) -> None:
        """Derived columns; also called before bulk_create, which bypasses save()."""
        self.id_number = (self.id_number or "").strip().upper()
        self.id_number_blind = blind_index(self.id_number) if self.id_number else None
        self.phone = (self.phone or "").strip()
        self.phone_blind = blind_index(self.phone) if self.phone else ""


class RecruitmentStep(ScopedModel):
    """One dated step of the 25 for one applicant (step 6 once per half year)."""

    scope_path_field: ClassVar[str] = "applicant__org__path"

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="steps", verbose_name=_("入党申请人")
    )
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    done_on = models.DateField(_("日期"))
    note = models.TextField(_("情况说明"), blank=True, max_length=2000)
    # 集中培训 (step 11): days or 学时 — at least 3 days or 24 学时 (第十七条).
    training_days = models.PositiveSmallIntegerField(_("培训天数"), null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("培训学时"), null=True, blank=True)
    # The vote record of a 支委会/支部大会 decision (steps 12, 15, 23).
    expected = models.PositiveSmallIntegerField(_("应到人数"), null=True, blank=True)
    present = models.PositiveSmallIntegerField(_("实到人数"), null=True, blank=True)
    votes_yes = models.PositiveSmallIntegerField(_("赞成"), null=True, blank=True)
    votes_no = models.PositiveSmallIntegerField(_("反对"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权"), null=True, blank=True)
    # An approved exception: the rules (timerules ids) this step was allowed to break, why,
    # and who approved it. Empty when the step broke no rule.
    exception_rules = models.JSONField(_("例外的规则"), default=list, blank=True)
    exception_reason = models.CharField(_("例外原因"), max_length=300, blank=True)
    exception_approved_by = models.CharField(_("例外批准人"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["applicant", "step", "done_on", "id"]
        indexes = [models.Index(fields=["step", "done_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "step"],
                condition=~Q(step=Step.REVIEW),
                name="recruitment_step_once",
            ),
            models.CheckConstraint(
                condition=Q(step__gte=1) & Q(step__lte=25), name="recruitment_step_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.step}. {self.get_step_display()}"

    def get_absolute_url(self) -> str:
        return self.applicant.get_absolute_url()

    def audit_related_org_id(self):
        return self.applicant.org_id


class StepPerson(models.Model):
    """A person named by a step: 谈话人 (2, 16), 培养联系人 (5), 入党介绍人 (9).

    A member of the system where there is one; a 谈话人 sent by a higher committee may be
    given by name only. Not scoped on its own: read and written with its step.
    """

    class Role(models.TextChoices):
        TALKER = "talker", _("谈话人")
        CONTACT = "contact", _("培养联系人")
        INTRODUCER = "introducer", _("入党介绍人")

    step = models.ForeignKey(
        RecruitmentStep, on_delete=models.CASCADE, related_name="people", verbose_name=_("步骤")
    )
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党员"),
    )
    name = models.CharField(_("姓名"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("步骤人员")
        verbose_name_plural = _("步骤人员")
        ordering = ["step", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "role", "member"], name="recruitment_person_once"
            )
        ]

    def __str__(self) -> str:
        return self.name or str(self.member)


class StepAttachment(StoredFile):
    """A document of a step (申请书, 思想汇报, 政审材料 …), checked by content like
    activity attachments (activities/attachments.py)."""

    scope_path_field: ClassVar[str] = "step__applicant__org__path"
    storage_folder: ClassVar[str] = "recruitment"

    step = models.ForeignKey(
        RecruitmentStep,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("步骤"),
    )

    class Meta:
        verbose_name = _("发展材料")
        verbose_name_plural = _("发展材料")
        ordering = ["step", "id"]

    def get_absolute_url(self) -> str:
        return self.step.get_absolute_url()

    def audit_related_org_id(self):
        return self.step.applicant.org_id


class ApplicationFormPool(ScopedModel):
    """入党志愿书编号 pool of one year held by an org (usually the unit's 机关党委):
    numbers `first`..`last`, written as prefix + zero-padded number."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="application_form_pools",
        verbose_name=_("管理组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    prefix = models.CharField(_("编号前缀"), max_length=16, blank=True)
    first = models.PositiveIntegerField(_("起始号"))
    last = models.PositiveIntegerField(_("终止号"))

    class Meta:
        verbose_name = _("入党志愿书编号段")
        verbose_name_plural = _("入党志愿书编号段")
        ordering = ["-year", "org", "first"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__lte=models.F("last")), name="recruitment_pool_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.code(self.first)}–{self.code(self.last)}"

    def get_absolute_url(self) -> str:
        try:
            return reverse("recruitment:pool_detail", args=[self.pk])
        except NoReverseMatch:
            return f"/api/recruitment/pools/{self.pk}/"

    def code(self, number: int) -> str:
        return f"{self.prefix}{number:0{len(str(self.last))}d}"


class ApplicationFormNumber(ScopedModel):
    """An issued 志愿书 number. Never deleted and never issued again: a voided number keeps
    its row (voided_on, reason), so the pool's next number is always past it."""

    scope_path_field: ClassVar[str] = "pool__org__path"

    pool = models.ForeignKey(
        ApplicationFormPool,
        on_delete=models.PROTECT,
        related_name="numbers",
        verbose_name=_("编号段"),
    )
    number = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("入党志愿书编号"), max_length=32, unique=True)
    applicant = models.ForeignKey(
        Applicant,
        on_delete=models.PROTECT,
        related_name="form_numbers",
        verbose_name=_("入党申请人"),
    )
    issued_on = models.DateField(_("发放日期"))
    voided_on = models.DateField(_("作废日期"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("入党志愿书编号")
        verbose_name_plural = _("入党志愿书编号")
        ordering = ["pool", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "number"], name="recruitment_number_once")
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return self.pool.get_absolute_url()

    def audit_related_org_id(self):
        return self.pool.org_id


class PartyProbation(ScopedModel):
    """留党察看: a member under this discipline may not introduce an applicant until their
    party rights are restored (发展党员工作细则 第十四条). Kept here, the one place that reads
    it, until a discipline register (GLOSSARY `DisciplineDecision`) exists; see
    docs/decisions/0014-recruitment.md."""

    scope_path_field: ClassVar[str] = "member__org__path"

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="party_probations",
        verbose_name=_("党员"),
    )
    decided_on = models.DateField(_("处分决定日期"))
    months = models.PositiveSmallIntegerField(
        _("察看期（月）"), choices=[(12, _("一年")), (24, _("二年"))], default=12
    )
    restored_on = models.DateField(
        _("恢复党员权利日期"),
        null=True,
        blank=True,
        help_text=_("察看期满恢复党员权利之日；未恢复的留空"),
    )
    decided_by = models.CharField(_("决定机关"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("留党察看")
        verbose_name_plural = _("留党察看")
        ordering = ["-decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.member} · 留党察看"

    def get_absolute_url(self) -> str:
        return f"/api/recruitment/party-probations/{self.pk}/"

    def audit_related_org_id(self):
        return self.member.org_id


class RecruitmentPlan(ScopedModel):
    """年度发展党员计划: how many people a unit's party organization plans to admit in a
    year (the figure the 工委 sets the year's admissions against). One row per unit-level
    org and year, written by the unit or the 工委 (`services.set_plans`)."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("党组织"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    planned = models.PositiveIntegerField(_("计划发展人数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度发展计划")
        verbose_name_plural = _("年度发展计划")
        ordering = ["-year", "org"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="recruitment_plan_org_year")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}年发展计划"

    def get_absolute_url(self) -> str:
        return f"{reverse('recruitment:plan')}?year={self.year}"
