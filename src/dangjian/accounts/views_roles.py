"""Role grants by two persons (decisions/0009): propose, approve or reject, revoke.

The 系统管理员 proposes on a user's page; the 安全管理员 approves or rejects on the same
page or on the list of pending proposals; either revokes at once. The services enforce
the rules (who may, never one's own proposal); these views only route the forms.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View

from dangjian.core.bounds import parse_id
from dangjian.core.scoping import has_global_perm

from . import services
from .forms import DecisionForm, RoleProposalForm
from .models import RoleAssignment, RoleProposal, User
from .views import GlobalPermRequiredMixin, UserActionView, with_decision_rights

RECENT_DECISIONS = 50


def _form_errors(form) -> ValidationError:
    return ValidationError([e for errors in form.errors.values() for e in errors])


class RoleProposeView(UserActionView):
    permission = "accounts.propose_role"

    def act(self, request, user: User) -> str:
        form = RoleProposalForm(request.POST, actor=request.user)
        if not form.is_valid():
            raise _form_errors(form)
        data = form.cleaned_data
        proposal = services.propose_role(
            request.user, user, data["role"], data["org"], note=data["note"]
        )
        where = f"（{proposal.org}）" if proposal.org_id else ""
        return f"已提请授予“{proposal.role_label}”{where}，安全管理员批准后生效。"


class RoleRevokeView(UserActionView):
    permission = "accounts.revoke_role"

    def act(self, request, user: User) -> str:
        assignment_id = parse_id(request.POST.get("assignment"))
        if assignment_id is None:
            raise Http404("未找到。")
        assignment = get_object_or_404(RoleAssignment, pk=assignment_id, user=user)
        label = str(assignment)
        services.revoke_role(request.user, assignment)
        return f"已撤销角色：{label}。"


class RoleDecisionView(GlobalPermRequiredMixin, View):
    """POST approve/reject of one proposal; back to the page it was decided on."""

    permission = "accounts.approve_role"
    http_method_names = ["post"]
    approve = True

    def post(self, request, pk: int, **kwargs: Any):
        proposal = get_object_or_404(RoleProposal.objects.select_related("user", "org"), pk=pk)
        form = DecisionForm(request.POST)
        try:
            if not form.is_valid():
                raise _form_errors(form)
            note = form.cleaned_data["note"]
            if self.approve:
                services.approve_role(request.user, proposal, note=note)
            else:
                services.reject_role(request.user, proposal, note=note)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            verb = "批准" if self.approve else "驳回"
            messages.success(request, f"已{verb}：{proposal.user} 的“{proposal.role_label}”。")
        return redirect(self._back(request))

    def _back(self, request) -> str:
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return "accounts:role_proposal_list"


class RoleProposalListView(GlobalPermRequiredMixin, TemplateView):
    permission = "accounts.view_user"
    template_name = "accounts/role_proposal_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        rows = RoleProposal.objects.select_related("user", "org", "proposed_by", "decided_by")
        pending = rows.filter(status=RoleProposal.Status.PENDING).order_by("proposed_at", "id")
        decided = rows.exclude(status=RoleProposal.Status.PENDING).order_by("-decided_at", "-id")
        ctx.update(
            title="授权审批",
            pending=with_decision_rights(self.request.user, pending),
            decided=decided[:RECENT_DECISIONS],
            recent_limit=RECENT_DECISIONS,
            is_approver=has_global_perm(self.request.user, "accounts.approve_role"),
        )
        return ctx
