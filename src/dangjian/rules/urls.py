from django.urls import include, path

from . import views

app_name = "rules"
urlpatterns: list = [
    path("", views.RuleListView.as_view(), name="rule_list"),
    path("rule/<str:rule_id>/", views.RuleDetailView.as_view(), name="rule_detail"),
    path("rule/<str:rule_id>/switch/", views.RuleSwitchView.as_view(), name="rule_switch"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/cell/", views.ComplianceCellView.as_view(), name="compliance_cell"),
    path("compliance/behind/", views.ComplianceBehindView.as_view(), name="compliance_behind"),
    path("exemptions/", views.ExemptionListView.as_view(), name="exemption_list"),
    path("exemptions/add/", views.ExemptionEditView.as_view(), name="exemption_add"),
    path("exemptions/<int:pk>/", views.ExemptionDetailView.as_view(), name="exemption_detail"),
    path("exemptions/<int:pk>/edit/", views.ExemptionEditView.as_view(), name="exemption_edit"),
    path(
        "exemptions/<int:pk>/delete/", views.ExemptionDeleteView.as_view(), name="exemption_delete"
    ),
]
urlpatterns.append(path("", include("dangjian.rules.urls_reminders")))  # sweep, inbox, holidays
