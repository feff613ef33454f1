from rest_framework.routers import DefaultRouter

from .views import RoleProposalViewSet, UserViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("role-proposals", RoleProposalViewSet, basename="role-proposal")
urlpatterns = router.urls
