from django.urls import path
from rest_framework.routers import DefaultRouter

from dangjian.rules import api_reminders
from dangjian.rules.api import views

router = DefaultRouter()
router.register("rules", views.RuleViewSet, basename="rule")
router.register("rule-exemptions", views.RuleExemptionViewSet, basename="ruleexemption")
router.register("notifications", api_reminders.NotificationViewSet, basename="notification")
urlpatterns = router.urls
urlpatterns.append(path("compliance/", views.ComplianceView.as_view(), name="compliance"))
urlpatterns.append(path("term-sweep/", api_reminders.TermSweepView.as_view(), name="term-sweep"))
