"""`/api/rules/`, `/api/compliance/` and `/api/rule-exemptions/`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core.api import ScopedModelViewSet
from dangjian.core.api_views import parse_year
from dangjian.core.bounds import parse_id
from dangjian.core.permissions import Pagination
from dangjian.core.scoping import holds
from dangjian.orgs.models import Organization

from .. import services
from ..evaluator import VIEW_PERM, Status, evaluate
from ..filtersets import RuleExemptionFilterSet
from ..loader import get_library
from ..models import RuleExemption
from ..switches import enabled_rules, switches
from .serializers import (
    ComplianceCellSerializer,
    RuleExemptionSerializer,
    RuleSerializer,
    RuleSummarySerializer,
)


def rule_data(rules) -> list[dict]:
    state = switches(rules)
    return [
        r.as_dict() | {"enabled": state[r.id].enabled, "locked": state[r.id].locked} for r in rules
    ]


class RuleViewSet(viewsets.ViewSet):
    """The rule library with citations (the regulation text is not org data: any signed-in user)."""

    permission_classes = [IsAuthenticated]
    lookup_field = "id"
    lookup_value_regex = r"[a-z0-9_.]+"

    @extend_schema(responses=RuleSerializer(many=True), summary="规则库")
    def list(self, request):
        rules = list(get_library())
        kind = request.query_params.get("kind")
        if kind:
            rules = [r for r in rules if r.kind == kind]
        return Response(RuleSerializer(rule_data(rules), many=True).data)

    @extend_schema(responses=RuleSerializer, summary="一条规则")
    def retrieve(self, request, id: str):
        library = get_library()
        if id not in library:
            raise NotFound(f"规则库中没有编号为“{id}”的规则。")
        return Response(RuleSerializer(rule_data([library.get(id)])[0]).data)


class ComplianceView(APIView):
    """Compliance of the frequency rules per (org, period) for a year and a subtree."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="compliance_list",
        summary="制度落实情况（每个组织、每个期间）",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="年度（2000–2100，默认今年）"),
            OpenApiParameter(
                "within", OpenApiTypes.INT, description="只看该党组织（编号）及其下级"
            ),
            OpenApiParameter("rule", OpenApiTypes.STR, description="只看一条规则（编号）"),
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="只列出该结果：" + "、".join(Status.ALL)
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("per_page", OpenApiTypes.INT),
        ],
        responses=inline_serializer(
            "CompliancePage",
            {
                "year": serializers.IntegerField(),
                "within": serializers.IntegerField(allow_null=True),
                "summary": RuleSummarySerializer(many=True),
                "count": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": ComplianceCellSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        if not holds(request.user, VIEW_PERM):
            raise PermissionDenied("您没有查看制度落实情况的权限。")
        params = request.query_params
        year = parse_year(params.get("year"))
        within = self.within(request, params.get("within"))
        rules = self.rules(params.get("rule"))
        status = params.get("status") or None
        if status is not None and status not in Status.ALL:
            raise ValidationError({"status": [f"status 应为 {'、'.join(Status.ALL)} 之一。"]})
        evaluation = evaluate(request.user, year, within=within, rules=rules)
        cells = [c for c in evaluation.cells if status is None or c.status == status]
        paginator = Pagination()
        page = paginator.paginate_queryset(cells, request, view=self)
        response = paginator.get_paginated_response([evaluation.cell_dict(c) for c in page or []])
        summary = [s.as_dict() for s in evaluation.summaries().values()]
        response.data = {
            "year": year,
            "within": within.pk if within else None,
            "summary": summary,
        } | response.data
        return response

    @staticmethod
    def within(request, raw):
        if raw in (None, ""):
            return None
        pk = parse_id(raw)
        if pk is None:
            raise ValidationError({"within": ["within 须为党组织编号（正整数）。"]})
        org = Organization.objects.holding(request.user, VIEW_PERM).filter(pk=pk).first()
        if org is None:
            raise NotFound("未找到该党组织。")
        return org

    @staticmethod
    def rules(raw):
        if not raw:
            return [r for r in enabled_rules() if r.is_evaluated]
        library = get_library()
        if raw not in library or not library.get(raw).is_evaluated:
            evaluated = "、".join(r.id for r in library if r.is_evaluated)
            raise ValidationError({"rule": [f"“{raw}”不是按频次检查的规则；可用：{evaluated}。"]})
        rule = library.get(raw)
        return [rule] if switches([rule])[rule.id].enabled else []


def _as_api_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})


class RuleExemptionViewSet(ScopedModelViewSet):
    queryset = RuleExemption.objects.select_related("org", "member")
    serializer_class = RuleExemptionSerializer
    filterset_class = RuleExemptionFilterSet

    def perform_create(self, serializer):
        try:
            serializer.instance = services.save_exemption(
                self.request.user, RuleExemption(), **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.save_exemption(
                self.request.user, serializer.instance, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_destroy(self, instance):
        services.delete_exemption(self.request.user, instance)
