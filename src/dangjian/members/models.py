"""Members (党员) with encrypted personal identifiers, exemptions and transfers."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from dangjian.core.crypto import (
    EncryptedTextField,
    blind_index,
    mask_birth_date,
    mask_id_number,
    mask_phone,
)
from dangjian.core.models import ScopedModel
from dangjian.orgs.termrules import add_months, add_years

from . import validation

# 《中国共产党发展党员工作细则》（2014）第三十二条 (regulations.md §E, verified): probation is
# one year from the branch assembly; it may be extended once, by six months to a year.
PROBATION_YEARS = 1
EXTENSION_MONTHS = (6, 12)
PROBATION_ARTICLE = "《中国共产党发展党员工作细则》第三十二条"


def probation_end(joined_on: dt.date, extension_months: int | None = None) -> dt.date:
    """join + 1 year (29 February → 28 February) + the extension, clamped to the month end."""
    end = add_years(joined_on, PROBATION_YEARS)
    return add_months(end, extension_months) if extension_months else end


def name_initials(name: str) -> str:
    """Pinyin initials for search: 张伟 → "zw" (non-Han characters kept, lower-cased)."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Category(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("未就业")
    OTHER = "other", _("其他")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class MembershipState(models.TextChoices):
    NORMAL = "normal", _("在册")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    DECEASED = "deceased", _("已去世")
    REMOVED = "removed", _("已出党")
    # Set with an `Exit` row (members.services.record_exit), which carries the date; the
    # two above stay for records entered before exits were dated.
    WITHDRAWN = "withdrawn", _("已退党")
    STRUCK_OFF = "struck_off", _("已除名")
    EXPELLED = "expelled", _("已开除党籍")
    PROBATION_CANCELLED = "probation_cancelled", _("已取消预备党员资格")


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专/高中")
    BELOW = "below", _("初中及以下")


class Member(ScopedModel):
    # Masked in audit snapshots; the birth date only to its year (decisions/0008).
    sensitive_fields: ClassVar[tuple[str, ...]] = ("id_number", "phone", "birth_date")
    # What the audited reveal may return in plaintext.
    revealable_fields: ClassVar[tuple[str, ...]] = ("id_number", "phone")

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所在党组织"),
    )
    name = models.CharField(_("姓名"), max_length=32, db_index=True)
    name_initials = models.CharField(
        _("姓名拼音首字母"), max_length=32, blank=True, db_index=True, editable=False
    )
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, default="汉族")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    # Unique among members not marked as a clash (the constraint below): an ID number entered
    # where the user may not learn it exists elsewhere is kept and marked instead of refused,
    # so the refusal cannot confirm it (members.identifiers, decisions/0008).
    id_number_blind = models.CharField(
        max_length=64, null=True, blank=True, db_index=True, editable=False
    )
    id_number_clash = models.BooleanField(_("身份证号码重复待核查"), default=False, editable=False)
    phone = EncryptedTextField(_("手机号码"), blank=True, default="")
    phone_blind = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("工作单位"),
    )
    job_title = models.CharField(_("职务"), max_length=64, blank=True)
    category = models.CharField(
        _("人员类别"), max_length=16, choices=Category.choices, default=Category.IN_SERVICE
    )
    status = models.CharField(
        _("党员状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    joined_on = models.DateField(_("入党日期"), help_text=_("支部大会通过之日（政治生日）"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    # The one allowed extension of probation (发展党员工作细则 第三十二条: 6–12 months), set
    # only by members.services.extend_probation; the end is joined_on + 1 year + this.
    probation_extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), null=True, blank=True, editable=False
    )
    probation_extended_on = models.DateField(
        _("延长预备期决定日期"), null=True, blank=True, editable=False
    )
    probation_extension_reason = models.CharField(
        _("延长预备期原因"), max_length=200, blank=True, editable=False
    )
    membership = models.CharField(
        _("党籍状态"),
        max_length=24,
        choices=MembershipState.choices,
        default=MembershipState.NORMAL,
        db_index=True,
    )
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    # The member's own login (党员自助, issue 9): one account per member and one member per
    # account. Named by setting, so members never imports accounts (they are siblings);
    # opened and linked only by `selfservice.services` (decisions/0011).
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="member",
        verbose_name=_("登录账号"),
    )

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["org", "name", "id"]
        permissions = [("reveal_member", "查看党员敏感信息明文")]
        indexes = [
            models.Index(fields=["org", "membership"]),
            models.Index(fields=["joined_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_blind"],
                condition=models.Q(id_number_clash=False),
                name="member_unique_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.pk])

    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def masked_birth_date(self) -> str:
        return mask_birth_date(self.birth_date)

    @property
    def probation_ends_on(self) -> dt.date | None:
        """预备期满: one year from the branch assembly, plus the extension if one was decided."""
        if not self.joined_on:
            return None
        return probation_end(self.joined_on, self.probation_extension_months)

    @property
    def birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else None

    # No clean(): the cross-field rules compare submitted values with stored ones, and what
    # may be compared depends on the user (a user without the reveal right must not learn a
    # hidden value from an error). members.services validates every write with the user.

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self) -> None:
        """Derived columns; also called before bulk_create, which bypasses save()."""
        self.name_initials = name_initials(self.name)
        self.id_number = (self.id_number or "").strip().upper()
        self.id_number_blind = blind_index(self.id_number) if self.id_number else None
        self.phone = (self.phone or "").strip()
        self.phone_blind = blind_index(self.phone) if self.phone else ""


class Exemption(ScopedModel):
    """免于参加组织生活 for a period (年老体弱, 长期外出 …)."""

    class Reason(models.TextChoices):
        ELDERLY_INFIRM = "elderly_infirm", _("年老体弱")
        LONG_ABSENCE = "long_absence", _("长期外出")
        ILLNESS = "illness", _("患病")
        OTHER = "other", _("其他")

    scope_path_field: ClassVar[str] = "member__org__path"

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="exemptions", verbose_name=_("党员")
    )
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    approved_by = models.CharField(_("批准人"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("免于参加组织生活")
        verbose_name_plural = _("免于参加组织生活")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_reason_display()}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def clean(self) -> None:
        validation.check_exemption(self)

    def audit_related_org_id(self):
        return self.member.org_id


class Transfer(ScopedModel):
    """组织关系转接: the history of a member's moves between orgs.

    One record both sides see: the destination through the member's org, the source
    through `from_org` (read only: writes stay with the member's current org)."""

    scope_path_field: ClassVar[str] = "member__org__path"
    also_viewed_through: ClassVar[tuple[str, ...]] = ("from_org__path",)

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("党员")
    )
    from_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转出组织"),
    )
    to_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转入组织"),
    )
    external_org_name = models.CharField(_("系统外组织"), max_length=128, blank=True)
    transferred_on = models.DateField(_("转接日期"))
    letter_number = models.CharField(_("介绍信编号"), max_length=32, blank=True)
    dues_paid_until = models.CharField(
        _("党费交至"), max_length=7, blank=True, help_text=_("YYYY-MM")
    )

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-transferred_on"]

    def __str__(self) -> str:
        return f"{self.member} {self.transferred_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_related_org_id(self):
        return self.to_org_id or self.from_org_id


