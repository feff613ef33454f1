from django.urls import path

from . import views

app_name = "honors"
urlpatterns = [
    path("", views.RoundListView.as_view(), name="round_list"),
    path("add/", views.RoundEditView.as_view(), name="round_add"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("<int:pk>/edit/", views.RoundEditView.as_view(), name="round_edit"),
    path("<int:pk>/quotas/", views.RoundQuotaView.as_view(), name="round_quotas"),
    path("<int:pk>/publicize/", views.RoundPublicizeView.as_view(), name="round_publicize"),
    path("<int:pk>/decide/", views.RoundDecideView.as_view(), name="round_decide"),
    path("nominations/", views.NominationListView.as_view(), name="nomination_list"),
    path("nominations/add/", views.NominationAddView.as_view(), name="nomination_add"),
    path("nominations/<int:pk>/", views.NominationDetailView.as_view(), name="nomination_detail"),
    path(
        "nominations/<int:pk>/review/",
        views.NominationReviewView.as_view(),
        name="nomination_review",
    ),
    path(
        "nominations/<int:pk>/withdraw/",
        views.NominationWithdrawView.as_view(),
        name="nomination_delete",
    ),
    path("honors/", views.HonorListView.as_view(), name="honor_list"),
    path("honors/add/", views.HonorEditView.as_view(), name="honor_add"),
    path("honors/<int:pk>/", views.HonorDetailView.as_view(), name="honor_detail"),
    path("honors/<int:pk>/edit/", views.HonorEditView.as_view(), name="honor_edit"),
    path("honors/<int:pk>/delete/", views.HonorDeleteView.as_view(), name="honor_delete"),
]
