"""Dues forms. A member is named by id (from the ledger's link), never chosen from a select
of every member; the service re-checks the member against the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.bounds import ID_MAX
from dangjian.core.forms import ScopedModelForm
from dangjian.members.models import Member

from .models import DuesBase, DuesReduction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_HELP = _("选择月份的任意一天即可。")


class _MemberByIdMixin:
    """`member` as a hidden id, resolved among the members the user may view."""

    def clean_member_id(self) -> Member:
        pk = self.cleaned_data.get("member_id")  # type: ignore[attr-defined]
        member = (
            Member.objects.restrict(self.user, "view")  # type: ignore[attr-defined]
            .select_related("org")
            .filter(pk=pk)
            .first()
        )
        if member is None:
            raise forms.ValidationError(_("请从党费台账中选择党员。"))
        return member


class DuesBaseForm(_MemberByIdMixin, ScopedModelForm):
    member_id = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=ID_MAX, required=False
    )

    class Meta:
        model = DuesBase
        fields = ["year", "from_month", "category", "base", "fixed_amount", "reviewed_on", "note"]
        widgets = {"reviewed_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update(min=2008, max=2100)
        self.fields["from_month"].widget.attrs.update(min=1, max=12)
        self.fields["base"].required = False
        self.fields["base"].help_text = _("税后月工资（离退休党员填离退休费）；定额交纳的不填。")
        if self.instance.pk:
            del self.fields["member_id"]

    def clean_member_id(self) -> Member:
        if self.instance.pk:
            return self.instance.member
        return super().clean_member_id()


class DuesReductionForm(_MemberByIdMixin, ScopedModelForm):
    member_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=ID_MAX)

    class Meta:
        model = DuesReduction
        fields = ["kind", "starts", "ends", "amount", "reason", "branch_reviewed_on"]
        widgets = {"starts": DATE, "ends": DATE, "branch_reviewed_on": DATE}
        help_texts = {"starts": MONTH_HELP, "ends": MONTH_HELP}


class ApproveForm(forms.Form):
    approved_on = forms.DateField(label=_("批准日期"), widget=DATE)
    approval_ref = forms.CharField(label=_("批复文号"), max_length=64, required=False)


class ConfirmForm(forms.Form):
    received_on = forms.DateField(label=_("接收日期"), widget=DATE)
