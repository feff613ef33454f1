"""URLconfs for navigation tests: every named page the menu may link to, as stubs.

The real pages belong to other apps; these stand-ins make the menu tests independent of
which of them are wired, and `urlpatterns_without` drops some to test that a missing
module is simply left out of the menu.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import include, path

from dangjian.web import views as web_views

NAMED_PAGES = {
    "accounts": ["login", "logout", "password_change", "user_list"],
    "orgs": ["tree", "organization_list", "unit_list", "organization_detail"],
    "members": ["member_list"],
    "activities": ["activity_list"],
    "imports": ["index"],
    "audit": ["event_list"],
    "rules": ["compliance", "rule_list", "exemption_list"],
    "assessments": [
        "campaign_list",
        "rectification_board",
        "finding_list",
        "negative_list",
        "framework_list",
    ],
}


def stub(request, *args, **kwargs):
    return HttpResponse("stub")


def forbidden(request):
    raise PermissionDenied("没有权限。")


def urlpatterns_without(*namespaces: str) -> list:
    patterns = [
        path("", include(([path("", web_views.home, name="home")], "web"))),
        path("api/docs/", stub, name="api-docs"),
        path("forbidden/", forbidden),
    ]
    for namespace, names in NAMED_PAGES.items():
        if namespace in namespaces:
            continue
        # detail pages take the object's pk, as the real ones do
        sub = [
            path(f"{name}/<int:pk>/" if name.endswith("_detail") else f"{name}/", stub, name=name)
            for name in names
        ]
        patterns.append(path(f"{namespace}/", include((sub, namespace))))
    return patterns


urlpatterns = urlpatterns_without()
