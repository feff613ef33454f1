"""督查考评 API: scoped viewsets; every write goes through campaigns / services.

Custom actions name the scope action they need (`action_scopes`): e.g. submitting a
rectification is a change of it (the answering org holds change_rectification, not add).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core import services as core_services
from dangjian.core.api import ActionScopedPermission, ScopedActionsMixin, ScopedModelViewSet
from dangjian.core.permissions import ScopedPermission
from dangjian.orgs.models import Organization

from .. import campaigns, frameworks, negative_list, services
from ..filtersets import (
    AssessmentFilterSet,
    CampaignFilterSet,
    FindingFilterSet,
    ItemResultFilterSet,
    RectificationFilterSet,
)
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Finding,
    Framework,
    FrameworkItem,
    ItemResult,
    Rectification,
    RectificationEvidence,
)
from . import serializers as s


def api_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Frameworks are shared reference data: any holder of view_framework reads them all."""

    queryset = Framework.objects.order_by("code", "-version")
    permission_classes = [ActionScopedPermission]
    action_scopes = {"import_file": "add"}
    filterset_fields = ["code", "is_current"]

    def get_queryset(self):
        if self.action == "retrieve":
            return self.queryset.prefetch_related(
                Prefetch("items", queryset=FrameworkItem.objects.select_related("parent"))
            )
        return self.queryset.all()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.FrameworkDetailSerializer
        if self.action == "import_file":
            return s.FrameworkImportSerializer
        return s.FrameworkSerializer

    @extend_schema(request=s.FrameworkImportSerializer, responses=s.FrameworkDetailSerializer)
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            fw = frameworks.import_framework(
                request.user, data.validated_data["text"], data.validated_data["filename"]
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(s.FrameworkDetailSerializer(fw).data, status=status.HTTP_201_CREATED)


class CampaignViewSet(ScopedActionsMixin, ScopedModelViewSet):
    queryset = (
        Campaign.objects.select_related("scope_org")
        .annotate(
            n_targets=Count("assessments"),
            n_done=Count("assessments", filter=Q(assessments__status=AssessmentStatus.DONE)),
        )
        .order_by("-period_start", "-pk")
    )
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilterSet
    action_scopes = {"redraw": "change", "release": "change", "add_targets": "change"}

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.CampaignUpdateSerializer
        if self.action == "add_targets":
            return s.AddTargetsSerializer
        if self.action == "redraw":
            return s.RedrawSerializer
        if self.action == "release":
            return s.ReleaseSerializer
        return s.CampaignSerializer

    def perform_destroy(self, instance):
        try:
            campaigns.delete_campaign(self.request.user, instance)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc

    def _answer(self, campaign: Campaign, code=status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=campaign.pk)
        return Response(
            s.CampaignSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        manual_ids = data.pop("manual_targets", [])
        manual = list(Organization.objects.restrict(request.user, "view").filter(pk__in=manual_ids))
        if len(manual) != len(set(manual_ids)):
            raise ValidationError(
                {"manual_targets": ["指定的检查对象中有不存在或不在您管辖范围内的组织。"]}
            )
        try:
            campaign = campaigns.create_campaign(request.user, manual_targets=manual, **data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(campaign, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        ser = self.get_serializer(campaign, data=request.data, partial=kwargs.get("partial", False))
        ser.is_valid(raise_exception=True)
        try:
            campaign = campaigns.update_campaign(request.user, campaign, **ser.validated_data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(campaign)

    @extend_schema(request=s.RedrawSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def redraw(self, request, pk=None):
        campaign = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            campaign = campaigns.redraw(request.user, campaign, **ser.validated_data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(campaign)

    @extend_schema(request=s.AddTargetsSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="add-targets")
    def add_targets(self, request, pk=None):
        campaign = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ids = set(ser.validated_data["targets"])
        orgs = list(Organization.objects.restrict(request.user, "view").filter(pk__in=ids))
        if len(orgs) != len(ids):
            raise ValidationError(
                {"targets": ["增加的检查对象中有不存在或不在您管辖范围内的组织。"]}
            )
        try:
            campaigns.add_targets(request.user, campaign, orgs)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(campaign)

    @extend_schema(request=s.ReleaseSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        campaign = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            campaign = campaigns.release_results(
                request.user, campaign, released=ser.validated_data["released"]
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(campaign)


class AssessmentViewSet(ScopedActionsMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Assessment.objects.select_related("campaign", "target", "unit_org").defer(
        "campaign__sampling_plan"
    )
    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilterSet
    action_scopes = {"results": "change", "set_status": "change"}

    def get_serializer_class(self):
        if self.action == "results":
            return s.ResultsSerializer
        if self.action == "set_status":
            return s.StatusSerializer
        return s.AssessmentSerializer

    def _answer(self, assessment: Assessment) -> Response:
        fresh = self.queryset.get(pk=assessment.pk)
        return Response(s.AssessmentSerializer(fresh).data)

    @extend_schema(request=s.ResultsSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        assessment = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            assessment = services.save_results(request.user, assessment, ser.validated_data["rows"])
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(assessment)

    @extend_schema(request=s.StatusSerializer, responses=s.AssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        assessment = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        if ser.validated_data["status"] not in AssessmentStatus.values:
            raise ValidationError(
                {"status": ["状态应为 planned、in_progress、in_review 或 done 之一。"]}
            )
        try:
            assessment = services.set_status(request.user, assessment, ser.validated_data["status"])
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(assessment)


class ItemResultViewSet(ScopedActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Item results, read-only: they are written through the assessment's `results` action."""

    queryset = ItemResult.objects.select_related("item", "assessment").order_by(
        "assessment_id", "item__order"
    )
    serializer_class = s.ItemResultSerializer
    filterset_class = ItemResultFilterSet


class FindingViewSet(ScopedActionsMixin, ScopedModelViewSet):
    queryset = Finding.objects.select_related("org", "rectification", "item")
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilterSet

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        user = request.user
        assessment = item = org = None
        if data.get("assessment_id"):
            assessment = get_object_or_404(
                Assessment.objects.restrict(user, "change").select_related("campaign"),
                pk=data["assessment_id"],
            )
        if data.get("item_id"):
            item = get_object_or_404(FrameworkItem, pk=data["item_id"])
        if data.get("org_id"):
            org = get_object_or_404(Organization.objects.restrict(user, "view"), pk=data["org_id"])
        if assessment is None and org is None:
            raise ValidationError({"org": ["请指定存在问题的组织，或问题所属的检查对象。"]})
        if not data.get("text", "").strip():
            raise ValidationError({"text": ["请填写问题描述。"]})
        try:
            finding = services.raise_finding(
                user,
                text=data["text"],
                org=org,
                assessment=assessment,
                item=item,
                category=data.get("category", ""),
                severity=data.get("severity", "general"),
                found_on=data.get("found_on"),
                deadline=data.get("deadline"),
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        fresh = self.queryset.get(pk=finding.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = serializer.validated_data
        for moved in ("org_id", "assessment_id", "item_id"):
            if moved in data and data[moved] != getattr(serializer.instance, moved):
                raise ValidationError(
                    {
                        moved.removesuffix("_id"): [
                            "问题登记后不能更换组织、检查对象或条目；请删除后重新登记。"
                        ]
                    }
                )
        # the deadline is the rectification's; the org, check and item were refused above
        fixed = ("org_id", "assessment_id", "item_id", "deadline")
        try:
            services.update_finding(
                self.request.user,
                serializer.instance,
                **{k: v for k, v in data.items() if k not in fixed},
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc

    def perform_destroy(self, instance):
        services.delete_finding(self.request.user, instance)


class RectificationViewSet(ScopedActionsMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Rectification.objects.select_related("finding__item", "org").prefetch_related(
        Prefetch("files", queryset=RectificationEvidence.objects.order_by("id"))
    )
    serializer_class = s.RectificationSerializer
    filterset_class = RectificationFilterSet
    action_scopes = {"submit": "change", "verify": "view"}

    def get_serializer_class(self):
        if self.action == "submit":
            return s.SubmitSerializer
        if self.action == "verify":
            return s.VerifySerializer
        return s.RectificationSerializer

    def _answer(self, r: Rectification) -> Response:
        return Response(s.RectificationSerializer(self.queryset.get(pk=r.pk)).data)

    @extend_schema(request=s.SubmitSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        r = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            r = services.submit_rectification(
                request.user, r, files=request.FILES.getlist("files"), **ser.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(r)

    @extend_schema(request=s.VerifySerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        r = self.get_object()
        if not services.can_verify(request.user, r):
            core_services.emit("permission_denied", r, outcome="failure", path=request.path)
            raise PermissionDenied("只有提出问题的组织可以审核销号。")
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            r = services.verify_rectification(request.user, r, **ser.validated_data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self._answer(r)


class NegativeListAPIView(APIView):
    """负面清单 as JSON: GET ?year= | ?campaign= [&campaign_type=] [&within=]."""

    permission_classes = [ScopedPermission]
    scoped_model = Finding

    @extend_schema(parameters=[s.NegativeListQuerySerializer], responses=s.NegativeListSerializer)
    def get(self, request):
        q = s.NegativeListQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        params = q.validated_data
        if "year" not in params and "campaign" not in params:
            raise ValidationError(
                {"year": ["请指定年度（year=2024）或督查活动（campaign=编号）。"]}
            )
        user = request.user
        if "campaign" in params:
            get_object_or_404(Campaign.objects.restrict(user, "view"), pk=params["campaign"])
        within = None
        if "within" in params:
            within = get_object_or_404(
                Organization.objects.restrict(user, "view"), pk=params["within"]
            )
        try:
            nl = negative_list.build(
                user,
                year=params.get("year"),
                campaign_id=params.get("campaign"),
                campaign_type=params.get("campaign_type"),
                within=within,
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(s.NegativeListSerializer(nl).data)
