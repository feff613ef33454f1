"""`/api/term-sweep/?date=&within=&status=` and `/api/notifications/` (own reminders only)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core import fields
from dangjian.core.api_views import resolve_within
from dangjian.core.permissions import ScopedPermission
from dangjian.orgs.models import Organization

from . import inbox, sweep
from .loader import get_library
from .models_notifications import Notification, NotificationKind


def parse_sweep_date(raw: str | None) -> dt.date:
    if raw is None or raw == "":
        return timezone.localdate()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise ValidationError(
            {
                "date": [
                    f"日期“{raw}”无效，请按 YYYY-MM-DD 填写 2000 至 2100 年间的日期，如 date=2024-06-30。"
                ]
            }
        )
    return day


class SweepRowSerializer(serializers.Serializer):
    org_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    unit_org_id = serializers.IntegerField(allow_null=True)
    term_id = serializers.IntegerField(allow_null=True)
    term_number = serializers.IntegerField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    days_overdue = serializers.IntegerField(allow_null=True)


class SweepUnitSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class TermSweepView(APIView):
    """The 换届 sweep for a date, grouped by unit; every row the caller may view."""

    permission_classes = [ScopedPermission]
    scoped_model = Organization

    @extend_schema(
        operation_id="term_sweep",
        summary="换届情况排查（拉网排查）",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="排查日期，默认今天"),
            OpenApiParameter("within", OpenApiTypes.INT, description="只排查该党组织及其下级"),
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=list(sweep.STATUSES), description="只列出该状态"
            ),
        ],
        responses=inline_serializer(
            "TermSweep",
            {
                "date": serializers.DateField(),
                "within": serializers.IntegerField(allow_null=True),
                "status_labels": serializers.DictField(child=serializers.CharField()),
                "totals": serializers.DictField(child=serializers.IntegerField()),
                "overdue_over_one_year": serializers.IntegerField(),
                "units": SweepUnitSerializer(many=True),
                "results": SweepRowSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        day = parse_sweep_date(request.query_params.get("date"))
        within = resolve_within(request.user, request.query_params.get("within"))
        status = request.query_params.get("status") or None
        if status is not None and status not in sweep.STATUSES:
            raise ValidationError(
                {"status": [f"状态“{status}”无效，可选：{'、'.join(sweep.STATUSES)}。"]}
            )
        result = sweep.run_sweep(request.user, day, within)
        unit_ids = {u.path: u.org_id for u in result.units}
        rows = [r for r in result.rows if status is None or r.status == status]
        return Response(
            {
                "date": day.isoformat(),
                "within": within.pk if within else None,
                "status_labels": sweep.STATUS_LABELS,
                "totals": result.totals,
                "overdue_over_one_year": len(result.overdue_long),
                "units": [
                    {"org_id": u.org_id, "name": u.name, "counts": u.counts, "total": u.total}
                    for u in result.units
                ],
                "results": [
                    {
                        "org_id": r.org_id,
                        "name": r.name,
                        "kind": r.kind,
                        "kind_label": r.kind_label,
                        "unit_org_id": unit_ids.get(r.unit_path),
                        "term_id": r.term_id,
                        "term_number": r.term_number,
                        "started_on": r.started_on,
                        "due_on": r.due_on,
                        "status": r.status,
                        "status_label": r.status_label,
                        "days_overdue": r.days_overdue,
                    }
                    for r in rows
                ],
            }
        )


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    org_name = serializers.CharField(
        source="org.name", read_only=True, allow_null=True, default=None
    )
    read = serializers.BooleanField(
        source="is_read", required=False, help_text='已读（PATCH {"read": true} 标为已读）'
    )
    rule_title = serializers.SerializerMethodField(help_text="所依据规则的标题")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "link",
            "rule_id",
            "rule_title",
            "citation",
            "org",
            "org_name",
            "due_on",
            "created",
            "read",
            "read_at",
            "emailed_at",
        ]
        read_only_fields = [f for f in fields if f != "read"]

    def get_rule_title(self, obj) -> str:
        library = get_library()
        return library.get(obj.rule_id).title if obj.rule_id in library else ""

    def update(self, instance, validated_data):
        if "is_read" in validated_data:
            read = validated_data["is_read"]
            if read and instance.read_at is None:
                instance.read_at = timezone.now()
            elif not read:
                instance.read_at = None
            instance.save(update_fields=["read_at"])
        return instance


FILTER_PARAMETERS = [
    OpenApiParameter("unread", OpenApiTypes.STR, description="1 或 true：只列出未读提醒"),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, enum=NotificationKind.values, description="提醒类型"
    ),
    OpenApiParameter("org", OpenApiTypes.INT, description="只列出关于该党组织及其下级的提醒"),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=list(inbox.PERIODS),
        description="提醒时间：近一周/月/季/年",
    ),
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=list(inbox.STATUSES), description="unread 未读、read 已读"
    ),
]


def request_filters(request, data) -> inbox.Filters:
    """The inbox filters of an API call; a bad value is a 400 saying what to fix."""
    if not hasattr(data, "get"):  # a JSON body that is a list, a number or a string
        raise ValidationError({"filters": ['请求内容应为筛选条件的对象，如 {"kind": "…"}。']})
    raw = {}
    for key in ("kind", "org", "period", "status"):
        value = data.get(key, "")
        if isinstance(value, (list, dict)):
            raise ValidationError({key: ["应为单个值。"]})
        raw[key] = "" if value is None else str(value)
    if not raw["status"] and str(data.get("unread")) in ("1", "true", "True"):
        raw["status"] = "unread"
    f = inbox.parse_filters(request.user, raw)
    if f.errors:
        raise ValidationError({"filters": [e.split("，")[0] + "。" for e in f.errors]})
    return f


class NotificationGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    org = serializers.IntegerField(source="org_id", allow_null=True)
    org_name = serializers.CharField()
    total = serializers.IntegerField()
    unread = serializers.IntegerField()
    latest = serializers.DateTimeField()
    latest_title = serializers.CharField()


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS))
class NotificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own reminders (another user's answer 404); filters as on the inbox page."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "post", "head", "options"]
    queryset = Notification.objects.none()

    def get_queryset(self):
        if self.action != "list":
            return Notification.objects.for_user(self.request.user).select_related("org")
        f = request_filters(self.request, self.request.query_params)
        return inbox.filtered(self.request.user, f).select_related("org").inbox_order()

    @extend_schema(parameters=FILTER_PARAMETERS, responses=NotificationGroupSerializer(many=True))
    @action(detail=False, methods=["get"])
    def groups(self, request):
        """The caller's reminders grouped by kind and org (unread first), with the filters."""
        f = request_filters(request, request.query_params)
        rows = inbox.groups(inbox.filtered(request.user, f))
        page = self.paginate_queryset(rows)
        data = NotificationGroupSerializer(page if page is not None else rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=inline_serializer(
            "NotificationsReadFilter",
            {
                "kind": serializers.CharField(required=False),
                "org": fields.IdField(required=False),
                "period": serializers.CharField(required=False),
            },
        ),
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark the caller's unread reminders read — all, or those matching kind/org/period."""
        f = request_filters(request, request.data)
        return Response({"marked": inbox.mark_read(request.user, f)})
