"""Forms of the rules app: the exemption form (choices limited to the user's scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.bounds import parse_id
from dangjian.core.forms import ScopedModelForm
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .loader import get_library
from .models import RuleExemption
from .services import EXEMPTIBLE


def exemptible_rule_choices() -> list[tuple[str, str]]:
    kinds = {k for ks in EXEMPTIBLE.values() for k in ks}
    # By title alone (titles are unique): people never read rule ids (issue 9).
    return [("", "---------")] + [(r.id, r.title) for r in get_library() if r.kind in kinds]


class ExemptionForm(ScopedModelForm):
    """Org and member choices come from the user's scope; members only of the chosen org."""

    rule_id = forms.ChoiceField(label=_("规则"), choices=())

    class Meta:
        model = RuleExemption
        fields = [
            "org",
            "rule_id",
            "member",
            "starts_on",
            "ends_on",
            "expires_on",
            "reason",
            "approved_by",
            "approval_document",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["rule_id"].choices = exemptible_rule_choices()
        fields["org"].queryset = Organization.objects.restrict(self.user, "view")
        org_id = parse_id(
            self.data.get("org")
            or self.initial.get("org")
            or getattr(self.instance, "org_id", None)
        )
        members = Member.objects.restrict(self.user, "view").only("id", "name", "org_id")
        # Members of the chosen org only: a whole subtree's members would make a huge list.
        fields["member"].queryset = (
            members.filter(org_id=org_id) if org_id is not None else members.none()
        )
        fields["member"].help_text = _("先选择党组织并保存后可选其党员；留空表示豁免整个组织。")
