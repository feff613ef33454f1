from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="member_list"),
    path("exits/", views.ExitListView.as_view(), name="exit_list"),
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path("<int:pk>/exit/", views.ExitAddView.as_view(), name="exit_add"),
    path("add/", views.MemberEditView.as_view(), name="member_add"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="member_edit"),
    path("<int:pk>/delete/", views.MemberDeleteView.as_view(), name="member_delete"),
    path("<int:pk>/reveal/", views.MemberRevealView.as_view(), name="member_reveal"),
    path("<int:pk>/transfer/", views.MemberTransferView.as_view(), name="member_transfer"),
    path(
        "<int:pk>/probation/extend/", views.ProbationExtendView.as_view(), name="probation_extend"
    ),
    path("<int:pk>/exemptions/add/", views.ExemptionAddView.as_view(), name="exemption_add"),
]
