from rest_framework.routers import DefaultRouter

from .views import CommitteePostViewSet, OrganizationViewSet, TermViewSet, UnitViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="organization")
router.register("units", UnitViewSet, basename="unit")
router.register("terms", TermViewSet, basename="term")
router.register("committee-posts", CommitteePostViewSet, basename="committeepost")
urlpatterns = router.urls
