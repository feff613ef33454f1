"""Reminder pages, included into the `rules` namespace by `rules/urls.py`."""

from django.urls import path

from . import views_reminders as views

urlpatterns = [
    path("term-sweep/", views.SweepView.as_view(), name="sweep"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path(
        "inbox/read-group/",
        views.NotificationGroupReadView.as_view(),
        name="notification_read_group",
    ),
    path("inbox/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
    path("inbox/<int:pk>/open/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("holidays/", views.HolidayView.as_view(), name="holidays"),
]
