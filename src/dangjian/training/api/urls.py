from rest_framework.routers import DefaultRouter

from .views import EnrolmentViewSet, TrainingClassViewSet

router = DefaultRouter()
router.register("training-classes", TrainingClassViewSet, basename="trainingclass")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
urlpatterns = router.urls
