from rest_framework.routers import DefaultRouter

from .views import BrandViewSet, CaseAwardViewSet, CaseFileViewSet, CaseRatingViewSet, CaseViewSet

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("case-ratings", CaseRatingViewSet, basename="case-rating")
router.register("case-awards", CaseAwardViewSet, basename="case-award")
router.register("case-files", CaseFileViewSet, basename="case-file")
router.register("brands", BrandViewSet, basename="brand")
urlpatterns = router.urls
