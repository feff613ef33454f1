from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dangjian.core.orgpicker import OrgSearchView

# JSON for an unmatched /api/ path, the 404 page elsewhere.
handler404 = "dangjian.core.api_views.not_found"

urlpatterns = [
    path("", include("dangjian.web.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    # The org picker's name search (core.orgpicker), scoped like every choice of an org.
    path("orgs/pick/", OrgSearchView.as_view(), name="org-pick"),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("recruitment/", include("dangjian.recruitment.urls")),
    path("audit/", include("dangjian.audit.urls")),
    path("activities/", include("dangjian.activities.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("rules/", include("dangjian.rules.urls")),
    path("assessments/", include("dangjian.assessments.urls")),
    path("honors/", include("dangjian.honors.urls")),
    path("cases/", include("dangjian.cases.urls")),
    path("integrity/", include("dangjian.integrity.urls")),
    path("training/", include("dangjian.training.urls")),
    path("volunteers/", include("dangjian.volunteers.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("", include("dangjian.selfservice.urls")),
    path("import/", include("dangjian.core.import_urls")),
    path("api/", include("dangjian.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="web/swagger_ui.html"
        ),
        name="api-docs",
    ),
]
