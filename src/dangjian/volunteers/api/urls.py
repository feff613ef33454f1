from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("communities", views.CommunityViewSet, basename="community")
router.register(
    "community-registrations", views.RegistrationViewSet, basename="communityregistration"
)
router.register("community-feedback", views.FeedbackViewSet, basename="communityfeedback")
router.register("task-forces", views.TaskForceViewSet, basename="taskforce")
urlpatterns = router.urls
