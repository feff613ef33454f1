from django.urls import include, path

app_name = "reports"
# Each part keeps its own URLs (no namespace of its own): names are reports:<name>.
urlpatterns = [
    path("", include("dangjian.reports.dashboards.urls")),
    path("summary/", include("dangjian.reports.summary.urls")),
    path("statistics/", include("dangjian.reports.statistics.urls")),
]
