"""Only the core API routes (metrics) and the schema, independent of the other apps' URLs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("api/", include("dangjian.core.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
