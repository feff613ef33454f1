"""Forms of the round (the 工委's) and of one row of a unit's register (the unit's).

A register row names its register by id (the register page's 新增 links carry it); the form
resolves it among the registers the user may change, and the service re-checks it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.bounds import ID_MAX, parse_id
from dangjian.core.forms import ScopedModelForm
from dangjian.orgs.models import Organization

from .models import YEAR_MAX, YEAR_MIN, Institution, Measure, RiskPoint, RiskReview, RiskSubmission

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(ScopedModelForm):
    class Meta:
        model = RiskReview
        fields = [
            "org",
            "year",
            "title",
            "opens_on",
            "due_on",
            "closed",
            "warning_activity",
            "note",
        ]
        widgets = {"opens_on": DATE, "due_on": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from dangjian.activities.models import Activity, ActivityKind

        orgs = self.fields["org"]
        orgs.queryset = Organization.objects.holding(  # type: ignore[attr-defined]
            self.user, "integrity.add_riskreview"
        ).filter(depth__lte=1)
        self.fields["year"].widget.attrs.update(min=YEAR_MIN, max=YEAR_MAX)
        # The 工委's own 警示教育 meetings: a short list, never every branch's.
        self.fields["warning_activity"].queryset = (  # type: ignore[attr-defined]
            Activity.objects.restrict(self.user, "view")
            .filter(kind=ActivityKind.WARNING_EDUCATION, org__depth=1)
            .order_by("-held_on", "-planned_on")
        )
        self.fields["warning_activity"].required = False
        if self.instance.pk:
            self.fields["org"].disabled = True


class _RegisterRowForm(ScopedModelForm):
    """`submission` as a hidden id, resolved among the registers the user may change."""

    submission_id = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=ID_MAX, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["submission_id"]

    def register(self) -> RiskSubmission | None:
        if self.instance.pk:
            return self.instance.submission
        pk = parse_id(self.data.get("submission_id") or self.initial.get("submission_id"))
        if pk is None:
            return None
        return (
            RiskSubmission.objects.restrict(self.user, "change")
            .select_related("review", "org")
            .filter(pk=pk)
            .first()
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        # On top of the form (the id is hidden): the user came by a wrong or foreign link.
        if not self.instance.pk and self.register() is None:
            self.add_error(None, _("请从本单位的排查填报页面进入，再新增。"))
        return data


class RiskPointForm(_RegisterRowForm):
    class Meta:
        model = RiskPoint
        fields = ["code", "post", "post_title", "category", "level", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class _PointChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RiskPoint) -> str:  # type: ignore[override]
        return f"{obj.code} {obj.get_post_display()}：{obj.description[:40]}"


class MeasureForm(_RegisterRowForm):
    risk_points = _PointChoice(
        queryset=RiskPoint.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("防控的风险点"),
        error_messages={"required": _("请至少选择一个本单位的风险点。")},
    )

    class Meta:
        model = Measure
        fields = ["risk_points", "description", "responsible", "deadline"]
        widgets = {
            "deadline": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"deadline": _("长期坚持的措施可不填。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        register = self.register()
        # Only the points of this register are offered (the service refuses any other).
        qs = RiskPoint.objects.restrict(self.user, "view").order_by("code")
        self.fields["risk_points"].queryset = (  # type: ignore[attr-defined]
            qs.filter(submission=register) if register is not None else qs.none()
        )


class InstitutionForm(_RegisterRowForm):
    class Meta:
        model = Institution
        fields = ["kind", "name", "issued_on", "document_number"]
        widgets = {"issued_on": DATE}
