"""Training API serializers: ids and dates bounded (core.fields); hours as text."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedModelSerializer
from dangjian.core.fields import DateField, IdField

from ..models import MAX_CAPACITY, MAX_HOURS, MAX_SESSIONS, MIN_HOURS, Enrolment, TrainingClass


class TrainingClassSerializer(ScopedModelSerializer):
    starts_on = DateField()
    ends_on = DateField()
    hours_per_session = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=MIN_HOURS, max_value=MAX_HOURS
    )
    n_sessions = serializers.IntegerField(read_only=True)
    n_enrolled = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "org",
            "title",
            "training_type",
            "in_night_school",
            "year",
            "starts_on",
            "ends_on",
            "planned_sessions",
            "hours_per_session",
            "required_sessions",
            "capacity",
            "enrolment_open",
            "place",
            "description",
            "n_sessions",
            "n_enrolled",
        ]
        extra_kwargs = {
            "year": {"min_value": 2000, "max_value": 2100},
            "planned_sessions": {"min_value": 1, "max_value": MAX_SESSIONS},
            "required_sessions": {"min_value": 1, "max_value": MAX_SESSIONS},
            "capacity": {"min_value": 1, "max_value": MAX_CAPACITY},
        }


class EnrolmentSerializer(ScopedModelSerializer):
    member = IdField(source="member_id")
    enrolled_on = DateField(required=False)
    n_attended = serializers.IntegerField(read_only=True)
    class_hours = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "training_class",
            "member",
            "enrolled_on",
            "status",
            "note",
            "n_attended",
            "class_hours",
        ]
        read_only_fields = ["status"]


class EnrolmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["enrolled", "withdrawn"])
