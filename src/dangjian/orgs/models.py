"""The org tree (treebeard materialized path), units, terms and committee posts."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.models import ScopedModel, TimestampedModel
from dangjian.core.querysets import RestrictedQuerySet
from dangjian.core.validators import validate_not_future

from . import termrules


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("工委")
    UNIT_PARTY = "unit_party", _("机关党组织")
    LEADING_GROUP = "leading_group", _("党组")
    PARTY_COMMITTEE = "party_committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    PARTY_GROUP = "party_group", _("党小组")


# A member counts as "in the org" while their membership is normal (members.MembershipState);
# orgs sits below members in the layering, so the value is named here, not imported.
ACTIVE_MEMBERSHIP = "normal"

GRASSROOTS_KINDS = (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)

# Which kinds may sit directly under which (a parent of the wrong kind is refused).
ALLOWED_CHILDREN: dict[str, tuple[str, ...]] = {
    OrgKind.COMMITTEE: (OrgKind.UNIT_PARTY,),
    OrgKind.UNIT_PARTY: (OrgKind.LEADING_GROUP, *GRASSROOTS_KINDS),
    OrgKind.LEADING_GROUP: (),
    OrgKind.PARTY_COMMITTEE: (OrgKind.GENERAL_BRANCH, OrgKind.BRANCH),
    OrgKind.GENERAL_BRANCH: (OrgKind.BRANCH,),
    OrgKind.BRANCH: (OrgKind.PARTY_GROUP,),
    OrgKind.PARTY_GROUP: (),
}


KIND_BADGES: dict[str, str] = {
    OrgKind.COMMITTEE: "bg-red-lt",
    OrgKind.UNIT_PARTY: "bg-orange-lt",
    OrgKind.LEADING_GROUP: "bg-purple-lt",
    OrgKind.PARTY_COMMITTEE: "bg-blue-lt",
    OrgKind.GENERAL_BRANCH: "bg-cyan-lt",
    OrgKind.BRANCH: "bg-green-lt",
    OrgKind.PARTY_GROUP: "bg-secondary-lt",
}


class UnitOrgForm(models.TextChoices):
    """What a unit-level org (机关党组织) is; its term length follows (机关基层组织工作条例
    第五、六、七条: 机关党委 5 years, 机关总支 and 机关支部 3)."""

    PARTY_COMMITTEE = "party_committee", _("机关党委")
    GENERAL_BRANCH = "general_branch", _("机关总支")
    BRANCH = "branch", _("机关支部")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DISSOLVED = "dissolved", _("已撤销")


class Unit(ScopedModel):
    """A government department (机关单位); its unit-level party org roots its subtree."""

    scope_path_field: ClassVar[str] = "party_org__path"

    name = models.CharField(_("单位名称"), max_length=128, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    party_org = models.OneToOneField(
        "Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_record",
        verbose_name=_("单位党组织"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("机关单位")
        verbose_name_plural = _("机关单位")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:unit_detail", args=[self.pk])

    def clean(self) -> None:
        if self.party_org is not None and self.party_org.kind != OrgKind.UNIT_PARTY:
            raise ValidationError(
                {"party_org": "单位党组织应选择机关党组织（机关党委、机关总支或机关支部）。"}
            )

    def audit_related_org_id(self):
        return self.party_org_id


class OrganizationQuerySet(RestrictedQuerySet, MP_NodeQuerySet):
    def with_term_status(self, today: dt.date | None = None) -> OrganizationQuerySet:
        """Annotate `term_due_on`, `term_started_on`, `term_number` and `term_status` set-based.

        The current term is the org's open term (ended_on IS NULL); a partial unique
        constraint keeps it to one per org, so a LEFT JOIN through a FilteredRelation
        gives it without a per-row query or a correlated subquery. The CASE mirrors
        `termrules.status_for` with the thresholds computed once in Python.
        """
        today = today or timezone.localdate()
        far, near = termrules.thresholds(today)
        S = termrules.TermStatus
        return self.annotate(
            open_term=FilteredRelation("terms", condition=Q(terms__ended_on__isnull=True)),
            term_id=F("open_term__id"),
            term_number=F("open_term__number"),
            term_started_on=F("open_term__started_on"),
            term_due_on=Case(
                When(
                    open_term__extension_approved=True,
                    open_term__extended_to__isnull=False,
                    then=F("open_term__extended_to"),
                ),
                default=F("open_term__planned_end_on"),
                output_field=models.DateField(),
            ),
        ).annotate(
            term_status=Case(
                When(~Q(kind__in=termrules.term_kinds()), then=Value(S.NOT_APPLICABLE)),
                When(term_due_on__isnull=True, then=Value(S.NO_DATA)),
                When(term_due_on__lt=today, then=Value(S.OVERDUE)),
                When(term_due_on__lte=near, then=Value(S.DUE_3)),
                When(term_due_on__lte=far, then=Value(S.DUE_6)),
                default=Value(S.NORMAL),
                output_field=models.CharField(),
            )
        )

    def _parent_column(self, column: str) -> Subquery:
        # MP_Node has no parent column: the parent is the row whose path is ours minus one step.
        parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - self.model.steplen)
        return Subquery(self.model.objects.filter(path=parent_path).values(column)[:1])

    def with_parent_name(self) -> OrganizationQuerySet:
        return self.annotate(parent_name=self._parent_column("name"))

    def with_parent_ref(self) -> OrganizationQuerySet:
        """Annotate `parent_ref`, the parent's id (what the API shows as `parent`)."""
        return self.annotate(parent_ref=self._parent_column("pk"))

    def children_of(self, org: Organization) -> OrganizationQuerySet:
        return self.filter(path__startswith=org.path, depth=org.depth + 1)

    def ancestors_of(self, org: Organization) -> OrganizationQuerySet:
        """Ancestors by path prefixes computed in Python: one query, root first."""
        steplen = self.model.steplen
        prefixes = [org.path[:i] for i in range(steplen, len(org.path), steplen)]
        return self.filter(path__in=prefixes).order_by("depth")


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):  # type: ignore[misc]
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node, TimestampedModel):
    scope_path_field: ClassVar[str] = "path"
    sensitive_fields: ClassVar[tuple[str, ...]] = ()
    audit_exclude: ClassVar[tuple[str, ...]] = ("created", "updated", "numchild")
    steplen = 4

    kind = models.CharField(_("组织类别"), max_length=20, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("组织名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=64, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("所属单位"),
    )
    established_on = models.DateField(
        _("成立日期"), null=True, blank=True, validators=[validate_not_future]
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=OrgStatus.choices,
        default=OrgStatus.ACTIVE,
        editable=False,
    )
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True, editable=False)
    code = models.CharField(_("组织编码"), max_length=32, blank=True, db_index=True)
    unit_form = models.CharField(
        _("机关党组织形式"),
        max_length=20,
        choices=UnitOrgForm.choices,
        blank=True,
        help_text=_(
            "仅机关党组织填写：机关党委任期5年，机关总支、机关支部任期3年；不填按机关党委。"
        ),
    )

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization_detail", args=[self.pk])

    def audit_related_org_id(self):
        return self.pk

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS

    def parent_org(self) -> Organization | None:
        return self.get_parent()

    def clean_parent(self, parent: Organization | None) -> None:
        """Refuse a parent of the wrong kind, with a message that says what is allowed."""
        if parent is None:
            if self.kind != OrgKind.COMMITTEE:
                raise ValidationError({"parent": "只有工委可以作为根组织，请选择上级党组织。"})
            return
        allowed = ALLOWED_CHILDREN.get(parent.kind, ())
        if self.kind not in allowed:
            names = "、".join(str(OrgKind(k).label) for k in allowed) or "无"
            raise ValidationError(
                {
                    "parent": f"{OrgKind(parent.kind).label}下不能设立{OrgKind(self.kind).label}（可设立：{names}）。"
                }
            )

    def clean(self) -> None:
        if self.dissolved_on and self.established_on and self.dissolved_on < self.established_on:
            raise ValidationError({"dissolved_on": "撤销日期不能早于成立日期。"})
        if self.kind == OrgKind.UNIT_PARTY:
            # Unrecorded means 机关党委, what every unit-level org was before the field.
            self.unit_form = self.unit_form or UnitOrgForm.PARTY_COMMITTEE
        elif self.unit_form:
            raise ValidationError(
                {
                    "unit_form": "只有机关党组织需要填写机关党组织形式（机关党委、机关总支或机关支部）。"
                }
            )

    @property
    def kind_display(self) -> str:
        """The kind, or for a unit-level org its form (机关党委 / 机关总支 / 机关支部)."""
        if self.kind == OrgKind.UNIT_PARTY and self.unit_form:
            return str(UnitOrgForm(self.unit_form).label)
        return str(OrgKind(self.kind).label)

    def allowed_child_kinds(self) -> tuple[str, ...]:
        return ALLOWED_CHILDREN.get(self.kind, ())

    @property
    def is_dissolved(self) -> bool:
        return self.status == OrgStatus.DISSOLVED

    @property
    def has_terms(self) -> bool:
        """Is this kind elected for a fixed term (so that a missing term is a gap)?"""
        return termrules.term_rule(self.kind, self.unit_form) is not None

    @property
    def kind_badge(self) -> str:
        return KIND_BADGES.get(self.kind, "bg-secondary-lt")

    # Labels of the annotations added by `with_term_status` (empty when not annotated).
    @property
    def term_status_label(self) -> str:
        return termrules.TermStatus.LABELS.get(getattr(self, "term_status", ""), "")

    @property
    def term_status_badge(self) -> str:
        return termrules.TermStatus.BADGES.get(getattr(self, "term_status", ""), "")

    def current_term(self) -> Term | None:
        return self.terms.filter(ended_on__isnull=True).first()


