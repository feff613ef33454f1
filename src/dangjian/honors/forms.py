"""Honors forms: every choice restricted to the user's scope (ScopedModelForm), orgs and
members chosen with the one picker; the services validate the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ScopedModelForm
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.forms import MemberChoiceField, date_input
from dangjian.orgs.models import Organization

from . import titles
from .models import Honor, HonorRound, Nomination


class RoundForm(ScopedModelForm):
    titles = forms.MultipleChoiceField(
        label=_("评选称号"),
        choices=titles.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个评选称号。")},
    )

    class Meta:
        model = HonorRound
        fields = [
            "org",
            "year",
            "title",
            "level",
            "titles",
            "nomination_starts",
            "nomination_ends",
            "material_asked",
        ]
        widgets = {"nomination_starts": date_input(), "nomination_ends": date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["org"]
        org.queryset = Organization.objects.holding(self.user, "honors.add_honorround")
        year: Any = self.fields["year"]
        year.widget.attrs.update(min=1950, max=2100)


class NominationForm(ScopedModelForm):
    member = MemberChoiceField(queryset=Member.objects.none(), required=False, label=_("推荐党员"))
    title = forms.ChoiceField(label=_("推荐称号"), choices=())

    class Meta:
        model = Nomination
        fields = ["round", "org", "title", "member", "recipient_org", "material"]
        help_texts = {
            "member": _("表彰党员的称号（优秀共产党员、优秀党务工作者等）填写"),
            "recipient_org": _("表彰党组织的称号（先进基层党组织等）填写"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["round"].queryset = HonorRound.objects.restrict(self.user, "view").filter(
            publicity_starts__isnull=True, decided_on__isnull=True
        )
        fields["org"].queryset = Organization.objects.holding(self.user, "honors.add_nomination")
        fields["org"].label = _("推荐单位")
        fields["title"].choices = [("", "---------"), *titles.choices()]
        fields["member"].queryset = (
            Member.objects.restrict(self.user, "view")
            .filter(membership=MembershipState.NORMAL)
            .select_related("org")
        )
        fields["recipient_org"].required = False
        fields["recipient_org"].queryset = Organization.objects.holding(
            self.user, "honors.add_nomination"
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("approve", _("审核通过")), ("return", _("退回"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核通过或退回。")},
    )
    review_note = forms.CharField(
        label=_("审核意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PublicizeForm(forms.Form):
    publicity_starts = forms.DateField(label=_("公示开始日期"), widget=date_input())
    publicity_ends = forms.DateField(
        label=_("公示结束日期"),
        widget=date_input(),
        required=False,
        help_text=_("不填为 7 天（含开始当天）"),
    )


class DecideForm(forms.Form):
    decided_on = forms.DateField(label=_("表彰决定日期"), widget=date_input())
    document_number = forms.CharField(label=_("决定文号"), max_length=64)


class HonorForm(ScopedModelForm):
    member = MemberChoiceField(
        queryset=Member.objects.none(), required=False, label=_("获表彰党员")
    )
    title = forms.ChoiceField(label=_("称号"), choices=())

    class Meta:
        model = Honor
        fields = [
            "title",
            "level",
            "member",
            "org",
            "year",
            "issuer",
            "decided_on",
            "document_number",
            "note",
        ]
        widgets = {"decided_on": date_input()}
        help_texts = {"org": _("表彰党组织时选择；表彰党员时可不填（取其所在党组织）")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["title"].choices = [("", "---------"), *titles.choices()]
        fields["member"].queryset = Member.objects.holding(
            self.user, "honors.add_honor"
        ).select_related("org")
        fields["org"].required = False
        fields["org"].label = _("获表彰党组织")
        fields["org"].queryset = Organization.objects.holding(self.user, "honors.add_honor")
