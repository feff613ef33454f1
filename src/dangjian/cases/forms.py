"""Case, rating, award, file and brand forms. Orgs come through the one org picker, limited
to where the user may add; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.activities.forms import AttachmentForm
from dangjian.core.forms import ScopedModelForm
from dangjian.orgs.models import Organization, OrgKind

from .models import YEAR_MIN, Brand, Case, CaseAward, Rating
from .services import BRAND_KINDS, BRAND_YEAR_MIN, today

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _years(field: forms.Field, lo: int, hi: int) -> None:
    field.widget.attrs.update(min=lo, max=hi, inputmode="numeric")


class CaseForm(ScopedModelForm):
    class Meta:
        model = Case
        fields = ["org", "year", "case_type", "title", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "org": _("本单位机关党组织，或其下具体承担这项工作的党支部。"),
            "summary": _("主要做法、创新点和取得的成效，最多 4000 字。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (  # type: ignore[attr-defined]
            Organization.objects.holding(self.user, "cases.add_case")
            .exclude(kind=OrgKind.COMMITTEE)
            .order_by("path")
        )
        _years(self.fields["year"], YEAR_MIN, today().year + 1)
        if not self.instance.pk and not self.initial.get("year"):
            self.initial["year"] = today().year


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("评定等次"), choices=[("", "请选择"), *Rating.choices])
    rated_on = forms.DateField(label=_("评定日期"), widget=DATE)
    note = forms.CharField(
        label=_("评语"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AwardForm(ScopedModelForm):
    class Meta:
        model = CaseAward
        fields = ["level", "awarding_body", "award", "year", "document_number"]
        help_texts = {
            "award": _("例如：二等奖案例、优秀案例。"),
            "awarding_body": _("例如：中共某省直属机关工作委员会。"),
            "document_number": _("表彰文件的文号，例如 某直工〔2024〕12号。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _years(self.fields["year"], YEAR_MIN, today().year + 1)


class CaseFileForm(AttachmentForm):
    pass


class BrandForm(ScopedModelForm):
    class Meta:
        model = Brand
        fields = ["org", "name", "description", "established_year"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "org": _("选机关党组织即登记单位品牌（每个单位一个）；选其下的支部即登记支部品牌。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (  # type: ignore[attr-defined]
            Organization.objects.holding(self.user, "cases.add_brand")
            .filter(kind__in=BRAND_KINDS)
            .order_by("path")
        )
        _years(self.fields["established_year"], BRAND_YEAR_MIN, today().year)
