"""Recruitment API: scoped viewsets whose writes go through recruitment.services.

- `applicants/`: list, read, create (with its step 1), change personal fields; actions
  `steps` (record the next step), `close`, `reveal` (audited), `form-number` (issue a
  志愿书 number from a pool), `extend-probation`;
- `steps/`: read; DELETE withdraws the most recent step of an applicant;
- `attachments/`: read (files go up and down through the pages);
- `pools/`: the yearly 志愿书 number pools (read, create);
- `form-numbers/`: issued numbers (read); action `void`;
- `party-probations/`: 留党察看 records (read, create).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedActionsMixin, ScopedModelViewSet
from dangjian.members.models import Member

from .. import services
from ..models import (
    Applicant,
    ApplicationFormNumber,
    ApplicationFormPool,
    PartyProbation,
    RecruitmentStep,
    StepAttachment,
    StepPerson,
)
from .filtersets import (
    ApplicantApiFilterSet,
    AttachmentApiFilterSet,
    FormNumberApiFilterSet,
    PartyProbationApiFilterSet,
    PoolApiFilterSet,
    StepApiFilterSet,
)
from .serializers import (
    ApplicantSerializer,
    CloseSerializer,
    ExtendSerializer,
    FormNumberSerializer,
    IssueNumberSerializer,
    PartyProbationSerializer,
    PoolSerializer,
    RecordStepSerializer,
    RevealSerializer,
    StepAttachmentSerializer,
    StepSerializer,
    VoidSerializer,
)


def _api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


_REVEALED = inline_serializer(
    "RevealedValue", {"field": serializers.CharField(), "value": serializers.CharField()}
)


class ApplicantViewSet(ScopedActionsMixin, ScopedModelViewSet):
    queryset = Applicant.objects.select_related("org", "unit")
    serializer_class = ApplicantSerializer
    filterset_class = ApplicantApiFilterSet
    # A record is closed (终止), never deleted: its history stays.
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_scopes = {
        "steps": "change",
        "close": "change",
        "reveal": "view",
        "form_number": "view",
        "extend_probation": "change",
    }

    def perform_create(self, serializer):
        try:
            serializer.instance = services.create_applicant(
                self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.update_applicant(
                self.request.user, serializer.instance, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc

    @extend_schema(request=RecordStepSerializer, responses=StepSerializer)
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        """Record the next step; a broken rule is a 400 naming the rule and its article."""
        body = RecordStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        applicant = self.get_object()
        try:
            row = services.record_step(request.user, applicant, **body.validated_data)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(StepSerializer(row, context={"request": request}).data, status=201)

    @extend_schema(request=CloseSerializer, responses=ApplicantSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            applicant = services.close_applicant(
                request.user, self.get_object(), data["closed_on"], data["reason"]
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(self.get_serializer(applicant).data)

    @extend_schema(request=RevealSerializer, responses=_REVEALED)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The plaintext of one sensitive field, for a user with the reveal right (audited)."""
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = services.reveal(request.user, self.get_object(), field)
        return Response({"field": field, "value": value})

    @extend_schema(request=IssueNumberSerializer, responses=FormNumberSerializer)
    @action(detail=True, methods=["post"], url_path="form-number")
    def form_number(self, request, pk=None):
        body = IssueNumberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        pool = (
            ApplicationFormPool.objects.restrict(request.user, "view")
            .filter(pk=data["pool"])
            .select_related("org")
            .first()
        )
        if pool is None:
            raise serializers.ValidationError(
                {"pool": ["所选编号段不存在，或不在您的管辖范围内。"]}
            )
        try:
            issued = services.issue_form_number(
                request.user,
                self.get_object(),
                pool,
                issued_on=data.get("issued_on"),
                number=data.get("number"),
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(FormNumberSerializer(issued, context={"request": request}).data, status=201)

    @extend_schema(request=ExtendSerializer, responses=ApplicantSerializer)
    @action(detail=True, methods=["post"], url_path="extend-probation")
    def extend_probation(self, request, pk=None):
        body = ExtendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        applicant = self.get_object()
        try:
            services.extend_probation(
                request.user, applicant, data["months"], data["decided_on"], data.get("reason", "")
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(self.get_serializer(applicant).data)


class StepViewSet(ScopedModelViewSet):
    queryset = RecruitmentStep.objects.select_related("applicant").prefetch_related(
        Prefetch(
            "people",
            queryset=StepPerson.objects.select_related("member").only(
                "id", "step_id", "role", "name", "member__name", "member_id"
            ),
        )
    )
    serializer_class = StepSerializer
    filterset_class = StepApiFilterSet
    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(responses={204: OpenApiResponse(description="已撤销")})
    def destroy(self, request, *args, **kwargs):
        """Withdraw the most recent step of an applicant (a correction)."""
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        try:
            services.delete_last_step(self.request.user, instance)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc


class AttachmentViewSet(ScopedModelViewSet):
    queryset = StepAttachment.objects.all()
    serializer_class = StepAttachmentSerializer
    filterset_class = AttachmentApiFilterSet
    http_method_names = ["get", "head", "options"]


class PoolViewSet(ScopedModelViewSet):
    queryset = ApplicationFormPool.objects.select_related("org")
    serializer_class = PoolSerializer
    filterset_class = PoolApiFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.create_pool(
                self.request.user,
                data["org"],
                data["year"],
                data["first"],
                data["last"],
                data.get("prefix", ""),
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc


class FormNumberViewSet(ScopedActionsMixin, ScopedModelViewSet):
    queryset = ApplicationFormNumber.objects.select_related("applicant", "pool")
    serializer_class = FormNumberSerializer
    filterset_class = FormNumberApiFilterSet
    http_method_names = ["get", "post", "head", "options"]
    action_scopes = {"void": "change"}

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        # Numbers are issued to an applicant: POST /api/recruitment/applicants/{id}/form-number/.
        return Response({"detail": "请通过入党申请人的“发放志愿书编号”办理。"}, status=405)

    @extend_schema(request=VoidSerializer, responses=FormNumberSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            issued = services.void_form_number(
                request.user, self.get_object(), data["voided_on"], data["reason"]
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(self.get_serializer(issued).data)


class PartyProbationViewSet(ScopedModelViewSet):
    queryset = PartyProbation.objects.select_related("member")
    serializer_class = PartyProbationSerializer
    filterset_class = PartyProbationApiFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member: Member = data.pop("member")
        try:
            serializer.instance = services.record_party_probation(self.request.user, member, **data)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