class Term(ScopedModel):
    """届次: planned end computed from the kind's term length in the rule library."""

    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="terms", verbose_name=_("党组织")
    )
    number = models.PositiveSmallIntegerField(_("届次"), null=True, blank=True)
    started_on = models.DateField(_("选举日期"))
    planned_end_on = models.DateField(_("应换届日期"), editable=False)
    ended_on = models.DateField(_("实际换届日期"), null=True, blank=True)
    extension_approved = models.BooleanField(_("已批准延期"), default=False)
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    approval_document = models.CharField(_("批复文号"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["org", "-started_on"]
        indexes = [models.Index(fields=["org", "ended_on"])]
        constraints = [
            # The current term is the open one; `with_term_status` joins on it.
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(ended_on__isnull=True),
                name="orgs_term_one_open_per_org",
            ),
        ]

    def __str__(self) -> str:
        n = f"第{self.number}届 " if self.number else ""
        return f"{self.org} {n}({self.started_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization_detail", args=[self.org_id])

    def compute_planned_end(self) -> dt.date:
        rule = termrules.term_rule(self.org.kind, self.org.unit_form)
        if rule is None:
            raise ValidationError({"org": self.not_elected_message(self.org)})
        return termrules.add_years(self.started_on, rule.years)

    @staticmethod
    def not_elected_message(org: Organization) -> str:
        return f"{OrgKind(org.kind).label}不实行任期制，不能登记届次；请选择党委、党总支或党支部。"

    @property
    def due_on(self) -> dt.date:
        if self.extension_approved and self.extended_to:
            return self.extended_to
        return self.planned_end_on

    def status(self, today: dt.date | None = None) -> str:
        if self.ended_on is not None:
            return termrules.TermStatus.ENDED
        return termrules.status_for(self.due_on, today or timezone.localdate())

    def status_label(self) -> str:
        return termrules.TermStatus.LABELS[self.status()]

    def status_badge(self) -> str:
        return termrules.TermStatus.BADGES[self.status()]

    def clean(self) -> None:
        if self.org_id and termrules.term_rule(self.org.kind) is None:
            raise ValidationError({"org": self.not_elected_message(self.org)})
        if self.started_on and self.started_on > timezone.localdate():
            raise ValidationError({"started_on": "选举日期不能晚于今天。"})
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "实际换届日期不能早于选举日期。"})
        if self.extension_approved and not self.extended_to:
            raise ValidationError({"extended_to": "已批准延期时请填写延期至的日期。"})
        if self.extended_to and not self.extension_approved:
            raise ValidationError(
                {"extension_approved": "填写了延期日期，请同时勾选“已批准延期”。"}
            )
        if self.extended_to and self.started_on and self.org_id:
            planned = self.compute_planned_end()
            if self.extended_to <= planned:
                raise ValidationError({"extended_to": "延期至的日期应晚于应换届日期。"})
            if self.extended_to > termrules.add_years(planned, 1):
                raise ValidationError(
                    {"extended_to": "延期一般不超过 1 年（《基层组织选举工作条例》第三条）。"}
                )

    def save(self, *args, **kwargs):
        self.planned_end_on = self.compute_planned_end()
        super().save(*args, **kwargs)


