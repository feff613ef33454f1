"""发展党员 forms. They only parse what the user typed (types and ranges); every rule is the
services' (recruitment.services), whose Chinese messages land on these fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ScopedFormMixin
from dangjian.members.models import Education, Gender, Member, MembershipState, MemberStatus
from dangjian.members.services import member_units
from dangjian.orgs.forms import MemberChoiceField
from dangjian.orgs.models import Organization, OrgKind, Unit

from . import timerules as tr
from .models import Step
from .services import applicant_orgs

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NUM = forms.NumberInput(attrs={"inputmode": "numeric"})


def _count(label: Any) -> forms.IntegerField:
    """A head count of a vote record (应到/实到/赞成/反对/弃权)."""
    return forms.IntegerField(label=label, min_value=0, max_value=9999, required=False, widget=_NUM)


class ApplicantForm(ScopedFormMixin, forms.Form):
    """登记入党申请人: the person and the date the 入党申请书 was received (step 1)."""

    org = forms.ModelChoiceField(
        label=_("所在党组织"),
        queryset=Organization.objects.none(),
        help_text=_("受理入党申请、负责培养考察的党支部（接收为预备党员后即为其所在支部）。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        help_text=_("18 位；填写后自动识别出生日期和性别。"),
    )
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", "—"), *Gender.choices], required=False
    )
    birth_date = forms.DateField(label=_("出生日期"), widget=_DATE, required=False)
    ethnicity = forms.CharField(label=_("民族"), max_length=16, initial="汉族")
    phone = forms.CharField(label=_("手机号码"), max_length=11, required=False)
    education = forms.ChoiceField(
        label=_("学历"), choices=[("", "—"), *Education.choices], required=False
    )
    unit = forms.ModelChoiceField(label=_("工作单位"), queryset=Unit.objects.none(), required=False)
    job_title = forms.CharField(label=_("职务"), max_length=64, required=False)
    applied_on = forms.DateField(label=_("递交入党申请书日期"), widget=_DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = applicant_orgs(self.user)
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = orgs
        if not self.is_bound and "org" not in self.initial:
            self.initial["org"] = _only_branch(orgs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = member_units(self.user, "add")
        for name in ("id_number", "phone"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def applicant_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["id_number"] = (data.get("id_number") or "").strip().upper()
        data["phone"] = (data.get("phone") or "").strip()
        return data


def _only_branch(orgs: Any) -> int | None:
    """The org a secretary registers in when she holds one branch (with its 党小组): the
    top of her choices, when every other choice lies below it (one query, bounded)."""
    rows = list(orgs.order_by("path").values_list("pk", "path", "kind")[:50])
    if not rows or rows[0][2] == OrgKind.UNIT_PARTY:
        return None
    top = rows[0][1]
    return rows[0][0] if all(path.startswith(top) for _pk, path, _kind in rows) else None


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("终止日期"), widget=_DATE)
    reason = forms.CharField(
        label=_("终止原因"),
        max_length=200,
        help_text=_("如：本人撤回申请、经考察未被列为发展对象、调离本单位等。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("closed_on", timezone.localdate())
        super().__init__(*args, **kwargs)


def _people_queryset(user: Any):
    """Members who may be named on a step: full members in good standing the user may view
    (the service re-checks each on the step's date)."""
    return (
        Member.objects.restrict(user, "view")
        .filter(status=MemberStatus.FULL, membership=MembershipState.NORMAL)
        .select_related("org")
        .order_by("name", "pk")
    )


_PEOPLE = {"person_1", "person_2"}
_VOTES = {"expected", "present", "votes_yes", "votes_no", "votes_abstain"}
STEP_FIELDS: dict[int, set[str]] = {
    Step.TALK: _PEOPLE | {"talker_names"},
    Step.CONTACTS: _PEOPLE,
    Step.INTRODUCERS: _PEOPLE,
    Step.POLITICAL_REVIEW: {"political_review"},
    Step.TRAINING: {"training_days", "training_hours"},
    Step.COMMITTEE_REVIEW: _VOTES,
    Step.ADMISSION: _VOTES,
    Step.HIGHER_TALK: _PEOPLE | {"talker_names"},
    Step.CONVERSION_MEETING: _VOTES,
}
ROLE_LABELS: dict[int, str] = {
    Step.TALK: "谈话人",
    Step.CONTACTS: "培养联系人",
    Step.INTRODUCERS: "入党介绍人",
    Step.HIGHER_TALK: "谈话人",
}


class StepForm(ScopedFormMixin, forms.Form):
    """The next step of one person: its date and, as the step needs them, its people, the
    training, the vote record or the 政审 conclusion; an approved exception folded away."""

    step = forms.TypedChoiceField(
        label=_("步骤"), coerce=int, choices=[(s.value, f"{s.value}. {s.label}") for s in Step]
    )
    done_on = forms.DateField(label=_("日期"), widget=_DATE)
    person_1 = MemberChoiceField(queryset=Member.objects.none(), label=_("人员一"), required=False)
    person_2 = MemberChoiceField(queryset=Member.objects.none(), label=_("人员二"), required=False)
    talker_names = forms.CharField(
        label=_("系统外谈话人"),
        max_length=64,
        required=False,
        help_text=_("上级党委派来的谈话人不在本系统时填写姓名，多人用顿号分隔。"),
    )
    training_days = forms.IntegerField(
        label=_("培训天数"), min_value=0, max_value=999, required=False, widget=_NUM
    )
    training_hours = forms.IntegerField(
        label=_("培训学时"), min_value=0, max_value=999, required=False, widget=_NUM
    )
    expected = _count(_("应到"))
    expected.help_text = _("已按今天的名单预填，会议另有日期或有人不能表决时请更正。")
    present = _count(_("实到"))
    votes_yes = _count(_("赞成"))
    votes_no = _count(_("反对"))
    votes_abstain = _count(_("弃权"))
    political_review = forms.CharField(
        label=_("政治审查结论"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )
    note = forms.CharField(
        label=_("情况说明"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )
    exception_rules = forms.MultipleChoiceField(
        label=_("作为例外登记的规则"), required=False, widget=forms.CheckboxSelectMultiple
    )
    exception_reason = forms.CharField(label=_("例外原因"), max_length=300, required=False)
    exception_approved_by = forms.CharField(label=_("批准人"), max_length=64, required=False)

    def __init__(self, *args: Any, steps: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _people_queryset(self.user)
        for name in ("person_1", "person_2"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = people
        field = cast(forms.TypedChoiceField, self.fields["step"])
        if steps:
            field.choices = [(s, f"第{s}步 {Step(s).label}") for s in steps]
            self.initial.setdefault("step", steps[-1])
        self.initial.setdefault("done_on", timezone.localdate())
        cast(forms.MultipleChoiceField, self.fields["exception_rules"]).choices = [
            (r.id, r.title) for r in tr.get_rules().values() if r.exceptable
        ]
        # Only what the open steps need is shown (a phone screen has no room for the rest).
        self.shown = {"step", "done_on", "note"}
        for step in steps or ():
            self.shown |= STEP_FIELDS.get(step, set())
            if step in ROLE_LABELS:
                role = ROLE_LABELS[step]
                self.fields["person_1"].label = f"{role}（一）"
                self.fields["person_2"].label = f"{role}（二）"

    def visible_step_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name in self.shown]

    def step_kwargs(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of `services.record_step`, the two people
        in the role the step names them in."""
        data = self.cleaned_data
        step = data["step"]
        people = [m for m in (data.get("person_1"), data.get("person_2")) if m is not None]
        kwargs: dict[str, Any] = {
            "note": data.get("note") or "",
            "exception_rules": data.get("exception_rules") or [],
            "exception_reason": data.get("exception_reason") or "",
            "exception_approved_by": data.get("exception_approved_by") or "",
        }
        if step in (Step.TALK, Step.HIGHER_TALK):
            kwargs["talkers"] = people
            names = (data.get("talker_names") or "").replace(",", "、").replace("，", "、")
            kwargs["talker_names"] = [n for n in names.split("、") if n.strip()]
        elif step == Step.CONTACTS:
            kwargs["contacts"] = people
        elif step == Step.INTRODUCERS:
            kwargs["introducers"] = people
        if step == Step.TRAINING:
            kwargs["training_days"] = data.get("training_days")
            kwargs["training_hours"] = data.get("training_hours")
        if step in (Step.COMMITTEE_REVIEW, Step.ADMISSION, Step.CONVERSION_MEETING):
            for name in ("expected", "present", "votes_yes", "votes_no", "votes_abstain"):
                kwargs[name] = data.get(name)
        if step == Step.POLITICAL_REVIEW:
            kwargs["political_review"] = data.get("political_review") or ""
        return kwargs


class ExtendForm(forms.Form):
    """延长预备期 of an admitted person (the members service decides and cites)."""

    months = forms.TypedChoiceField(
        label=_("延长时间"),
        coerce=int,
        choices=[(m, _("%(m)s个月") % {"m": m}) for m in range(6, 13)],
        help_text=_("不能少于半年，最长不超过一年；预备期只能延长一次。"),
    )
    decided_on = forms.DateField(label=_("支部大会决定日期"), widget=_DATE)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class PoolForm(ScopedFormMixin, forms.Form):
    """入党志愿书编号段: the numbers a unit's 党委 may issue in a year."""

    org = forms.ModelChoiceField(
        label=_("管理组织"),
        queryset=Organization.objects.none(),
        help_text=_("发放志愿书编号的党组织，一般为单位的机关党委。"),
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, widget=_NUM)
    number_prefix = forms.CharField(label=_("编号前缀"), max_length=16, required=False)
    first = forms.IntegerField(label=_("起始号"), min_value=1, max_value=10**9, widget=_NUM)
    last = forms.IntegerField(label=_("终止号"), min_value=1, max_value=10**9, widget=_NUM)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .formnumbers import pool_orgs

        orgs = pool_orgs(self.user)
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = orgs
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)
            # A unit admin's pools are her 机关党委's: the top of her choices, pre-chosen.
            rows = list(orgs.order_by("path").values_list("pk", "path")[:50])
            if rows and all(path.startswith(rows[0][1]) for _pk, path in rows):
                self.initial.setdefault("org", rows[0][0])
