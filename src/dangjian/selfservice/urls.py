from django.urls import path

from . import views

app_name = "selfservice"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("member-accounts/", views.MemberAccountListView.as_view(), name="account_list"),
    path("member-accounts/open/", views.OpenAccountsView.as_view(), name="account_open"),
    path(
        "member-accounts/<int:pk>/",
        views.MemberAccountDetailView.as_view(),
        name="account_detail",
    ),
    path(
        "member-accounts/<int:pk>/reset-password/",
        views.ResetPasswordView.as_view(),
        name="account_reset",
    ),
]