class CommitteePost(ScopedModel):
    class Post(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANIZATION = "organization_member", _("组织委员")
        PUBLICITY = "publicity_member", _("宣传委员")
        DISCIPLINE = "discipline_member", _("纪检委员")
        MEMBER = "member", _("委员")

    scope_path_field: ClassVar[str] = "term__org__path"

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="posts", verbose_name=_("届次")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="committee_posts",
        verbose_name=_("党员"),
    )
    post = models.CharField(_("职务"), max_length=24, choices=Post.choices)
    assigned_on = models.DateField(_("任职日期"), null=True, blank=True)
    dismissed_on = models.DateField(_("免职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("班子成员")
        verbose_name_plural = _("班子成员")
        ordering = ["term", "post"]
        indexes = [models.Index(fields=["post", "dismissed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(post="secretary", dismissed_on__isnull=True),
                name="orgs_post_one_secretary_per_term",
            ),
            models.UniqueConstraint(
                fields=["term", "member", "post"],
                condition=Q(dismissed_on__isnull=True),
                name="orgs_post_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_post_display()}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization_detail", args=[self.term.org_id])

    def clean(self) -> None:
        if self.dismissed_on and self.assigned_on and self.dismissed_on < self.assigned_on:
            raise ValidationError({"dismissed_on": "免职日期不能早于任职日期。"})

    def audit_related_org_id(self):
        return self.term.org_id
