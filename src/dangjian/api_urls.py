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
    path("", include("dangjian.honors.api.urls")),
    path("", include("dangjian.cases.api.urls")),
    path("", include("dangjian.integrity.api.urls")),
    path("", include("dangjian.training.api.urls")),
    path("", include("dangjian.volunteers.api.urls")),
    path("", include("dangjian.selfservice.api.urls")),
    path("", include("dangjian.reports.api.urls")),
]
