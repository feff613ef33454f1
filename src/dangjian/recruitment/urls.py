from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("", views.PipelineView.as_view(), name="pipeline"),
    path("add/", views.ApplicantAddView.as_view(), name="applicant_add"),
    path("plan/", views.PlanView.as_view(), name="plan"),
    path("pools/", views.PoolView.as_view(), name="pools"),
    path("<int:pk>/", views.ApplicantDetailView.as_view(), name="applicant_detail"),
    path("<int:pk>/undo/", views.UndoStepView.as_view(), name="step_undo"),
    path("<int:pk>/number/", views.IssueNumberView.as_view(), name="issue_number"),
    path("<int:pk>/close/", views.ApplicantCloseView.as_view(), name="applicant_close"),
    path("<int:pk>/extend/", views.ExtendView.as_view(), name="probation_extend"),
    path("<int:pk>/reveal/", views.RevealView.as_view(), name="applicant_reveal"),
    path("steps/<int:pk>/attach/", views.AttachView.as_view(), name="step_attach"),
    path("<int:pk>/export/", views.ExportView.as_view(), name="applicant_export"),
    path("files/<int:pk>/", views.StepFileView.as_view(), name="step_file"),
]
