from rest_framework.routers import DefaultRouter

from .views import ActivityViewSet, ParticipationViewSet

router = DefaultRouter()
router.register("activities", ActivityViewSet, basename="activity")
router.register("participations", ParticipationViewSet, basename="participation")
urlpatterns = router.urls
