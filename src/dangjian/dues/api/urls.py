from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("dues-bases", views.DuesBaseViewSet, basename="duesbase")
router.register("dues", views.DuesDueViewSet, basename="duesdue")
router.register("dues-payments", views.DuesPaymentViewSet, basename="duespayment")
router.register("dues-reductions", views.DuesReductionViewSet, basename="duesreduction")
router.register("dues-remittances", views.DuesRemittanceViewSet, basename="duesremittance")
urlpatterns = router.urls
