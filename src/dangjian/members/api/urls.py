from rest_framework.routers import DefaultRouter

from .views import ExemptionViewSet, MemberViewSet, TransferViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("exemptions", ExemptionViewSet, basename="exemption")
router.register("transfers", TransferViewSet, basename="transfer")
urlpatterns = router.urls
