from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("communities/", views.CommunityListView.as_view(), name="community_list"),
    path("communities/add/", views.CommunityEditView.as_view(), name="community_add"),
    path("communities/<int:pk>/", views.CommunityDetailView.as_view(), name="community_detail"),
    path("communities/<int:pk>/edit/", views.CommunityEditView.as_view(), name="community_edit"),
    path(
        "communities/<int:pk>/delete/",
        views.CommunityDeleteView.as_view(),
        name="community_delete",
    ),
    path("registrations/", views.RegistrationListView.as_view(), name="registration_list"),
    path("registrations/add/", views.RegistrationEditView.as_view(), name="registration_add"),
    path(
        "registrations/<int:pk>/",
        views.RegistrationDetailView.as_view(),
        name="registration_detail",
    ),
    path(
        "registrations/<int:pk>/edit/",
        views.RegistrationEditView.as_view(),
        name="registration_edit",
    ),
    path(
        "registrations/<int:pk>/delete/",
        views.RegistrationDeleteView.as_view(),
        name="registration_delete",
    ),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("services/add/", views.ServiceRecordEditView.as_view(), name="servicerecord_add"),
    path(
        "services/<int:pk>/edit/",
        views.ServiceRecordEditView.as_view(),
        name="servicerecord_edit",
    ),
    path(
        "services/<int:pk>/delete/",
        views.ServiceRecordDeleteView.as_view(),
        name="servicerecord_delete",
    ),
    path("feedback/", views.FeedbackListView.as_view(), name="feedback_list"),
    path("feedback/add/", views.FeedbackEditView.as_view(), name="feedback_add"),
    path("feedback/<int:pk>/", views.FeedbackDetailView.as_view(), name="feedback_detail"),
    path("feedback/<int:pk>/edit/", views.FeedbackEditView.as_view(), name="feedback_edit"),
    path("feedback/<int:pk>/delete/", views.FeedbackDeleteView.as_view(), name="feedback_delete"),
    path("task-forces/", views.TaskForceListView.as_view(), name="taskforce_list"),
    path("task-forces/add/", views.TaskForceEditView.as_view(), name="taskforce_add"),
    path("task-forces/<int:pk>/", views.TaskForceDetailView.as_view(), name="taskforce_detail"),
    path("task-forces/<int:pk>/edit/", views.TaskForceEditView.as_view(), name="taskforce_edit"),
    path(
        "task-forces/<int:pk>/delete/",
        views.TaskForceDeleteView.as_view(),
        name="taskforce_delete",
    ),
    path(
        "task-forces/<int:pk>/members/add/",
        views.TaskForceMemberAddView.as_view(),
        name="taskforce_member_add",
    ),
    path(
        "task-force-members/<int:pk>/edit/",
        views.TaskForceMemberEditView.as_view(),
        name="taskforcemember_edit",
    ),
    path(
        "task-force-members/<int:pk>/delete/",
        views.TaskForceMemberDeleteView.as_view(),
        name="taskforcemember_delete",
    ),
]
