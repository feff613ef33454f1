"""`/api/metrics/` and `/api/metrics/<id>/?year=&within=` (DESIGN §8).

Any signed-in user may ask; each figure is computed through `MetricScope.restrict`, so it
counts only what that user can see (a user with no org scope gets zeros). `within` must
name an org inside the user's scope — otherwise 404, the same answer as a missing org.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import JsonResponse
from django.utils import timezone
from django.views.defaults import page_not_found
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .metrics import MetricScope, registry

YEAR_MIN, YEAR_MAX = 2000, 2100


class MetricValueSerializer(serializers.Serializer):
    """The documented shape of one figure (the views build the dict via `Metric.as_dict`)."""

    id = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    unit = serializers.CharField()
    value = serializers.JSONField()
    year = serializers.IntegerField()


QUERY_PARAMETERS = [
    OpenApiParameter(
        "year", OpenApiTypes.INT, description=f"统计年度（{YEAR_MIN}–{YEAR_MAX}，默认今年）"
    ),
    OpenApiParameter("within", OpenApiTypes.INT, description="只统计该党组织（编号）及其下级"),
]


def parse_year(raw: str | None) -> int:
    if raw is None or raw == "":
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        year = None
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            {"year": [f"年度须为 {YEAR_MIN} 至 {YEAR_MAX} 之间的整数，例如 year=2024。"]}
        )
    return year


def resolve_within(user: Any, raw: str | None) -> Any:
    """The org to limit to, looked up through `restrict`: out of scope answers 404 like missing."""
    if raw is None or raw == "":
        return None
    try:
        org_id = int(raw)
    except ValueError:
        raise ValidationError({"within": ["within 须为党组织编号（整数）。"]}) from None
    # Resolved by name at run time: core imports no domain app (DESIGN §3).
    organization = apps.get_model("orgs", "Organization")
    org = organization.objects.restrict(user, "view").filter(pk=org_id).first()
    if org is None:
        raise NotFound("未找到该党组织。")
    return org


class MetricAPIView(APIView):
    permission_classes = [IsAuthenticated]

    def scope(self, request) -> MetricScope:
        year = parse_year(request.query_params.get("year"))
        within = resolve_within(request.user, request.query_params.get("within"))
        return MetricScope(user=request.user, year=year, within=within)


class MetricListView(MetricAPIView):
    @extend_schema(
        operation_id="metrics_list",
        summary="全部指标的数值",
        parameters=QUERY_PARAMETERS,
        responses=inline_serializer(
            "MetricValueList",
            {"count": serializers.IntegerField(), "results": MetricValueSerializer(many=True)},
        ),
    )
    def get(self, request):
        scope = self.scope(request)
        results = [m.as_dict(scope) for m in registry.all()]
        return Response({"count": len(results), "results": results})


class MetricDetailView(MetricAPIView):
    @extend_schema(
        operation_id="metrics_retrieve",
        summary="一个指标的数值",
        parameters=QUERY_PARAMETERS,
        responses=MetricValueSerializer,
    )
    def get(self, request, metric_id: str):
        if metric_id not in registry:
            raise NotFound(f"没有编号为“{metric_id}”的指标。")
        scope = self.scope(request)
        return Response(registry.get(metric_id).as_dict(scope))


def not_found(request, exception=None):
    """The 404 handler: under /api/ a path no route takes (e.g. /api/orgs/1.5/) answers
    JSON like every API answer; pages keep Django's own 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return page_not_found(request, exception)
