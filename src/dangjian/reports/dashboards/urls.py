from django.urls import path

from . import views

# Included by reports/urls.py without a namespace of its own: names are reports:<name>.
urlpatterns = [
    path("", views.metric_list, name="metrics"),
    path("metrics/<slug:group>/", views.metric_group, name="metric_group"),
    path("metric/<str:metric_id>/", views.metric_records, name="metric_records"),
    path("overview/", views.overview, name="overview"),
    path("overview/screen/", views.overview_screen, name="overview_screen"),
    path("unit/<int:org_id>/", views.unit_profile, name="unit_profile"),
]
