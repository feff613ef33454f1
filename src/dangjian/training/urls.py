from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.ClassListView.as_view(), name="class_list"),
    path("classes/add/", views.ClassEditView.as_view(), name="class_add"),
    path("classes/<int:pk>/", views.ClassDetailView.as_view(), name="class_detail"),
    path("classes/<int:pk>/edit/", views.ClassEditView.as_view(), name="class_edit"),
    path("classes/<int:pk>/delete/", views.ClassDeleteView.as_view(), name="class_delete"),
    path("classes/<int:pk>/enrol/", views.EnrolView.as_view(), name="class_enrol"),
    path("classes/<int:pk>/sessions/add/", views.SessionAddView.as_view(), name="session_add"),
    path(
        "sessions/<int:session>/attendance/",
        views.AttendanceView.as_view(),
        name="session_attendance",
    ),
    path(
        "classes/<int:pk>/certificates/",
        views.CertificateListView.as_view(),
        name="class_certificates",
    ),
    path("enrolments/", views.EnrolmentListView.as_view(), name="enrolment_list"),
    path("enrolments/<int:pk>/", views.EnrolmentDetailView.as_view(), name="enrolment_detail"),
    path(
        "enrolments/<int:pk>/certificate/",
        views.CertificateView.as_view(),
        name="enrolment_certificate",
    ),
    path(
        "enrolments/<int:pk>/status/", views.EnrolmentStatusView.as_view(), name="enrolment_status"
    ),
    path(
        "enrolments/<int:pk>/delete/", views.EnrolmentDeleteView.as_view(), name="enrolment_delete"
    ),
]
