"""党费 (issue 12): the yearly base, reductions, the monthly ledger, payments, hand-overs.

The rate tables (`DuesRateTable`) are data, not rows: YAML in `dues/library/` read by
`dues/rates.py`. A month's due (`DuesDue`) is computed from the member's base and the table
in force, never typed, and stored when the month is generated; once stored it is not
recomputed by a later table (a new table applies from its own date). A payment covers whole
months (`DuesDue.payment`), so "already paid" and arrears are one column of the ledger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel


class DuesCategory(models.TextChoices):
    """Who pays on what (中组发〔2008〕3号 第二、三、五、六条)."""

    IN_SERVICE = "in_service", _("在职（按月税后工资）")
    ANNUAL_SALARY = "annual_salary", _("年薪制（按当月实际领取）")
    RETIRED = "retired", _("离退休（按离退休费）")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("依靠抚恤、救济或领取低保")
    FARMER = "farmer", _("农民")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    ONLINE = "online", _("线上")


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


class DuesBase(ScopedModel):
    """党费基数 (年度核定): the member's category and monthly base from `from_month` of `year`.

    A pay change is a new row from the month the new pay is received (第十条); the row in
    force for a month is the latest one starting on or before it (carried into later years
    until the next 核定, which the reminders ask for).
    """

    scope_path_field: ClassVar[str] = "member__org__path"
    sensitive_fields: ClassVar[tuple[str, ...]] = ("base",)
    revealable_fields: ClassVar[tuple[str, ...]] = ("base",)

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_bases",
        verbose_name=_("党员"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    from_month = models.PositiveSmallIntegerField(_("起始月份"), default=1)
    category = models.CharField(_("交纳类别"), max_length=16, choices=DuesCategory.choices)
    # Monthly after-tax regular pay (or pension); empty for the fixed-amount categories.
    base = models.DecimalField(_("月工资基数（元）"), max_digits=10, decimal_places=2, null=True)
    # 农民: the amount chosen within the table's range (0.2–1 元).
    fixed_amount = models.DecimalField(
        _("定额（元/月）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    reviewed_on = models.DateField(_("核定日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("核定人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["member", "year", "from_month"]
        permissions = [("reveal_duesbase", "查看党费基数明文")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "from_month"], name="dues_base_one_per_month"
            )
        ]
        indexes = [models.Index(fields=["year", "from_month"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year}年{self.from_month}月起"

    def get_absolute_url(self) -> str:
        return reverse("dues:base_list") + f"?year={self.year}"

    @property
    def starts(self) -> dt.date:
        return dt.date(self.year, self.from_month, 1)

    def masked_base(self) -> str:
        return "***" if self.base is not None else ""

    def audit_related_org_id(self):
        return self.member.org_id


class DuesReduction(ScopedModel):
    """少交/免交: reviewed by the branch, approved by the next-level committee (第十一条).

    Only an approved reduction changes a month's due; the approval is recorded by a user
    holding `dues.approve_duesreduction` above the member's branch.
    """

    class Kind(models.TextChoices):
        REDUCE = "reduce", _("少交")
        EXEMPT = "exempt", _("免交")

    scope_path_field: ClassVar[str] = "member__org__path"

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_reductions",
        verbose_name=_("党员"),
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    starts = models.DateField(_("起始月份"))
    ends = models.DateField(_("截止月份"))
    # 少交: the monthly amount to pay instead of the computed due.
    amount = models.DecimalField(
        _("每月交纳（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reason = models.CharField(_("原因"), max_length=200)
    branch_reviewed_on = models.DateField(_("支部研究日期"))
    approved_on = models.DateField(_("上级批准日期"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approval_ref = models.CharField(_("批复文号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("党费少交/免交")
        verbose_name_plural = _("党费少交/免交")
        ordering = ["-starts", "id"]
        permissions = [("approve_duesreduction", "批准党费少交/免交")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} {self.starts:%Y-%m}至{self.ends:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("dues:reduction_list")

    def audit_related_org_id(self):
        return self.member.org_id


class DuesPayment(ScopedModel):
    """党费交纳: one payment covering whole months `from_month`..`to_month` of one member.

    `paid_on` is when it was paid, apart from the months it covers, so 补交 shows as late.
    `org` is the branch that collected it (the member's org on that day): its ledger and its
    hand-over. `extra` is paid above the due (自愿多交); `central` marks a payment whose
    voluntary extra is 1,000 元 or more (一次多交 ≥ 1,000 元, remitted whole to the centre) —
    the due itself is never counted: a member paying a year of large dues at once owes
    them to the branch, not to the centre.
    """

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="dues_payments",
        verbose_name=_("党员"),
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="dues_payments",
        verbose_name=_("收缴党组织"),
    )
    paid_on = models.DateField(_("交纳日期"))
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"))
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    due_total = models.DecimalField(_("应交合计（元）"), max_digits=10, decimal_places=2)
    extra = models.DecimalField(
        _("自愿多交（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    method = models.CharField(_("方式"), max_length=8, choices=PaymentMethod.choices)
    payer_name = models.CharField(
        _("代交人"), max_length=32, blank=True, help_text=_("本人交纳时留空")
    )
    back_payment = models.BooleanField(_("补交"), default=False)
    decision_ref = models.CharField(
        _("补交决定"), max_length=100, blank=True, help_text=_("补交超过6个月时填写")
    )
    central = models.BooleanField(_("全额上缴中央"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("登记人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党费交纳")
        verbose_name_plural = _("党费交纳")
        ordering = ["-paid_on", "-id"]
        indexes = [
            # Covering the year's sum of a subtree (dues.collected) as well as lookups.
            models.Index(fields=["org", "paid_on", "amount"], name="dues_payment_org_day"),
            models.Index(fields=["member", "from_month"]),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.from_month:%Y-%m}至{self.to_month:%Y-%m} {self.amount}元"

    def get_absolute_url(self) -> str:
        return reverse("dues:payment_detail", args=[self.pk])

    @property
    def months(self) -> int:
        return month_index(self.to_month) - month_index(self.from_month) + 1


class DuesDue(ScopedModel):
    """A member's due for one month, computed and frozen when the month is generated.

    `org` is the member's org that month (its ledger); `payment` is set when a payment
    covers the month. `reason` records why it is unpaid (the 6-month alert asks for one).
    """

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues", verbose_name=_("党员")
    )
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("应交（元）"), max_digits=10, decimal_places=2)
    category = models.CharField(_("交纳类别"), max_length=16, choices=DuesCategory.choices)
    bracket = models.CharField(_("档次"), max_length=64, blank=True)
    table_id = models.CharField(_("党费标准"), max_length=64)
    reduction = models.ForeignKey(
        DuesReduction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("少交/免交"),
    )
    # Indexed for the paid rows only (below): SQLite takes any index holding the unpaid rows
    # under the NULL key (this one, or one on month and payment) for "payment IS NULL" over
    # the org's unpaid index, and reads the whole city's arrears for one branch — 200 ms
    # against 1 ms for a secretary's 待办 on the demo city.
    payment = models.ForeignKey(
        DuesPayment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="dues",
        verbose_name=_("交纳记录"),
    )
    # The payment's date, copied when the month is paid (services.record_payments) and
    # cleared with it (cancel_payment): "paid by the end of its quarter" over a city's year
    # is then one index read, not a join of 300,000 months to their payments (decisions/0022).
    paid_on = models.DateField(_("交纳日期"), null=True, blank=True, editable=False)
    reason = models.CharField(_("未交原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("月度应交党费")
        verbose_name_plural = _("月度应交党费")
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_due_one_per_month")
        ]
        indexes = [
            # By org and month, covering what the on-time and owed counts read (decisions/0022).
            models.Index(
                fields=["org", "month", "amount", "paid_on", "payment"], name="dues_due_org_month"
            ),
            models.Index(
                fields=["payment"],
                condition=models.Q(payment__isnull=False),
                name="dues_due_payment",
            ),
            # The arrears of a branch or a unit: its unpaid months, by org and month.
            models.Index(
                fields=["org", "month"],
                condition=models.Q(payment__isnull=True),
                name="dues_due_unpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m} {self.amount}元"

    def get_absolute_url(self) -> str:
        return reverse("dues:ledger") + f"?org={self.org_id}&year={self.month.year}"


class DuesRemittance(ScopedModel):
    """上缴: a branch hands dues to its unit, a unit to the 工委, with the receiver's
    confirmation. Seen from both sides (the receiver is an ancestor of the sender)."""

    scope_path_field: ClassVar[str] = "from_org__path"

    from_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("上缴组织")
    )
    to_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("接收组织")
    )
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"))
    amount = models.DecimalField(_("上缴金额（元）"), max_digits=12, decimal_places=2)
    remitted_on = models.DateField(_("上缴日期"))
    received_on = models.DateField(_("接收确认日期"), null=True, blank=True)
    reference = models.CharField(_("凭证号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("党费上缴")
        verbose_name_plural = _("党费上缴")
        ordering = ["-remitted_on", "-id"]
        indexes = [models.Index(fields=["from_org", "from_month"])]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org} {self.from_month:%Y-%m}至{self.to_month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("dues:remittance_list")

    def audit_related_org_id(self):
        return self.from_org_id
