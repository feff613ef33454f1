"""/api/users/: account admins only (global permissions of the 系统管理员 role)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins, viewsets

from ..filtersets import UserFilterSet
from ..models import RoleAssignment, User
from .serializers import UserSerializer

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
