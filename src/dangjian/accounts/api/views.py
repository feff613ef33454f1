"""/api/users/ and /api/role-proposals/: account admins only (global permissions)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..filtersets import UserFilterSet
from ..models import RoleAssignment, RoleProposal, User
from .serializers import (
    DecisionSerializer,
    RoleProposalSerializer,
    UserSerializer,
    as_drf_error,
)

METHOD_PERMS = {
    "POST": "accounts.add_user",
    "PUT": "accounts.change_user",
    "PATCH": "accounts.change_user",
}


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Accounts and their role assignments. Users are deactivated (is_active), never deleted."""

    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    queryset = User.objects.prefetch_related(
        Prefetch(
            "role_assignments", queryset=RoleAssignment.objects.select_related("org").order_by("id")
        )
    ).order_by("username")

    @property
    def global_perm(self) -> str:
        # Read by core.permissions.ScopedPermission: writes need the matching admin permission.
        return METHOD_PERMS.get(self.request.method or "GET", "accounts.view_user")


PROPOSAL_PERMS = {
    "create": "accounts.propose_role",
    "approve": "accounts.approve_role",
    "reject": "accounts.approve_role",
}


class RoleProposalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Role grants by two persons: a 系统管理员 proposes (POST), a 安全管理员 approves or
    rejects; the proposer never decides their own. Revocation is on the user pages."""

    serializer_class = RoleProposalSerializer
    filterset_fields = ["status", "role"]
    queryset = RoleProposal.objects.select_related("user", "org", "proposed_by", "decided_by")

    @property
    def global_perm(self) -> str:
        # Read by core.permissions.ScopedPermission.
        return PROPOSAL_PERMS.get(getattr(self, "action", None) or "", "accounts.view_user")

    def _decide(self, request, decide) -> Response:
        proposal = self.get_object()
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            decide(request.user, proposal, note=form.validated_data.get("note", ""))
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        proposal.refresh_from_db()
        return Response(self.get_serializer(proposal).data)

    @extend_schema(request=DecisionSerializer, responses=RoleProposalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_role)

    @extend_schema(request=DecisionSerializer, responses=RoleProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.reject_role)
