from django.urls import path

from . import notice_views, record, views

app_name = "activities"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("record/", record.RecordView.as_view(), name="activity_add"),
    path("record/agenda-row/", record.agenda_row, name="agenda_row"),
    path("notices/", notice_views.NoticeListView.as_view(), name="notice_list"),
    path("notices/add/", notice_views.NoticeEditView.as_view(), name="notice_add"),
    path("notices/<int:pk>/", notice_views.NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/edit/", notice_views.NoticeEditView.as_view(), name="notice_edit"),
    path("<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("<int:pk>/edit/", record.RecordView.as_view(), name="activity_edit"),
    path("<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attachment_upload"),
    path(
        "attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"
    ),
    path(
        "attachments/<int:pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="attachment_delete",
    ),
    path("members/<int:pk>/", views.MemberHistoryView.as_view(), name="member_history"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/add/", views.TagEditView.as_view(), name="tag_add"),
    path("tags/<int:pk>/edit/", views.TagEditView.as_view(), name="tag_edit"),
]
