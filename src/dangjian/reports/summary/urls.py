"""年度工作总结: the preview, the .docx download and the 工委's templates (names reports:…)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.SummaryView.as_view(), name="summary"),
    path("download/", views.SummaryDownloadView.as_view(), name="summary_download"),
    path("templates/", views.TemplateListView.as_view(), name="summary_templates"),
]
