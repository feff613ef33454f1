"""Read django-axes lockout state in SQL (one subquery for a whole user list)."""

from __future__ import annotations

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


def with_login_failures(queryset: QuerySet) -> QuerySet:
    """Annotate `login_failures`: failures counted by axes within the current cool-off window."""
    threshold = timezone.now() - get_cool_off()
    failures = (
        AccessAttempt.objects.filter(username=OuterRef("username"), attempt_time__gte=threshold)
        .order_by()
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return queryset.annotate(
        login_failures=Coalesce(Subquery(failures, output_field=IntegerField()), Value(0))
    )


def is_locked(user) -> bool:
    return getattr(user, "login_failures", 0) >= settings.AXES_FAILURE_LIMIT
