from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.LedgerView.as_view(), name="ledger"),
    path("arrears/", views.ArrearsView.as_view(), name="arrears"),
    path("publication/", views.PublicationView.as_view(), name="publication"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("members/<int:pk>/", views.MemberLedgerView.as_view(), name="member_ledger"),
    path("payments/", views.PaymentListView.as_view(), name="payment_list"),
    path("payments/add/", views.PaymentBatchView.as_view(), name="payment_add"),
    path("payments/<int:pk>/", views.PaymentDetailView.as_view(), name="payment_detail"),
    path("payments/<int:pk>/delete/", views.PaymentDeleteView.as_view(), name="payment_delete"),
    path("bases/", views.BaseListView.as_view(), name="base_list"),
    path("bases/add/", views.BaseEditView.as_view(), name="base_add"),
    path("bases/<int:pk>/", views.BaseDetailView.as_view(), name="base_detail"),
    path("bases/<int:pk>/edit/", views.BaseEditView.as_view(), name="base_edit"),
    path("bases/<int:pk>/reveal/", views.BaseRevealView.as_view(), name="base_reveal"),
    path("reductions/", views.ReductionListView.as_view(), name="reduction_list"),
    path("reductions/add/", views.ReductionAddView.as_view(), name="reduction_add"),
    path(
        "reductions/<int:pk>/approve/",
        views.ReductionApproveView.as_view(),
        name="reduction_approve",
    ),
    path("remittances/", views.RemittanceListView.as_view(), name="remittance_list"),
    path(
        "remittances/<int:pk>/confirm/",
        views.RemittanceConfirmView.as_view(),
        name="remittance_confirm",
    ),
]
