"""Forms for orgs, terms and committee posts. They validate input; the services write (each
edit view's `save` calls its service)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.bounds import parse_id
from dangjian.core.db import path_prefix_q
from dangjian.core.forms import ScopedModelForm
from dangjian.core.orgpicker import PICK_MEMBER, source_token

from . import termrules
from .models import (
    ACTIVE_MEMBERSHIP,
    ALLOWED_CHILDREN,
    CommitteePost,
    Organization,
    OrgKind,
    OrgStatus,
    Term,
)


class OrgChoiceField(forms.ModelChoiceField):
    """Orgs shown as an indented tree (the queryset is path-ordered)."""

    def label_from_instance(self, obj: Organization) -> str:
        return "　" * (obj.depth - 1) + obj.name


def choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def chosen_org(form: forms.BaseForm, name: str) -> Organization | None:
    """The org named by the submitted data or the initial value, if among the field's choices."""
    raw = form.data.get(name) if form.is_bound else form.initial.get(name)
    if isinstance(raw, Organization) or not raw:
        return raw or None
    queryset = choice_field(form, name).queryset
    try:
        return queryset.filter(pk=raw).first() if queryset is not None else None
    except (ValueError, TypeError):
        return None


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganizationForm(ScopedModelForm):
    parent = OrgChoiceField(queryset=Organization.objects.none(), label=_("上级组织"))

    class Meta:
        model = Organization
        fields = [
            "parent",
            "kind",
            "unit_form",
            "name",
            "short_name",
            "unit",
            "established_on",
            "code",
        ]
        widgets = {"established_on": date_input()}
        help_texts = {"unit": _("不选时沿用上级组织的所属单位。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_kinds = [k for k, children in ALLOWED_CHILDREN.items() if children]
        choice_field(self, "parent").queryset = Organization.objects.holding(
            self.user, "orgs.add_organization"
        ).filter(kind__in=parent_kinds, status=OrgStatus.ACTIVE)
        editing = self.instance.pk is not None
        if editing and self.instance.is_root():
            del self.fields["parent"]
        elif editing and "parent" not in self.initial:
            self.initial["parent"] = self.instance.get_parent()
        parent = chosen_org(self, "parent") if "parent" in self.fields else None
        if "parent" in self.fields:
            # Changing the parent reloads the kind choices (htmx swaps the select in place).
            url = (
                reverse("orgs:organization_edit", args=[self.instance.pk])
                if editing
                else reverse("orgs:organization_add")
            )
            self.fields["parent"].widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-target": "#id_kind",
                    "hx-select": "#id_kind",
                    "hx-swap": "outerHTML",
                }
            )
        kinds = ALLOWED_CHILDREN.get(parent.kind, ()) if parent is not None else None
        if kinds is None:
            kinds = tuple(k for k in OrgKind.values if k != OrgKind.COMMITTEE)
            if editing and self.instance.is_root():
                kinds = (OrgKind.COMMITTEE,)
        self.offered_kinds = [("", "---------")] + [(k, OrgKind(k).label) for k in kinds]
        # A submitted kind is checked against the parent in clean() (which names what the
        # parent allows); the select offers only the allowed kinds.
        cast(forms.ChoiceField, self.fields["kind"]).choices = (
            [("", "---------"), *OrgKind.choices] if self.is_bound else self.offered_kinds
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cast(
            forms.ChoiceField, self.fields["kind"]
        ).choices = self.offered_kinds  # for a re-rendered form
        kind = data.get("kind")
        if kind and "parent" in self.fields and data.get("parent"):
            try:
                Organization(kind=kind).clean_parent(data["parent"])
            except ValidationError as exc:
                self.add_error("parent", exc.message_dict["parent"])
        return data


class TermForm(ScopedModelForm):
    """Add (换届: opens the next term, ending the current one) or correct a term."""

    org = OrgChoiceField(queryset=Organization.objects.none(), label=_("党组织"))

    class Meta:
        model = Term
        fields = [
            "org",
            "number",
            "started_on",
            "ended_on",
            "extension_approved",
            "extended_to",
            "approval_document",
            "note",
        ]
        widgets = {
            "started_on": date_input(),
            "ended_on": date_input(),
            "extended_to": date_input(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["ended_on"]
            choice_field(self, "org").queryset = Organization.objects.holding(
                self.user, "orgs.add_term"
            ).filter(kind__in=termrules.term_kinds())
            self.fields["started_on"].help_text = _(
                "保存后，该组织的当前届次以此日期结束，新一届开始。"
            )
        else:
            del self.fields["org"]
            self.fields["ended_on"].help_text = _("当前届次请留空；换届请使用“登记换届”。")
        org = self.instance.org if self.instance.pk else chosen_org(self, "org")
        rule = termrules.term_rule(org.kind, org.unit_form) if org is not None else None
        self.planned_help = (
            _("应换届日期按任期 %(years)s 年自动计算（%(doc)s%(article)s）。")
            % {
                "years": rule.years,
                "doc": rule.citation.get("document", ""),
                "article": rule.citation.get("article", ""),
            }
            if rule
            else _("应换届日期按组织类别的任期年限自动计算。")
        )


class MemberChoiceField(forms.ModelChoiceField):
    # The 工委's own 班子 is chosen from the whole city: a short list and a name search.
    picker = PICK_MEMBER

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.org.name}）"


class CommitteePostForm(ScopedModelForm):
    """任命 (add: through `services.assign_post`) or correct/免职 (edit) a committee post.

    The member select offers only active members of the term's org and its sub-orgs that
    the user may view; the term comes from the org page (`?term=`), never from a list.
    """

    term = forms.ModelChoiceField(
        queryset=Term.objects.none(),
        widget=forms.HiddenInput,
        label=_("届次"),
        error_messages={
            "required": _("请从党组织页面的“班子成员”栏目进入，以确定届次。"),
            "invalid_choice": _("该届次已结束或不在您的管辖范围内，请在当前届次中任命。"),
        },
    )
    member = MemberChoiceField(
        queryset=None,  # set in __init__: the term's org's members
        label=_("党员"),
        error_messages={
            "required": _("请选择党员。"),
            "invalid_choice": _("所选党员不是该组织（含下级组织）的在册党员，请重新选择。"),
        },
    )

    class Meta:
        model = CommitteePost
        fields = ["term", "member", "post", "assigned_on", "dismissed_on"]
        widgets = {"assigned_on": date_input(), "dismissed_on": date_input()}
        help_texts = {
            "assigned_on": _("不填时为本届选举日期。"),
            "dismissed_on": _("成员离任时填写免职日期；届次不变。"),
        }
        error_messages = {"post": {"required": _("请选择职务。")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen_term: Term | None
        if self.instance.pk:
            # Who holds the post is the record itself: correcting it means a new 任命.
            del self.fields["term"], self.fields["member"]
            self.chosen_term = self.instance.term
            return
        del self.fields["dismissed_on"]
        choice_field(self, "term").queryset = (
            Term.objects.holding(self.user, "orgs.add_committeepost")
            .filter(ended_on__isnull=True)
            .select_related("org")
        )
        raw = self.data.get("term") if self.is_bound else self.initial.get("term")
        self.chosen_term = None
        terms_offered = choice_field(self, "term").queryset
        if (term_id := parse_id(raw)) is not None and terms_offered is not None:
            self.chosen_term = terms_offered.filter(pk=term_id).first()
        member_model: Any = CommitteePost._meta.get_field("member").related_model
        members = member_model.objects.none()
        if self.chosen_term is not None:
            members = (
                member_model.objects.restrict(self.user, "view")
                .filter(
                    path_prefix_q("org__path", self.chosen_term.org.path),
                    membership=ACTIVE_MEMBERSHIP,
                )
                .select_related("org")
                .only("id", "name", "org__name")
                .order_by("org__path", "name", "pk")
            )
        choice_field(self, "member").queryset = members
        if self.chosen_term is not None:
            # The member search rebuilds this form for the same term.
            self.fields["member"].widget.source = source_token(  # type: ignore[attr-defined]
                type(self), "member", initial={"term": self.chosen_term.pk}
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None:
            return data  # assign_post checks the rest, with the same messages
        post, dismissed = data.get("post"), data.get("dismissed_on")
        if post and dismissed is None:
            active = CommitteePost.objects.filter(
                term=self.chosen_term, dismissed_on__isnull=True
            ).exclude(pk=self.instance.pk)
            if active.filter(member_id=self.instance.member_id, post=post).exists():
                self.add_error("post", f"{self.instance.member}已担任该职务。")
            elif post == CommitteePost.Post.SECRETARY:
                holder = active.filter(post=post).select_related("member").first()
                if holder is not None:
                    self.add_error("post", f"本届已有书记（{holder.member}），请先免去其职务。")
        return data
