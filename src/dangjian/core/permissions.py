"""API permission and pagination classes (kept apart from viewsets: DRF settings import them early)."""

from __future__ import annotations

from rest_framework import pagination, permissions

from .scoping import has_any_scope, has_global_perm

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "per_page"
    max_page_size = 500


class ScopedPermission(permissions.BasePermission):
    """401 for anonymous, 403 when the user holds the action nowhere.

    Object-level scope is enforced by the queryset (out of scope → 404), never here.
    Views that are not about org data declare `global_perm` instead.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        global_perm = getattr(view, "global_perm", None)
        if global_perm:
            return has_global_perm(request.user, global_perm)
        model = getattr(view, "scoped_model", None) or getattr(
            getattr(view, "queryset", None), "model", None
        )
        if model is None:
            return True
        action = METHOD_ACTIONS.get(request.method or "GET", "view")
        return has_any_scope(request.user, model, action)


class ActionScopedPermission(ScopedPermission):
    """ScopedPermission, with the scope action of a custom viewset action taken from the
    view's `action_scopes` (e.g. `{"release": "change"}`) instead of the HTTP method."""

    def has_permission(self, request, view) -> bool:
        scopes = getattr(view, "action_scopes", {})
        if getattr(view, "action", None) in scopes:
            if not request.user or not request.user.is_authenticated:
                return False
            return has_any_scope(request.user, view.queryset.model, scopes[view.action])
        return super().has_permission(request, view)
