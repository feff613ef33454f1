from rest_framework.routers import DefaultRouter

from .views import ExemptionViewSet, ExitViewSet, MemberViewSet, TransferViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("exemptions", ExemptionViewSet, basename="exemption")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("exits", ExitViewSet, basename="exit")
urlpatterns = router.urls
