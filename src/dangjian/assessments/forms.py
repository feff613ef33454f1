"""Forms of the 督查考评 pages. They shape input only: every rule is checked (and every
Chinese message written) by the campaigns / services functions they hand the data to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dangjian.core import yamlio
from dangjian.core.db import path_prefix_q
from dangjian.core.orgpicker import use_org_picker
from dangjian.orgs.models import Organization, OrgKind, OrgStatus

from .models import Campaign, CampaignType, Framework, LiaisonStage, SelectionMode, Severity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TARGET_KIND_CHOICES = [(k, label) for k, label in OrgKind.choices if k != OrgKind.COMMITTEE]


def campaign_orgs(user: Any):
    """Orgs the user may run a campaign in (add_campaign over their subtree), tree order."""
    return Organization.objects.holding(user, "assessments.add_campaign").order_by("path")


def set_queryset(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Framework) -> str:
        state = _("当前版本") if obj.is_current else _("旧版本")
        return f"{obj.name}（第 {obj.version} 版，{state}）"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    campaign_type = forms.ChoiceField(label=_("督查类型"), choices=CampaignType.choices)
    framework = FrameworkChoiceField(
        label=_("考评模板"), queryset=Framework.objects.none(), empty_label=_("请选择")
    )
    allow_old_version = forms.BooleanField(
        label=_("沿用旧版本模板"),
        required=False,
        help_text=_("选用已不是当前版本的模板时须勾选，例如按去年的标准重复检查"),
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
        # Every version is offered; an old one is refused unless allow_old_version is
        # ticked (campaigns.create_campaign says so in Chinese on the framework field).
        set_queryset(
            self.fields["framework"],
            Framework.objects.order_by("name", "-is_current", "-version"),
        )
        use_org_picker(self)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["manual_targets"] = list(data.get("manual_targets") or [])
        data["liaison_stage"] = data.get("liaison_stage") or ""
        data["allow_old_version"] = bool(data.get("allow_old_version"))
        return data


def target_choices(user: Any, campaign: Campaign):
    """Orgs that may still be added to a campaign by hand: visible to the user, in the
    campaign's scope subtree, of one of its target kinds, and not yet a target."""
    return (
        Organization.objects.restrict(user, "view")
        .filter(
            path_prefix_q("path", campaign.scope_org.path),
            kind__in=campaign.target_kinds,
            status=OrgStatus.ACTIVE,
        )
        .exclude(pk__in=campaign.assessments.values("target_id"))
        .order_by("path")
    )


class AddTargetsForm(forms.Form):
    targets = OrgMultipleChoiceField(
        label=_("增加检查对象"),
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 14}),
        help_text=_(
            "可多选（按住 Ctrl 或 Shift）；只列出本次督查范围内、检查对象层级、尚未选入的组织"
        ),
        error_messages={
            "required": _("请选择要增加的检查对象。"),
            "invalid_choice": _(
                "所选组织不在可增加的范围内（须在本次督查范围内、属于检查对象层级且尚未选入）。"
            ),
            "invalid_pk_value": _("所选组织不存在。"),
        },
    )

    def __init__(self, *args: Any, user: Any = None, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["targets"], target_choices(user, campaign))
        use_org_picker(self)


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.person_name  # a person by name, never the login (issue 9)


def assessor_choices(campaign: Campaign):
    """Active users holding a role inside the campaign's scope (its owner side)."""
    return (
        get_user_model()
        .objects.filter(
            path_prefix_q("role_assignments__org__path", campaign.scope_org.path),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


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
            if upload.size > yamlio.MAX_BYTES:
                raise forms.ValidationError(
                    _("模板文件过大：上限为 %(kb)s KB。") % {"kb": yamlio.MAX_BYTES // 1024}
                )
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
        set_queryset(
            self.fields["org"],
            Organization.objects.holding(user, "assessments.add_finding").order_by("path"),
        )
        use_org_picker(self)


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
    assessors = UserChoiceField(
        label=_("检查人员（系统账号）"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        error_messages={"invalid_choice": _("所选检查人员不在本次督查的组织范围内。")},
    )
    assessor_names = forms.CharField(
        label=_("其他检查人员"),
        max_length=200,
        required=False,
        help_text=_("没有系统账号的人员，用“、”分隔"),
    )
    has_innovation = forms.BooleanField(label=_("有创新项目"), required=False)
    summary = forms.CharField(
        label=_("总体评价"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, campaign: Campaign | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if campaign is None:
            del self.fields["assessors"]
        else:
            set_queryset(self.fields["assessors"], assessor_choices(campaign))
