"""督查考评 API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("item-results", views.ItemResultViewSet, basename="itemresult")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
urlpatterns = [
    path("negative-list/", views.NegativeListAPIView.as_view(), name="negative-list"),
    *router.urls,
]
