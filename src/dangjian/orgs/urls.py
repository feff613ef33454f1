from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.TreeView.as_view(), name="tree"),
    path("tree/<int:pk>/children/", views.TreeChildrenView.as_view(), name="tree_children"),
    path("list/", views.OrganizationListView.as_view(), name="organization_list"),
    path("add/", views.OrganizationEditView.as_view(), name="organization_add"),
    path("<int:pk>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("<int:pk>/edit/", views.OrganizationEditView.as_view(), name="organization_edit"),
    path(
        "<int:pk>/dissolve/", views.OrganizationDissolveView.as_view(), name="organization_dissolve"
    ),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("terms/add/", views.TermEditView.as_view(), name="term_add"),
    path("terms/<int:pk>/edit/", views.TermEditView.as_view(), name="term_edit"),
    path("posts/add/", views.CommitteePostEditView.as_view(), name="committeepost_add"),
    path("posts/<int:pk>/edit/", views.CommitteePostEditView.as_view(), name="committeepost_edit"),
    path(
        "posts/<int:pk>/delete/",
        views.CommitteePostDeleteView.as_view(),
        name="committeepost_delete",
    ),
]