class ExitKind(models.TextChoices):
    """出党 and the other ways of leaving the party's roll (GLOSSARY `Exit.kind`)."""

    DECEASED = "deceased", _("去世")
    WITHDRAWN = "withdrawn", _("退党")
    STRUCK_OFF = "struck_off", _("除名")
    EXPELLED = "expelled", _("开除党籍")
    PROBATION_CANCELLED = "probation_cancelled", _("取消预备党员资格")


# The membership state each exit leaves the member in.
EXIT_MEMBERSHIP = {
    ExitKind.DECEASED: MembershipState.DECEASED,
    ExitKind.WITHDRAWN: MembershipState.WITHDRAWN,
    ExitKind.STRUCK_OFF: MembershipState.STRUCK_OFF,
    ExitKind.EXPELLED: MembershipState.EXPELLED,
    ExitKind.PROBATION_CANCELLED: MembershipState.PROBATION_CANCELLED,
}
# Kinds decided by a party organization, which must be named (a death or 退党 is not).
EXIT_KINDS_NEEDING_APPROVAL = frozenset(
    {ExitKind.STRUCK_OFF, ExitKind.EXPELLED, ExitKind.PROBATION_CANCELLED}
)


class Exit(ScopedModel):
    """出党 (and death): the member leaves every count from `left_on` and stays in history.

    Scoped by the member's org, which does not change after the exit (members.presence
    reads `left_on`). Written only by members.services.record_exit.
    """

    scope_path_field: ClassVar[str] = "member__org__path"

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="exit", verbose_name=_("党员")
    )
    kind = models.CharField(_("类别"), max_length=24, choices=ExitKind.choices)
    left_on = models.DateField(_("出党日期"), help_text=_("自该日起不再计入党员人数"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    approved_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准组织"),
    )
    approved_by_name = models.CharField(_("批准组织（系统外）"), max_length=128, blank=True)
    document_number = models.CharField(_("文号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("出党")
        verbose_name_plural = _("出党")
        ordering = ["-left_on", "-id"]
        indexes = [models.Index(fields=["left_on"]), models.Index(fields=["kind", "left_on"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_related_org_id(self):
        return self.member.org_id

    @property
    def approver(self) -> str:
        return str(self.approved_by_org) if self.approved_by_org_id else self.approved_by_name
