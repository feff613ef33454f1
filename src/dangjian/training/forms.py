"""Forms of the training app: the class, enrolling members, a new session, attendance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ScopedModelForm
from dangjian.core.orgpicker import PICK_MEMBER
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization

from .models import TrainingClass

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class TrainingClassForm(ScopedModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "org",
            "title",
            "training_type",
            "in_night_school",
            "year",
            "starts_on",
            "ends_on",
            "planned_sessions",
            "hours_per_session",
            "required_sessions",
            "capacity",
            "enrolment_open",
            "place",
            "description",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Where the user may hold a class (not only view): their own subtree.
        org_field: Any = self.fields["org"]
        org_field.queryset = Organization.objects.holding(self.user, "training.add_trainingclass")
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        self.fields["hours_per_session"].widget.attrs.update(min="0.5", max="24", step="0.5")


class MembersField(forms.ModelMultipleChoiceField):
    # Chosen from the members the user may enrol: a short list and a name search.
    picker = PICK_MEMBER

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.org.name}）"


class EnrolForm(forms.Form):
    members = MembersField(
        queryset=Member.objects.none(),
        label=_("报名党员"),
        error_messages={
            "invalid_choice": _("所选党员不在您可以报名的范围内，请重新选择。"),
            "invalid_pk_value": _("所选党员不存在，请重新选择。"),
            "required": _("请至少选择一名党员。"),
        },
    )
    enrolled_on = forms.DateField(label=_("报名日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        members: Any = self.fields["members"]
        members.queryset = (
            Member.objects.holding(user, "training.add_enrolment")
            .filter(membership=MembershipState.NORMAL)
            .select_related("org")
            .order_by("org__path", "name", "pk")
        )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("课次主题"), max_length=200)
    held_on = forms.DateField(
        label=_("举办日期"),
        required=False,
        widget=DATE,
        help_text=_("已经举办的课次填写；尚未举办的请只填计划日期"),
    )
    planned_on = forms.DateField(label=_("计划日期"), required=False, widget=DATE)
    starts_at = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("结束时间"), required=False, widget=TIME)
    place = forms.CharField(label=_("地点"), max_length=128, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class AttendanceDateForm(forms.Form):
    held_on = forms.DateField(label=_("举办日期"), widget=DATE)
