"""The one-screen record form: header, agenda, and a table of expected members with a
status per row (default 出席). Changing the org, kind or date reloads the table (htmx, or
the 载入 button without JavaScript); saving goes through `services.record_activity`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dangjian.core.bounds import parse_id, validate_date_range
from dangjian.core.forms import add_service_errors
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization

from . import attendance, kinds, services
from .forms import ActivityForm, split_people
from .membership import MEMBER_COLUMNS, members_at
from .models import (
    FULL_ATTENDANCE_KINDS,
    Activity,
    ActivityKind,
    ParticipationStatus,
)

# What the service's errors about the attendance table and the agenda are about (they
# have no form field of their own).
ERROR_LABELS = {"participations": "参加情况", "agenda": "议题"}


class Row:
    """One line of the attendance table."""

    def __init__(
        self, member: Any, status: str, reason: str = "", hours: Any = None, exempt: bool = False
    ) -> None:
        self.member = member
        self.status = status
        self.reason = reason
        self.hours = "" if hours is None else hours
        self.exempt = exempt


def _agenda_rows(data: Any = None, activity: Activity | None = None) -> list[dict[str, Any]]:
    if data is not None:
        first = data.get("agenda_first", "")
        return [
            {"key": key, "title": title, "is_first_topic": key == first}
            for key, title in zip(
                data.getlist("agenda_key"), data.getlist("agenda_title"), strict=False
            )
        ]
    if activity is not None and activity.pk:
        return [
            {"key": uuid.uuid4().hex, "title": a.title, "is_first_topic": a.is_first_topic}
            for a in activity.agenda_items.all()
        ]
    return [{"key": uuid.uuid4().hex, "title": "", "is_first_topic": False}]


@login_required
def agenda_row(request):
    """htmx: one more empty agenda row."""
    return render(
        request,
        "activities/_agenda_row.html",
        {"row": {"key": uuid.uuid4().hex, "title": "", "is_first_topic": False}},
    )


class RecordView(ScopedViewMixin, TemplateView):
    """Create (no pk) or edit (pk) an activity with its attendance on one page."""

    queryset = Activity.objects.select_related("org")
    template_name = "activities/record.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    # --- what the page is about -----------------------------------------------------
    def _instance(self) -> Activity | None:
        return self.get_object() if "pk" in self.kwargs else None

    def _org(self, raw: Any, instance: Activity | None) -> Organization | None:
        if instance is not None:
            return instance.org
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return (
            Organization.objects.holding(self.request.user, "activities.add_activity")
            .filter(pk=pk)
            .first()
        )

    def _rows(self, org, kind, day, data=None, instance=None) -> tuple[list[Row], list[Any]]:
        """Attendance rows (posted values win) and the members to offer as host/recorder."""
        if org is None or not kind or day is None:
            return [], []
        full = kind in FULL_ATTENDANCE_KINDS
        expected = attendance.expected_attendees(org, kind, day)
        rows: list[Row] = []
        recorded: dict[int, Any] = {}
        if instance is not None and data is None:
            recorded = {
                p.member_id: p
                for p in instance.participations.select_related("member__org").only(
                    "status",
                    "reason",
                    "hours",
                    "activity",
                    "member__name",
                    "member__status",
                    "member__org__name",
                )
            }
        listed = {e.member.pk for e in expected}
        for e in expected:
            default = e.default_status if full else ""
            if data is not None:
                rows.append(
                    Row(
                        e.member,
                        data.get(f"att-{e.member.pk}", default),
                        data.get(f"reason-{e.member.pk}", e.default_reason),
                        data.get(f"hours-{e.member.pk}", ""),
                        e.exempt,
                    )
                )
            elif e.member.pk in recorded:
                p = recorded[e.member.pk]
                rows.append(Row(e.member, p.status, p.reason, p.hours, e.exempt))
            else:
                rows.append(Row(e.member, default, e.default_reason, None, e.exempt))
        rows.extend(
            Row(p.member, p.status, p.reason, p.hours)
            for p in recorded.values()
            if p.member_id not in listed
        )
        if data is not None:
            # Rows added on an earlier round (from 其他参加人员) that are not expected.
            extra_ids = [
                pk for i in data.getlist("att_ids") if (pk := parse_id(i)) and pk not in listed
            ]
            if extra_ids:
                extra = (
                    members_at(kinds.attendee_pool(org), day)
                    .filter(pk__in=extra_ids)
                    .select_related("org")
                    .only(*MEMBER_COLUMNS, "org__name")
                )
                rows.extend(
                    Row(
                        m,
                        data.get(f"att-{m.pk}", ParticipationStatus.ATTENDED),
                        data.get(f"reason-{m.pk}", ""),
                        data.get(f"hours-{m.pk}", ""),
                    )
                    for m in extra
                )
        return rows, [r.member for r in rows]

    def _context(self, form, org, kind, day, rows, instance, agenda) -> dict[str, Any]:
        allowed = kinds.allowed_kinds(org, day) if org is not None else ()
        return self.get_context_data(
            form=form,
            object=instance,
            org=org,
            kind=kind,
            day=day,
            rows=rows,
            agenda=agenda,
            full_attendance=kind in FULL_ATTENDANCE_KINDS,
            allowed_kinds=[(k, ActivityKind(k).label) for k in allowed],
            statuses=ParticipationStatus.choices,
            kind_error=kinds.kind_error(org, kind, day) if org and kind and day else None,
        )

    # --- GET: the page, pre-filled ----------------------------------------------------
    def get(self, request, *args, **kwargs):
        instance = self._instance()
        params = request.GET
        if instance is not None:
            initial = {
                "org": instance.org_id,
                "kind": instance.kind,
                "training_type": instance.training_type,
                "service_type": instance.service_type,
                "title": instance.title,
                "held_on": instance.held_on,
                "starts_at": instance.starts_at,
                "ends_at": instance.ends_at,
                "place": instance.place,
                "host": instance.host_id,
                "recorder": instance.recorder_id,
                "minutes": instance.minutes,
                "external_observers": instance.external_observers,
                "tags": list(instance.tags.all()),
                "observers": list(instance.observers.all()),
            }
            org, kind, day = instance.org, instance.kind, instance.held_on
        else:
            form_probe = ActivityForm(params, user=request.user)
            org = self._org(params.get("org"), None)
            kind = params.get("kind", "")
            try:
                day = form_probe["held_on"].field.to_python(params.get("held_on") or None)
                validate_date_range(day)
            except ValidationError:
                day = None  # a bad date in the link: the form asks for one
            initial = {k: v for k, v in params.items() if k in ("org", "kind", "held_on", "title")}
        rows, members = self._rows(org, kind, day, instance=instance)
        form = ActivityForm(initial=initial, user=request.user, org=org, members=members)
        form.reload_on_change(request.path)
        return self.render_to_response(
            self._context(form, org, kind, day, rows, instance, _agenda_rows(activity=instance))
        )

    # --- POST: reload the table, or save ----------------------------------------------
    def post(self, request, *args, **kwargs):
        instance = self._instance()
        data = request.POST
        org = self._org(data.get("org"), instance)
        kind = data.get("kind", "")
        probe = ActivityForm(data, user=request.user, org=org)
        try:
            day = probe.fields["held_on"].clean(data.get("held_on"))
        except ValidationError:
            day = None
        refresh = "_refresh" in data or request.headers.get("HX-Target") == "attendance"
        extra_members, extra_errors = [], []
        if org is not None and day is not None:
            extra_members, extra_errors = attendance.resolve_people(
                kinds.attendee_pool(org),
                day,
                split_people(data.get("extra_attendees", "")),
                request.user,
            )
        rows, members = self._rows(org, kind, day, data=data, instance=instance)
        by_member = {r.member.pk: r for r in rows}
        for m in extra_members:
            row = by_member.get(m.pk)
            if row is None:
                rows.append(Row(m, ParticipationStatus.ATTENDED))
                members.append(m)
                by_member[m.pk] = rows[-1]
            elif not row.status:
                row.status = ParticipationStatus.ATTENDED
        form = ActivityForm(data, user=request.user, org=org, members=members)
        form.reload_on_change(request.path)
        agenda = _agenda_rows(data)
        if refresh:
            ctx = self._context(form, org, kind, day, rows, instance, agenda)
            if request.headers.get("HX-Request"):
                return render(request, "activities/_attendance.html", ctx)
            form.errors.clear()
            return self.render_to_response(ctx)
        if form.is_valid() and not extra_errors:
            participations = [
                {"member": r.member.pk, "status": r.status, "reason": r.reason, "hours": r.hours}
                for r in rows
                if r.status
            ]
            args = (
                form.activity_data(),
                participations,
                [{"title": a["title"], "is_first_topic": a["is_first_topic"]} for a in agenda],
                list(form.cleaned_data["tags"]),
                list(form.cleaned_data["observers"]),
            )
            try:
                if instance is None:
                    activity = services.record_activity(request.user, org, *args)
                else:
                    activity = services.update_activity(request.user, instance, *args)
            except OutOfScope:
                form.add_error(None, _("该党组织不在您的管辖范围内，未保存。"))
            except ValidationError as exc:
                add_service_errors(form, exc, ERROR_LABELS)
            else:
                messages.success(request, _("已保存组织生活记录。"))
                quorum = getattr(activity, "quorum", None)
                if quorum is not None and quorum.met is not True:
                    messages.warning(request, quorum.message)
                return redirect(activity.get_absolute_url())
        for message in extra_errors:
            form.add_error("extra_attendees", message)
        return self.render_to_response(self._context(form, org, kind, day, rows, instance, agenda))
