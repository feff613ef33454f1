"""The one-screen record form: header, agenda, attendance and attachments, pre-filled with
what the platform knows.

Pre-filled: the org (when the user records for one), today's date, a title from kind and
date, the user as 主持人 (when their account is linked to a member), every expected member
as 出席 and one 学时 for all attendees (from the start and end time, or typed once;
a row may override it). A link may name `?kind=&org=&held_on=` (the 待办's "record it") or
`?notice=<id>` (a meeting notice turned into its record: everything it said is kept).
Changing the org, kind or date reloads the attendance list (htmx, or the 载入 button
without JavaScript); saving goes through `services.record_activity` — or
`notices.record_notice` for a notice — with the files attached, all or nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dangjian.core.bounds import parse_date, parse_id
from dangjian.core.forms import add_service_errors
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin
from dangjian.members.ownership import own_member
from dangjian.orgs.models import Organization, OrgKind

from . import attendance, kinds, notices, services
from .forms import ActivityForm, split_people
from .membership import MEMBER_COLUMNS, members_at
from .models import (
    FULL_ATTENDANCE_KINDS,
    Activity,
    ActivityKind,
    ParticipationStatus,
)
from .people import distinct_labels
from .validation import duration_hours

# What the service's errors about the attendance list, agenda and files are about (they
# have no form field of their own).
ERROR_LABELS = {"participations": "参加情况", "agenda": "议题", "attachments": "附件"}
# The toggles every row has; 免于参加 only where an exemption covers the day.
TOGGLES: list[tuple[str, str]] = [
    (ParticipationStatus.ATTENDED, "出席"),
    (ParticipationStatus.LEAVE, "请假"),
    (ParticipationStatus.ABSENT, "缺席"),
]
ATTENDED = ParticipationStatus.ATTENDED


class Row:
    """One person of the attendance list."""

    def __init__(
        self, member: Any, status: str, reason: str = "", hours: Any = None, exempt: bool = False
    ) -> None:
        self.member = member
        self.status = status
        self.reason = reason
        self.hours = "" if hours is None else hours
        self.exempt = exempt
        self.label = member.name

    @property
    def toggles(self) -> list[tuple[str, str]]:
        if self.exempt or self.status == ParticipationStatus.EXEMPT:
            return [*TOGGLES, (ParticipationStatus.EXEMPT, "免于参加")]
        return TOGGLES


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
        ] or [{"key": uuid.uuid4().hex, "title": "", "is_first_topic": False}]
    return [{"key": uuid.uuid4().hex, "title": "", "is_first_topic": False}]


@login_required
def agenda_row(request):
    """htmx: one more empty agenda row."""
    return render(
        request,
        "activities/_agenda_row.html",
        {"row": {"key": uuid.uuid4().hex, "title": "", "is_first_topic": False}},
    )


def only_org(user: Any) -> Organization | None:
    """The org a user records for when there is just one: of the orgs where they may add
    activities, not counting the 党小组 under it (a secretary's branch)."""
    found = list(
        Organization.objects.holding(user, "activities.add_activity")
        .exclude(kind=OrgKind.PARTY_GROUP)
        .order_by("path")[:2]
    )
    return found[0] if len(found) == 1 else None


def addable_org(user: Any, raw: Any, fixed: Activity | None) -> Organization | None:
    """The org of a record or notice form: the saved activity's, or the posted id when the
    user may add activities there (None for a bad id or an org outside their scope)."""
    if fixed is not None:
        return fixed.org
    pk = parse_id(raw)
    if pk is None:
        return None
    return Organization.objects.holding(user, "activities.add_activity").filter(pk=pk).first()


def usual_hours(rows: list[Row]) -> Any:
    """The 学时 most attendees got: shown as the activity's, the rows equal to it blank."""
    counted = Counter(r.hours for r in rows if r.status == ATTENDED and r.hours != "")
    return counted.most_common(1)[0][0] if counted else None


class RecordView(ScopedViewMixin, TemplateView):
    """Create (no pk) or edit (pk) an activity with its attendance on one page; with
    `?notice=<id>` (or the posted `notice`), record a meeting notice as held."""

    queryset = Activity.objects.select_related("org")
    template_name = "activities/record.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    # --- what the page is about -----------------------------------------------------
    def _instance(self) -> Activity | None:
        return self.get_object() if "pk" in self.kwargs else None

    def _notice(self, raw: Any) -> Activity | None:
        if "pk" in self.kwargs or raw in (None, ""):
            return None
        pk = parse_id(raw)
        if pk is None:
            raise ValidationError(_("会议通知编号无效。"))
        return get_object_or_404(
            Activity.objects.restrict(self.request.user, "change").select_related("org"), pk=pk
        )

    def _rows(self, org, kind, day, data=None, source=None) -> tuple[list[Row], list[Any]]:
        """Attendance rows (posted values win) and the members to offer as host/recorder.

        `source`: the activity being edited (its recorded rows), or a notice (its receipts
        name who was expected: 出席 by default)."""
        if org is None or not kind or day is None:
            return [], []
        full = kind in FULL_ATTENDANCE_KINDS
        expected = attendance.expected_attendees(org, kind, day)
        rows: list[Row] = []
        recorded: dict[int, Any] = {}
        invited: set[int] = set()
        if source is not None and data is None:
            if source.held_on is None:
                invited = set(source.receipts.values_list("member_id", flat=True))
            else:
                recorded = {
                    p.member_id: p
                    for p in source.participations.select_related("member__org").only(
                        "status",
                        "reason",
                        "hours",
                        "activity",
                        *(f"member__{c}" for c in MEMBER_COLUMNS if c != "id"),
                        "member__org__name",
                    )
                }
        listed = {e.member.pk for e in expected}
        for e in expected:
            pk = e.member.pk
            default = e.default_status if full or pk in invited else ""
            if data is not None:
                rows.append(
                    Row(
                        e.member,
                        data.get(f"att-{pk}", default),
                        data.get(f"reason-{pk}", e.default_reason),
                        data.get(f"hours-{pk}", ""),
                        e.exempt,
                    )
                )
            elif pk in recorded:
                p = recorded[pk]
                rows.append(Row(e.member, p.status, p.reason, p.hours, e.exempt))
            else:
                rows.append(Row(e.member, default, e.default_reason, None, e.exempt))
        rows.extend(
            Row(p.member, p.status, p.reason, p.hours)
            for p in recorded.values()
            if p.member_id not in listed
        )
        extra_ids = invited - listed
        if data is not None:
            # Rows added on an earlier round (from 其他参加人员) that are not expected.
            posted = (parse_id(i) for i in data.getlist("att_ids"))
            extra_ids |= {pk for pk in posted if pk is not None} - listed
        if extra_ids:
            extra = (
                members_at(kinds.attendee_pool(org), day)
                .filter(pk__in=extra_ids)
                .select_related("org")
                .only(*MEMBER_COLUMNS, "org__name")
                .order_by("org__path", "name", "pk")
            )
            get = data.get if data is not None else (lambda _k, default="": default)
            rows.extend(
                Row(
                    m,
                    get(f"att-{m.pk}", ATTENDED),
                    get(f"reason-{m.pk}", ""),
                    get(f"hours-{m.pk}", ""),
                )
                for m in extra
            )
        return rows, [r.member for r in rows]

    def _label(self, rows: list[Row], org: Organization | None) -> None:
        labels = distinct_labels([r.member for r in rows], home=org)
        for r in rows:
            r.label = labels[r.member.pk]

    def _context(self, form, org, kind, day, rows, instance, agenda, notice) -> dict[str, Any]:
        allowed = kinds.allowed_kinds(org, day) if org is not None else ()
        self._label(rows, org)
        return self.get_context_data(
            form=form,
            object=instance,
            notice=notice,
            org=org,
            kind=kind,
            day=day,
            rows=rows,
            agenda=agenda,
            full_attendance=kind in FULL_ATTENDANCE_KINDS,
            allowed_kinds=[(k, ActivityKind(k).label) for k in allowed],
            kind_error=kinds.kind_error(org, kind, day) if org and kind and day else None,
            sub_types={
                "training_type": ActivityKind.TRAINING,
                "service_type": ActivityKind.VOLUNTEER,
            },
            kind_labels=dict(ActivityKind.choices),
        )

    # --- GET: the page, pre-filled ----------------------------------------------------
    def get(self, request, *args, **kwargs):
        instance = self._instance()
        params = request.GET
        try:
            notice = self._notice(params.get("notice"))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            notice = None
        if notice is not None and notice.held_on is not None:
            messages.info(request, notices.ALREADY_RECORDED.format(day=notice.held_on))
            return redirect(notice.get_absolute_url())
        source = instance or notice
        today = timezone.localdate()
        if source is not None:
            initial = {
                name: getattr(source, name)
                for name in (
                    "kind",
                    "training_type",
                    "service_type",
                    "title",
                    "held_on",
                    "starts_at",
                    "ends_at",
                    "place",
                    "minutes",
                    "external_observers",
                )
            }
            initial.update(
                org=source.org_id,
                host=source.host_id,
                recorder=source.recorder_id,
                tags=list(source.tags.all()),
                observers=list(source.observers.all()),
            )
            if notice is not None:
                initial["held_on"] = min(notice.planned_on or today, today)
                initial["hours"] = duration_hours(notice.starts_at, notice.ends_at)
            org, kind, day = source.org, source.kind, initial["held_on"]
        else:
            org = addable_org(request.user, params.get("org"), None)
            kind = params.get("kind", "")
            day = parse_date(params.get("held_on"))
            if params.get("org") and org is None:
                messages.warning(
                    request, _("链接中的党组织不存在或不在您可登记的范围内，请重新选择。")
                )
            if kind and kind not in ActivityKind.values:
                messages.warning(request, _("链接中的活动类型无效，请重新选择。"))
                kind = ""
            if params.get("held_on") and day is None:
                messages.warning(
                    request, _("链接中的召开日期无效（应写作 2024-01-31），已改为今天。")
                )
            org = org or only_org(request.user)
            day = day or today
            initial = {"org": getattr(org, "pk", None), "kind": kind, "held_on": day}
            initial["title"] = params.get("title") or notices.default_title(kind, day)
        rows, members = self._rows(org, kind, day, source=source)
        if instance is not None:
            initial["hours"] = usual_hours(rows)
            for r in rows:
                if r.hours == initial["hours"]:
                    r.hours = ""
        if not initial.get("host"):
            me = own_member(request.user)
            if me is not None and any(m.pk == me.pk for m in members):
                initial["host"] = me.pk
        form = ActivityForm(initial=initial, user=request.user, org=org, members=members)
        form.reload_on_change(request.path)
        agenda = _agenda_rows(activity=source)
        return self.render_to_response(
            self._context(form, org, kind, day, rows, instance, agenda, notice)
        )

    # --- POST: reload the list, or save -------------------------------------------------
    def post(self, request, *args, **kwargs):
        instance = self._instance()
        data = request.POST
        try:
            notice = self._notice(data.get("notice"))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect(request.path)
        fixed = instance or notice
        org = addable_org(self.request.user, data.get("org"), fixed)
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
        rows, members = self._rows(org, kind, day, data=data, source=fixed)
        by_member = {r.member.pk: r for r in rows}
        for m in extra_members:
            row = by_member.get(m.pk)
            if row is None:
                rows.append(Row(m, ATTENDED))
                members.append(m)
                by_member[m.pk] = rows[-1]
            elif not row.status:
                row.status = ATTENDED
        if refresh:
            data = self._prefill(data, kind, day, members)
        form = ActivityForm(data, user=request.user, org=org, members=members)
        if fixed is not None:
            form.fields["org"].required = False  # the record's or notice's org, fixed
        form.reload_on_change(request.path)
        agenda = _agenda_rows(data)
        if refresh:
            ctx = self._context(form, org, kind, day, rows, instance, agenda, notice)
            if request.headers.get("HX-Request"):
                return render(request, "activities/_attendance.html", ctx)
            form.errors.clear()
            return self.render_to_response(ctx)
        if form.is_valid() and not extra_errors:
            saved = self._save(form, org, rows, agenda, instance, notice)
            if saved is not None:
                return saved
        for message in extra_errors:
            form.add_error("extra_attendees", message)
        if request.FILES:
            form.add_error(None, _("所选附件未保存，请改正上述问题后重新选择附件。"))
        return self.render_to_response(
            self._context(form, org, kind, day, rows, instance, agenda, notice)
        )

    def _prefill(self, data, kind, day, members):
        """On a reload: the title from kind and date and the user as 主持人, when empty."""
        data = data.copy()
        if not data.get("title", "").strip():
            data["title"] = notices.default_title(kind, day)
        me = own_member(self.request.user)
        if not data.get("host") and me is not None and any(m.pk == me.pk for m in members):
            data["host"] = str(me.pk)
        return data

    def _save(self, form, org, rows, agenda, instance, notice):
        request = self.request
        hours = form.cleaned_data.get("hours")
        participations = [
            {
                "member": r.member.pk,
                "status": r.status,
                "reason": r.reason,
                "hours": r.hours if r.hours != "" else (hours if r.status == ATTENDED else None),
            }
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
        uploads = request.FILES.getlist("attachments")
        try:
            if notice is not None:
                activity = notices.record_notice(request.user, notice, *args, uploads=uploads)
            elif instance is None:
                activity = services.record_activity(request.user, org, *args, uploads=uploads)
            else:
                activity = services.update_activity(request.user, instance, *args, uploads=uploads)
        except OutOfScope:
            form.add_error(None, _("该党组织不在您的管辖范围内，未保存。"))
            return None
        except ValidationError as exc:
            add_service_errors(form, exc, ERROR_LABELS)
            return None
        messages.success(request, _("已保存组织生活记录。"))
        quorum = getattr(activity, "quorum", None)
        if quorum is not None and quorum.met is not True:
            messages.warning(request, quorum.message)
        return redirect(activity.get_absolute_url())
