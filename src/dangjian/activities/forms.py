"""Forms of the one-screen record page; attendance rows are plain inputs parsed by the view."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ScopedFormMixin
from dangjian.orgs.models import Organization

from .models import ActivityKind, ServiceType, Tag, TrainingType
from .notices import default_title
from .people import distinct_labels
from .validation import MAX_HOURS, duration_hours

SEPARATORS = re.compile(r"[、，,；;\s]+")


def split_people(text: str) -> list[str]:
    """ "张三、李四，410802…" → ["张三", "李四", "410802…"] (blank parts dropped)."""
    return [part for part in SEPARATORS.split(text or "") if part]


def observer_choices(org: Organization | None):
    """Users holding a role at an org above `org`: who may be recorded as 列席旁听."""
    User = get_user_model()
    if org is None:
        return User.objects.none()
    steplen = Organization.steplen
    ancestors = [org.path[:i] for i in range(steplen, len(org.path), steplen)]
    return (
        User.objects.filter(is_active=True, role_assignments__org__path__in=ancestors)
        .distinct()
        .order_by("username")
    )


class ActivityForm(ScopedFormMixin, forms.Form):
    org = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("党组织"), empty_label=_("请选择党组织")
    )
    kind = forms.ChoiceField(
        choices=[("", _("请选择活动类型")), *ActivityKind.choices], label=_("活动类型")
    )
    training_type = forms.ChoiceField(
        choices=[("", "—"), *TrainingType.choices], required=False, label=_("培训类型")
    )
    service_type = forms.ChoiceField(
        choices=[("", "—"), *ServiceType.choices], required=False, label=_("服务类型")
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        label=_("主题"),
        help_text=_("留空时按活动类型和日期生成，如“2026年12月支部党员大会”"),
    )
    held_on = forms.DateField(
        label=_("召开日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(
        required=False, label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        required=False, label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(max_length=128, required=False, label=_("地点"))
    hours = forms.DecimalField(
        required=False,
        max_digits=4,
        decimal_places=1,
        label=_("学时（每人）"),
        help_text=_(
            "出席人员每人记此学时，按开始、结束时间自动计算；个别人员不同，在名单中单独填写"
        ),
        widget=forms.NumberInput(attrs={"min": "0", "max": "24", "step": "0.5"}),
        error_messages={"invalid": _("学时应填写数字，例如 2 或 1.5。")},
    )
    host = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("主持人"))
    recorder = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("记录人")
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("标签"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    observers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("列席旁听（上级党组织人员）"),
    )
    external_observers = forms.CharField(
        max_length=200,
        required=False,
        label=_("其他列席人员"),
        help_text=_("系统外人员，用“、”分隔"),
    )
    extra_attendees = forms.CharField(
        required=False,
        label=_("其他参加人员"),
        help_text=_("名单之外的本组织党员：填写姓名或身份证号，用“、”分隔；同名时请填身份证号。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minutes = forms.CharField(
        required=False, label=_("会议记录"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        org: Organization | None = None,
        members: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, user=user, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["org"].queryset = Organization.objects.holding(
            user, "activities.add_activity"
        ).order_by("path")
        fields["observers"].queryset = observer_choices(org)
        labels = distinct_labels(members, home=org)
        people = [("", "—")] + [(m.pk, labels[m.pk]) for m in members]
        fields["host"].choices = people
        fields["recorder"].choices = people
        self.kind_only = {
            "training_type": ActivityKind.TRAINING,
            "service_type": ActivityKind.VOLUNTEER,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or ""
        # A sub-type belongs to one kind; the page hides it for the others, so a value left
        # from an earlier choice of kind is dropped rather than refused.
        for name, owner in self.kind_only.items():
            if kind != owner:
                data[name] = ""
        if not (data.get("title") or "").strip():
            data["title"] = default_title(kind, data.get("held_on"))
        self._clean_hours(data)
        return data

    def _clean_hours(self, data: dict[str, Any]) -> None:
        """One 学时 for the activity: typed, or the time between start and end."""
        hours = data.get("hours")
        limit = duration_hours(data.get("starts_at"), data.get("ends_at"))
        if hours is None:
            data["hours"] = limit
        elif hours < 0:
            self.add_error("hours", _("学时不能为负数。"))
        elif hours > MAX_HOURS:
            self.add_error("hours", _("学时不能超过 24。"))
        elif limit is not None and hours > limit:
            self.add_error(
                "hours",
                _(
                    "学时 %(hours)s 超过活动时长 %(limit)s 小时（按开始、结束时间计算），请改小或核对时间。"
                )
                % {"hours": hours, "limit": limit},
            )

    def reload_on_change(self, url: str, names=("org", "kind", "held_on")) -> None:
        """htmx: changing the org, kind or date reloads the attendance table in place."""
        for name in names:
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change",
                    "hx-target": "#attendance",
                    "hx-swap": "outerHTML",
                    "hx-include": "#record-form",
                    "hx-vals": '{"_refresh": "1"}',
                    # A newer change aborts a reload still under way, so the last choice wins.
                    "hx-sync": "closest form:replace",
                }
            )

    def activity_data(self) -> dict[str, Any]:
        names = (
            "kind",
            "training_type",
            "service_type",
            "title",
            "held_on",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "recorder",
            "minutes",
            "external_observers",
        )
        return {name: self.cleaned_data.get(name) for name in names}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        allow_empty_file=True,  # refused by attachments.check_upload, with the file's name
        help_text=_("PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG，单个不超过 20 MB。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png", "class": "form-control"}
        ),
    )


class TagForm(forms.ModelForm):
    """A tag's code is what the API filters and the metrics use (`?tag=discipline_education`):
    fixed once created, so renaming a tag never breaks a saved query."""

    class Meta:
        model = Tag
        fields = ["name", "code", "description"]
        help_texts = {
            "name": _("显示在活动上的名称，例如“党纪学习教育”。"),
            "code": _(
                "英文小写字母、数字、下划线或连字符，用于 API 筛选和统计（如 discipline_education）；创建后不能修改。"
            ),
        }
        error_messages = {
            "name": {
                "required": _("请填写标签名称。"),
                "unique": _("已有同名标签，请换一个名称。"),
            },
            "code": {
                "required": _("请填写标签代码。"),
                "unique": _("该代码已被其他标签使用，请换一个代码。"),
                "invalid": _(
                    "代码只能包含英文字母、数字、下划线或连字符，例如 discipline_education。"
                ),
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        return code if self.instance.pk else code.lower()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写标签名称。"))
        return name


class NoticeForm(ScopedFormMixin, forms.Form):
    """会议通知: what, when, where; the agenda and who it is sent to are parsed by the view."""

    org = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("党组织"), empty_label=_("请选择党组织")
    )
    kind = forms.ChoiceField(
        choices=[("", _("请选择活动类型")), *ActivityKind.choices], label=_("活动类型")
    )
    planned_on = forms.DateField(
        label=_("召开日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(
        required=False, label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        required=False, label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(max_length=128, required=False, label=_("地点"))
    title = forms.CharField(
        max_length=200,
        required=False,
        label=_("主题"),
        help_text=_("留空时按活动类型和日期生成"),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["org"].queryset = Organization.objects.holding(  # type: ignore[attr-defined]
            user, "activities.add_activity"
        ).order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("title") or "").strip():
            data["title"] = default_title(data.get("kind") or "", data.get("planned_on"))
        return data

    def notice_data(self) -> dict[str, Any]:
        names = ("kind", "title", "planned_on", "starts_at", "ends_at", "place")
        return {name: self.cleaned_data.get(name) for name in names}
