"""Member forms. Org choices are limited to the user's scope and to orgs that hold members."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ScopedFormMixin, ScopedModelForm
from dangjian.core.orgpicker import use_org_picker
from dangjian.orgs.models import Organization

from . import identifiers
from .models import Exemption, ExitKind, Member
from .services import member_orgs, member_units

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# 组织关系转入 from outside the system, asked when a member is added.
ARRIVAL_FIELDS = ("arrived_from", "arrived_on", "arrival_letter_number", "arrival_dues_paid_until")


class MemberForm(ScopedModelForm):
    """Create or edit a member.

    The ID number and phone are never sent back to the browser: on edit the inputs stay
    empty (the masked value is the placeholder) and an empty input keeps the stored value.
    For a user without the reveal right over the member the birth date is handled the same
    way (its year is shown, decisions/0008). Cross-field rules are checked by the write
    services, which know what the user may be told.
    """

    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    phone = forms.CharField(label=_("手机号码"), max_length=11, required=False)
    # 组织关系转入 from outside the system (new members only): both or neither.
    arrived_from = forms.CharField(
        label=_("系统外转出组织"),
        max_length=128,
        required=False,
        help_text=_("从本系统以外转入的党员填写原所在党组织的名称，并填写转入日期。"),
    )
    arrived_on = forms.DateField(label=_("转入日期"), required=False, widget=_DATE)
    arrival_letter_number = forms.CharField(
        label=_("介绍信编号"), max_length=32, required=False, help_text=_("系统外转入时填写")
    )
    arrival_dues_paid_until = forms.CharField(
        label=_("党费交至"), max_length=7, required=False, help_text=_("年-月，例如 2024-06")
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "education",
            "org",
            "unit",
            "job_title",
            "category",
            "status",
            "joined_on",
            "full_member_on",
            "membership",
            "is_mobile",
        ]
        widgets = {"birth_date": _DATE, "joined_on": _DATE, "full_member_on": _DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        if self.instance.pk:  # an arrival is recorded when the member is added
            for name in ARRIVAL_FIELDS:
                del self.fields[name]
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = member_orgs(self.user, action)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = member_units(self.user, action)
        # Gender may be left empty when the ID number is given: it is read from the ID.
        self.fields["gender"].required = False
        self.fields["id_number"].help_text = _("18 位；填写后自动识别出生日期和性别。")
        # Inputs that never carry the stored value; left empty, they keep it.
        self.write_only = ["id_number", "phone"]
        if self.instance.pk and not identifiers.can_reveal(self.user, self.instance):
            self.write_only.append("birth_date")
        self.kept: set[str] = set()
        for name in self.write_only:
            self.initial[name] = None if name == "birth_date" else ""
            self.fields[name].widget.attrs["autocomplete"] = "off"
            masked = getattr(self.instance, f"masked_{name}")() if self.instance.pk else ""
            if masked:
                self.fields[name].widget.attrs["placeholder"] = masked
                self.fields[name].help_text = _("当前：%(m)s。留空则保持原值不变。") % {"m": masked}

    def _keep_if_blank(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if not value and self.instance.pk:
            self.kept.add(name)
            return getattr(self.instance, name)
        return value

    def clean_id_number(self) -> str:
        return (self._keep_if_blank("id_number") or "").upper()

    def clean_phone(self) -> str:
        return self._keep_if_blank("phone") or ""

    def clean_birth_date(self) -> Any:
        if "birth_date" in self.write_only:
            return self._keep_if_blank("birth_date")
        return self.cleaned_data.get("birth_date")

    def member_fields(self) -> dict[str, Any]:
        """The values the user gave, as keyword arguments for the member services (inputs left
        empty to keep a stored value are left out: the services never compare against them)."""
        return {
            name: getattr(self.instance, name) for name in self.Meta.fields if name not in self.kept
        }


class TransferForm(ScopedFormMixin, forms.Form):
    to_org = forms.ModelChoiceField(
        label=_("转入组织"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("系统内转接请选择转入的党组织；转出本系统请留空并填写下一项。"),
    )
    external_org_name = forms.CharField(
        label=_("转往系统外组织"),
        max_length=128,
        required=False,
        help_text=_("转出本系统时填写接收党组织的名称。"),
    )
    transferred_on = forms.DateField(label=_("转接日期"), widget=_DATE)
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=32, required=False)
    dues_paid_until = forms.CharField(
        label=_("党费交至"), max_length=7, required=False, help_text=_("年-月，例如 2024-06")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("transferred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to_org"]).queryset = member_orgs(
            self.user, "change"
        )


class ProbationExtensionForm(forms.Form):
    """延长预备期 (once, 6–12 months); the service checks the rule and cites the article."""

    months = forms.TypedChoiceField(
        label=_("延长时间"),
        coerce=int,
        choices=[(m, _("%(m)s个月") % {"m": m}) for m in range(6, 13)],
        help_text=_("不能少于半年，最长不超过一年；预备期只能延长一次。"),
    )
    decided_on = forms.DateField(label=_("支部大会决定日期"), widget=_DATE)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class ExemptionForm(forms.ModelForm):
    class Meta:
        model = Exemption
        fields = ["reason", "starts_on", "ends_on", "note", "approved_by"]
        widgets = {"starts_on": _DATE, "ends_on": _DATE}


class ExitForm(forms.Form):
    """出党/减少 on the member page; members.services.record_exit checks the rules.

    The approving org is the member's own org or one above it (a few choices), or, for an
    org outside the system, its name."""

    kind = forms.ChoiceField(label=_("类别"), choices=ExitKind.choices)
    left_on = forms.DateField(
        label=_("出党日期"),
        widget=_DATE,
        help_text=_("自该日起不再计入党员人数；去世填写去世日期。"),
    )
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    approved_by_org = forms.ModelChoiceField(
        label=_("批准组织"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("除名、开除党籍、取消预备党员资格须填写批准的党组织。"),
    )
    approved_by_name = forms.CharField(
        label=_("批准组织（系统外）"),
        max_length=128,
        required=False,
        help_text=_("批准组织不在本系统时填写其名称。"),
    )
    document_number = forms.CharField(label=_("文号"), max_length=64, required=False)

    def __init__(self, *args: Any, user: Any = None, member: Member | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        field = cast(forms.ModelChoiceField, self.fields["approved_by_org"])
        if member is not None:
            step = Organization.steplen
            path = member.org.path
            above = [path[:cut] for cut in range(step, len(path) + 1, step)]
            field.queryset = Organization.objects.filter(path__in=above).order_by("path")
        use_org_picker(self)
