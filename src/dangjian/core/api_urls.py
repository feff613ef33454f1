from django.urls import path
from rest_framework.routers import DefaultRouter

from .api_views import MetricDetailView, MetricListView

router = DefaultRouter()
urlpatterns = [
    path("metrics/", MetricListView.as_view(), name="metric-list"),
    path("metrics/<str:metric_id>/", MetricDetailView.as_view(), name="metric-detail"),
    *router.urls,
]
