"""Forms of the 督查考评 pages. They shape input only: every rule is checked (and every
Chinese message written) by the campaigns / services functions they hand the data to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.scoping import scope_q
from dangjian.orgs.models import Organization, OrgKind

from .models import CampaignType, Framework, LiaisonStage, SelectionMode, Severity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TARGET_KIND_CHOICES = [(k, label) for k, label in OrgKind.choices if k != OrgKind.COMMITTEE]


def campaign_orgs(user: Any):
    """Orgs the user may run a campaign in (add_campaign over their subtree), tree order."""
    q = scope_q(user, "assessments.add_campaign", "path")
    if q is None:
        return Organization.objects.none()
    return Organization.objects.filter(q).order_by("path")


def set_queryset(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    campaign_type = forms.ChoiceField(label=_("督查类型"), choices=CampaignType.choices)
    framework = forms.ModelChoiceField(
        label=_("考评模板"), queryset=Framework.objects.none(), empty_label=_("请选择")
    )
    scope_org = OrgChoiceField(
        label=_("组织范围（主办组织）"),
        queryset=Organization.objects.none(),
        empty_label=_("请选择"),
        help_text=_("在此组织及其下级中选取检查对象"),
    )
    target_kinds = forms.MultipleChoiceField(
        label=_("检查对象层级"),
        choices=TARGET_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = forms.DateField(label=_("检查期间起"), widget=DATE)
    period_end = forms.DateField(label=_("检查期间止"), widget=DATE)
    selection = forms.ChoiceField(
        label=_("选取方式"),
        choices=SelectionMode.choices,
        initial=SelectionMode.ALL,
        widget=forms.RadioSelect,
    )
    sample_size = forms.IntegerField(label=_("抽样数量"), required=False, min_value=1)
    sample_ratio = forms.DecimalField(
        label=_("抽样比例"),
        required=False,
        min_value=0,
        max_value=1,
        decimal_places=4,
        help_text=_("0 到 1 之间，如 0.1 表示抽取 10%；与抽样数量二选一"),
    )
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        help_text=_("留空则自动生成；相同种子与总体得到相同样本"),
    )
    manual_targets = OrgMultipleChoiceField(
        label=_("指定检查对象"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("选取方式为“指定”时填写"),
    )
    liaison_stage = forms.ChoiceField(
        label=_("巡察阶段"),
        choices=LiaisonStage.choices,
        required=False,
        help_text=_("仅“党建+巡察”类型填写"),
    )
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = campaign_orgs(user)
        set_queryset(self.fields["scope_org"], orgs)
        set_queryset(self.fields["manual_targets"], orgs)
        set_queryset(
            self.fields["framework"], Framework.objects.filter(is_current=True).order_by("name")
        )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["manual_targets"] = list(data.get("manual_targets") or [])
        data["liaison_stage"] = data.get("liaison_stage") or ""
        return data


class RedrawForm(forms.Form):
    seed = forms.IntegerField(label=_("新的随机种子"), required=False, min_value=0)
    size = forms.IntegerField(label=_("抽样数量"), required=False, min_value=1)
    ratio = forms.DecimalField(
        label=_("抽样比例"), required=False, min_value=0, max_value=1, decimal_places=4
    )
    reason = forms.CharField(
        label=_("重新抽取的理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写重新抽取的理由（将记入审计日志）。")},
    )


class FrameworkImportForm(forms.Form):
    file = forms.FileField(label=_("模板文件（YAML）"), required=False)
    text = forms.CharField(
        label=_("或粘贴模板内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("模板文件须为 UTF-8 编码的 YAML 文本。")) from exc
            data["filename"] = upload.name
        elif data.get("text", "").strip():
            data["filename"] = "粘贴内容.yaml"
        else:
            raise forms.ValidationError(_("请选择模板文件或粘贴模板内容。"))
        return data


class FindingForm(forms.Form):
    """A free-standing finding (not from an assessment item), e.g. 巡后反馈."""

    org = OrgChoiceField(label=_("存在问题的组织"), queryset=Organization.objects.none())
    category = forms.CharField(label=_("问题类别"), max_length=64)
    text = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    found_on = forms.DateField(label=_("发现日期"), widget=DATE, required=False)
    deadline = forms.DateField(
        label=_("整改时限"), widget=DATE, required=False, help_text=_("留空为发现之日起 30 天")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        q = scope_q(user, "assessments.add_finding", "path")
        set_queryset(
            self.fields["org"],
            Organization.objects.none()
            if q is None
            else Organization.objects.filter(q).order_by("path"),
        )


class RectificationSubmitForm(forms.Form):
    measures = forms.CharField(
        label=_("整改措施"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写整改措施。")},
    )
    evidence_text = forms.CharField(
        label=_("整改情况及佐证"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RectificationVerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"), choices=[("accept", _("销号")), ("return", _("退回"))]
    )
    note = forms.CharField(
        label=_("审核意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), error_messages={"required": _("请选择要上传的文件。")})


class AssessmentInfoForm(forms.Form):
    assessed_on = forms.DateField(label=_("检查日期"), widget=DATE, required=False)
    assessor_names = forms.CharField(
        label=_("检查人员"), max_length=200, required=False, help_text=_("用“、”分隔")
    )
    has_innovation = forms.BooleanField(label=_("有创新项目"), required=False)
    summary = forms.CharField(
        label=_("总体评价"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
