"""督查考评 pages."""

from django.urls import path

from . import views, views_assessment, views_findings

app_name = "assessments"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/add/", views.CampaignCreateView.as_view(), name="campaign_add"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/release/", views.CampaignReleaseView.as_view(), name="campaign_release"
    ),
    path("campaigns/<int:pk>/status/", views.CampaignStatusView.as_view(), name="campaign_status"),
    path("campaigns/<int:pk>/quota/", views.QuotaRatingView.as_view(), name="campaign_quota"),
    path(
        "campaigns/<int:pk>/add-targets/",
        views.AddTargetsView.as_view(),
        name="campaign_add_targets",
    ),
    path("campaigns/<int:pk>/sampling/", views.SamplingView.as_view(), name="sampling"),
    path("campaigns/<int:pk>/redraw/", views.RedrawView.as_view(), name="redraw"),
    path("frameworks/", views.FrameworkListView.as_view(), name="framework_list"),
    path("frameworks/import/", views.FrameworkImportView.as_view(), name="framework_import"),
    path("frameworks/<int:pk>/", views.FrameworkDetailView.as_view(), name="framework_detail"),
    path("frameworks/<int:pk>/yaml/", views.FrameworkYamlView.as_view(), name="framework_yaml"),
    path("targets/", views.AssessmentListView.as_view(), name="assessment_list"),
    path(
        "targets/<int:pk>/",
        views_assessment.AssessmentDetailView.as_view(),
        name="assessment_detail",
    ),
    path(
        "targets/<int:pk>/results/",
        views_assessment.ResultsSaveView.as_view(),
        name="assessment_results",
    ),
    path(
        "targets/<int:pk>/status/",
        views_assessment.AssessmentStatusView.as_view(),
        name="assessment_status",
    ),
    path(
        "targets/<int:pk>/info/",
        views_assessment.AssessmentInfoView.as_view(),
        name="assessment_info",
    ),
    path(
        "targets/<int:pk>/findings/",
        views_assessment.RaiseFindingView.as_view(),
        name="assessment_raise",
    ),
    path(
        "targets/<int:pk>/evidence/",
        views_assessment.EvidenceUploadView.as_view(),
        name="evidence_upload",
    ),
    path(
        "evidence/<int:pk>/",
        views_assessment.EvidenceDownloadView.as_view(),
        name="evidence_download",
    ),
    path("findings/", views_findings.FindingListView.as_view(), name="finding_list"),
    path("findings/add/", views_findings.FindingCreateView.as_view(), name="finding_add"),
    path("findings/<int:pk>/", views_findings.FindingDetailView.as_view(), name="finding_detail"),
    path(
        "rectifications/",
        views_findings.RectificationBoardView.as_view(),
        name="rectification_board",
    ),
    path(
        "rectifications/<int:pk>/",
        views_findings.RectificationDetailView.as_view(),
        name="rectification_detail",
    ),
    path(
        "rectifications/<int:pk>/submit/",
        views_findings.RectificationSubmitView.as_view(),
        name="rectification_submit",
    ),
    path(
        "rectifications/<int:pk>/verify/",
        views_findings.RectificationVerifyView.as_view(),
        name="rectification_verify",
    ),
    path(
        "rectifications/<int:pk>/files/",
        views_findings.RectificationFileUploadView.as_view(),
        name="rectification_file_upload",
    ),
    path(
        "rectification-files/<int:pk>/",
        views_findings.RectificationFileDownloadView.as_view(),
        name="rectification_file_download",
    ),
    path("negative-list/", views_findings.NegativeListView.as_view(), name="negative_list"),
    path("org-panel/<int:pk>/", views_findings.OrgPanelView.as_view(), name="org_panel"),
    path("liaison/<int:pk>/", views_findings.LiaisonProfileView.as_view(), name="liaison_profile"),
]
