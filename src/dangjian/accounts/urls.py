from django.urls import path

from . import views, views_mfa, views_roles

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views_mfa.SecondFactorView.as_view(), name="login_otp"),
    path("login/enrol/", views_mfa.EnrolView.as_view(), name="login_enrol"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("mfa/", views_mfa.MfaSettingsView.as_view(), name="mfa"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserCreateView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/active/", views.UserSetActiveView.as_view(), name="user_set_active"),
    path("users/<int:pk>/expiry/", views.UserExpiryView.as_view(), name="user_expiry"),
    path(
        "users/<int:pk>/roles/propose/",
        views_roles.RoleProposeView.as_view(),
        name="role_propose",
    ),
    path("users/<int:pk>/roles/revoke/", views_roles.RoleRevokeView.as_view(), name="role_revoke"),
    path("role-proposals/", views_roles.RoleProposalListView.as_view(), name="role_proposal_list"),
    path(
        "role-proposals/<int:pk>/approve/",
        views_roles.RoleDecisionView.as_view(approve=True),
        name="role_approve",
    ),
    path(
        "role-proposals/<int:pk>/reject/",
        views_roles.RoleDecisionView.as_view(approve=False),
        name="role_reject",
    ),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/mfa/reset/", views_mfa.MfaResetView.as_view(), name="user_mfa_reset"),
]
