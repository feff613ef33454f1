"""Forms of the volunteers app: choices limited to the user's scope; members through the
member picker (a short list and a name search), orgs through the org picker."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.activities.models import Activity, ActivityKind
from dangjian.core.bounds import YEAR_MAX, YEAR_MIN, year_messages
from dangjian.core.db import path_prefix_q
from dangjian.core.forms import ScopedModelForm
from dangjian.core.orgpicker import source_token
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.forms import MemberChoiceField, choice_field, date_input
from dangjian.orgs.models import Organization, OrgKind

from .models import (
    REGISTRABLE_KINDS,
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)

MEMBER_ERRORS = {
    "invalid_choice": _("所选党员不存在，或不在您可选择的范围内，请重新选择。"),
}


def _members(user: Any, path: str | None = None):
    qs = Member.objects.restrict(user, "view").filter(membership=MembershipState.NORMAL)
    if path is not None:
        qs = qs.filter(path_prefix_q("org__path", path))
    return qs.select_related("org").only("id", "name", "org__name").order_by("org__path", "name")


class CommunityForm(ScopedModelForm):
    class Meta:
        model = Community
        fields = ["org", "name", "district", "street", "address", "contact", "phone", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "org").queryset = Organization.objects.holding(
            self.user, "volunteers.add_community"
        )


class RegistrationForm(ScopedModelForm):
    member = MemberChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=_("党员"),
        help_text=_("党员到居住地社区报到时选择；党组织报到时留空。"),
        error_messages=MEMBER_ERRORS,
    )

    class Meta:
        model = CommunityRegistration
        fields = ["org", "member", "community", "starts_on", "ends_on", "note"]
        widgets = {"starts_on": date_input(), "ends_on": date_input()}
        help_texts = {"org": _("党组织报到时选择；党员报到时按党员所在党组织登记。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = choice_field(self, "org")
        org.required = False
        org.queryset = Organization.objects.holding(
            self.user, "volunteers.add_communityregistration"
        ).filter(kind__in=REGISTRABLE_KINDS)
        choice_field(self, "member").queryset = _members(self.user)
        choice_field(self, "community").queryset = Community.objects.restrict(self.user, "view")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("org") and not data.get("member") and not self.errors:
            self.add_error("org", _("请选择报到的党组织，或选择报到的党员。"))
        return data


class FeedbackForm(ScopedModelForm):
    member = MemberChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=_("被评价党员"),
        help_text=_("社区对本单位某位报到党员的反馈时选择；对党组织的反馈留空。"),
        error_messages=MEMBER_ERRORS,
    )
    year = forms.IntegerField(
        label=_("年度"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages=year_messages(YEAR_MIN, YEAR_MAX),
    )

    class Meta:
        model = CommunityFeedback
        fields = ["community", "org", "member", "year", "rating", "text", "given_on"]
        widgets = {"given_on": date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = choice_field(self, "org")
        org.required = False
        org.queryset = Organization.objects.holding(
            self.user, "volunteers.add_communityfeedback"
        ).filter(kind__in=REGISTRABLE_KINDS)
        choice_field(self, "member").queryset = _members(self.user)
        choice_field(self, "community").queryset = Community.objects.restrict(self.user, "view")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("org") and not data.get("member") and not self.errors:
            self.add_error("org", _("请选择被评价的党组织，或选择被评价的党员。"))
        return data


class TaskForceForm(ScopedModelForm):
    class Meta:
        model = TaskForce
        fields = ["org", "kind", "name", "project", "starts_on", "ends_on", "description"]
        widgets = {"starts_on": date_input(), "ends_on": date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "org").queryset = Organization.objects.holding(
            self.user, "volunteers.add_taskforce"
        ).exclude(kind=OrgKind.PARTY_GROUP)


class TaskForceMemberForm(ScopedModelForm):
    """A member joins a task force: chosen among the task force org's members (picker)."""

    member = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("党员"),
        error_messages={
            "required": _("请选择党员。"),
            "invalid_choice": _("所选党员不属于该突击队所在党组织，或不在您的管辖范围内。"),
        },
    )

    class Meta:
        model = TaskForceMember
        fields = ["member", "role", "joined_on", "left_on"]
        widgets = {"joined_on": date_input(), "left_on": date_input()}

    def __init__(self, *args: Any, task_force: TaskForce | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tf = task_force or (self.instance.task_force if self.instance.task_force_id else None)
        if tf is None:  # a member search rebuilding the form names its task force
            tf_id = self.initial.get("task_force")
            tf = TaskForce.objects.restrict(self.user, "view").filter(pk=tf_id).first()
        self.task_force = tf
        field = choice_field(self, "member")
        field.queryset = _members(self.user, tf.org.path) if tf else Member.objects.none()
        if tf is not None:
            field.widget.source = source_token(  # type: ignore[attr-defined]
                type(self), "member", initial={"task_force": tf.pk}
            )
        if self.instance.pk:
            del self.fields["member"]


class ServiceRecordForm(ScopedModelForm):
    """Credit a volunteer activity to a community; the activity comes from its page."""

    class Meta:
        model = ServiceRecord
        fields = ["activity", "community", "note"]
        widgets = {"activity": forms.HiddenInput}
        error_messages = {
            "activity": {
                "required": _("请从志愿服务活动的页面进入，以确定活动。"),
                "invalid_choice": _("该活动不是志愿服务活动，或不在您的管辖范围内。"),
            }
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "activity").queryset = Activity.objects.restrict(
            self.user, "change"
        ).filter(kind=ActivityKind.VOLUNTEER)
        choice_field(self, "community").queryset = Community.objects.restrict(self.user, "view")
