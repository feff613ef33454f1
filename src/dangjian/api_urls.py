"""One API router: each app contributes its viewsets in `<app>/api/urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.api_urls")),
    path("", include("dangjian.orgs.api.urls")),
    path("", include("dangjian.members.api.urls")),
    path("", include("dangjian.accounts.api.urls")),
    path("", include("dangjian.activities.api.urls")),
    path("", include("dangjian.dues.api.urls")),
    path("", include("dangjian.recruitment.api.urls")),
    path("", include("dangjian.rules.api.urls")),
    path("", include("dangjian.assessments.api.urls")),
    path("", include("dangjian.selfservice.api.urls")),
]
