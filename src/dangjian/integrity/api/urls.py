from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("risk-reviews", views.RiskReviewViewSet, basename="riskreview")
router.register("risk-submissions", views.RiskSubmissionViewSet, basename="risksubmission")
router.register("risk-points", views.RiskPointViewSet, basename="riskpoint")
router.register("measures", views.MeasureViewSet, basename="integritymeasure")
router.register("institutions", views.InstitutionViewSet, basename="integrityinstitution")
urlpatterns = router.urls
