"""Activity API: scoped viewsets; every write goes through activities.services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, OuterRef, Prefetch, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import serializers, viewsets

from dangjian.core.api import ScopedModelViewSet
from dangjian.core.permissions import METHOD_ACTIONS, ScopedPermission
from dangjian.members.models import Member

from .. import services
from ..filtersets import ActivityFilterSet, ParticipationFilterSet
from ..models import Activity, AgendaItem, Attachment, Participation
from .pagination import CappedCountPagination, DateWindowPagination
from .serializers import ActivitySerializer, ParticipationSerializer

_FIELDS = (
    "kind",
    "training_type",
    "service_type",
    "title",
    "planned_on",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "minutes",
    "external_observers",
)


def _as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"detail": exc.messages})


class ActivityViewSet(ScopedModelViewSet):
    queryset = (
        Activity.objects.select_related("org")
        # A subquery, not a join: evaluated for the page's rows only, after the sort.
        .annotate(
            host_name=Subquery(Member.objects.filter(pk=OuterRef("host_id")).values("name")[:1])
        )
        .with_attendance()
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "id")),
            "tags",
            Prefetch("observers", queryset=get_user_model().objects.only("id")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        )
    )
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    pagination_class = CappedCountPagination

    def _reload(self, activity: Activity) -> Activity:
        return self.queryset.get(pk=activity.pk)

    def _args(self, data: dict, instance: Activity | None = None):
        values = {name: data[name] for name in _FIELDS if name in data}
        if "host_id" in data:
            values["host"] = data["host_id"]
        if "recorder_id" in data:
            values["recorder"] = data["recorder_id"]
        if instance is not None:  # PATCH: what is not sent stays as it was
            for name in _FIELDS:
                values.setdefault(name, getattr(instance, name))
            values.setdefault("host", instance.host_id)
            values.setdefault("recorder", instance.recorder_id)
        participations = data.get("participations")
        if participations is None and instance is not None:
            participations = list(
                instance.participations.values("member", "status", "reason", "hours")
            )
        agenda = data.get("agenda_items")
        if agenda is None and instance is not None:
            agenda = list(instance.agenda_items.values("title", "is_first_topic"))
        tags = data.get("tags")
        if tags is None and instance is not None:
            tags = list(instance.tags.all())
        observers = data.get("observers")
        if observers is None and instance is not None:
            observers = list(instance.observers.values_list("pk", flat=True))
        return values, participations or [], agenda or [], tags or [], observers or []

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            activity = services.record_activity(self.request.user, data["org"], *self._args(data))
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = self._reload(activity)

    def perform_update(self, serializer):
        data = serializer.validated_data
        try:
            activity = services.update_activity(
                self.request.user, serializer.instance, *self._args(data, serializer.instance)
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = self._reload(activity)

    def perform_destroy(self, instance):
        services.delete_activity(self.request.user, instance)


class ParticipationViewSet(viewsets.ReadOnlyModelViewSet):
    """Attendance rows, read-only: they are written with their activity. Newest first."""

    queryset = Participation.objects.select_related("activity__org", "member").only(
        "status",
        "reason",
        "hours",
        "activity__title",
        "activity__kind",
        "activity__held_on",
        "activity__org__path",  # who may read the reason (activities.privacy)
        "member__name",
    )
    serializer_class = ParticipationSerializer
    filterset_class = ParticipationFilterSet
    permission_classes = [ScopedPermission]
    pagination_class = DateWindowPagination
    window_field = "activity__held_on"

    def get_queryset(self):
        action = METHOD_ACTIONS.get(self.request.method or "GET", "view")
        # NULL dates (planned activities) last on both databases, as the window needs.
        return self.queryset.restrict(self.request.user, action).order_by(
            F("activity__held_on").desc(nulls_last=True), "id"
        )

    def filter_queryset(self, queryset):
        # DjangoFilterBackend's work, keeping the cleaned values for window_dates.
        filterset = DjangoFilterBackend().get_filterset(self.request, queryset, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        self.filters = filterset.form.cleaned_data
        return filterset.qs

    def window_dates(self):
        """Meeting dates in the user's scope, newest first (DateWindowPagination's bound).

        The request's activity-level filters apply too, so `date_before=2024-12-31` does not
        start from today's dates. None (a member's or an activity's rows: few): no window.
        """
        f = getattr(self, "filters", {})
        if f.get("member") is not None or f.get("activity") is not None:
            return None
        activities = Activity.objects.restrict(self.request.user, "view").filter(
            held_on__isnull=False
        )
        if f.get("within") is not None:
            activities = activities.within(f["within"])
        lookups = {
            "org": f.get("org"),
            "kind": f.get("kind"),
            "tags": f.get("tag"),
            "held_on__gte": f.get("date_after"),
            "held_on__lte": f.get("date_before"),
            "held_on__year": f.get("year"),
        }
        activities = activities.filter(**{k: v for k, v in lookups.items() if v not in (None, "")})
        return activities.order_by("-held_on").values("held_on")
