from rest_framework.routers import DefaultRouter

from .plans import PlanViewSet
from .views import (
    ApplicantViewSet,
    AttachmentViewSet,
    FormNumberViewSet,
    PartyProbationViewSet,
    PoolViewSet,
    StepViewSet,
)

router = DefaultRouter()
router.register("recruitment/applicants", ApplicantViewSet, basename="recruitment-applicant")
router.register("recruitment/steps", StepViewSet, basename="recruitment-step")
router.register("recruitment/attachments", AttachmentViewSet, basename="recruitment-attachment")
router.register("recruitment/pools", PoolViewSet, basename="recruitment-pool")
router.register("recruitment/form-numbers", FormNumberViewSet, basename="recruitment-formnumber")
router.register(
    "recruitment/party-probations", PartyProbationViewSet, basename="recruitment-partyprobation"
)
router.register("recruitment/plans", PlanViewSet, basename="recruitment-plan")
urlpatterns = router.urls
