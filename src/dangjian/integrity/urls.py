from django.urls import path

from . import views

app_name = "integrity"
urlpatterns = [
    path("", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/add/", views.ReviewEditView.as_view(), name="review_add"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:pk>/edit/", views.ReviewEditView.as_view(), name="review_edit"),
    path("reviews/<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="review_delete"),
    path("registers/", views.SubmissionListView.as_view(), name="submission_list"),
    path("registers/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path(
        "registers/<int:pk>/submit/", views.SubmissionSubmitView.as_view(), name="submission_submit"
    ),
    path(
        "registers/<int:pk>/delete/", views.SubmissionDeleteView.as_view(), name="submission_delete"
    ),
    path("points/", views.PointListView.as_view(), name="point_list"),
    path("points/add/", views.PointEditView.as_view(), name="point_add"),
    path("points/<int:pk>/", views.PointDetailView.as_view(), name="point_detail"),
    path("points/<int:pk>/edit/", views.PointEditView.as_view(), name="point_edit"),
    path("points/<int:pk>/delete/", views.PointDeleteView.as_view(), name="point_delete"),
    path("measures/", views.MeasureListView.as_view(), name="measure_list"),
    path("measures/add/", views.MeasureEditView.as_view(), name="measure_add"),
    path("measures/<int:pk>/", views.MeasureDetailView.as_view(), name="measure_detail"),
    path("measures/<int:pk>/edit/", views.MeasureEditView.as_view(), name="measure_edit"),
    path("measures/<int:pk>/delete/", views.MeasureDeleteView.as_view(), name="measure_delete"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution_list"),
    path("institutions/add/", views.InstitutionEditView.as_view(), name="institution_add"),
    path(
        "institutions/<int:pk>/", views.InstitutionDetailView.as_view(), name="institution_detail"
    ),
    path(
        "institutions/<int:pk>/edit/",
        views.InstitutionEditView.as_view(),
        name="institution_edit",
    ),
    path(
        "institutions/<int:pk>/delete/",
        views.InstitutionDeleteView.as_view(),
        name="institution_delete",
    ),
]
