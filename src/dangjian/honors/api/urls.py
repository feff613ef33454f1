from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("honor-rounds", views.HonorRoundViewSet, basename="honorround")
router.register("nominations", views.NominationViewSet, basename="nomination")
router.register("honors", views.HonorViewSet, basename="honor")
urlpatterns = router.urls
