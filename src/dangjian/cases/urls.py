from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="case_list"),
    path("add/", views.CaseEditView.as_view(), name="case_add"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("<int:pk>/delete/", views.CaseDeleteView.as_view(), name="case_delete"),
    path("<int:pk>/submit/", views.CaseSubmitView.as_view(), name="case_submit"),
    path("<int:pk>/rate/", views.CaseRateView.as_view(), name="case_rate"),
    path("<int:pk>/files/", views.CaseFileUploadView.as_view(), name="file_upload"),
    path("<int:pk>/awards/add/", views.AwardAddView.as_view(), name="award_add"),
    path("files/<int:pk>/", views.CaseFileDownloadView.as_view(), name="file_download"),
    path("files/<int:pk>/delete/", views.CaseFileDeleteView.as_view(), name="file_delete"),
    path("awards/", views.AwardListView.as_view(), name="award_list"),
    path("awards/<int:pk>/edit/", views.AwardEditView.as_view(), name="award_edit"),
    path("awards/<int:pk>/delete/", views.AwardDeleteView.as_view(), name="award_delete"),
    path("brands/", views.BrandListView.as_view(), name="brand_list"),
    path("brands/add/", views.BrandEditView.as_view(), name="brand_add"),
    path("brands/<int:pk>/", views.BrandDetailView.as_view(), name="brand_detail"),
    path("brands/<int:pk>/edit/", views.BrandEditView.as_view(), name="brand_edit"),
    path("brands/<int:pk>/delete/", views.BrandDeleteView.as_view(), name="brand_delete"),
]
