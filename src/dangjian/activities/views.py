"""Activity pages: list (+ xlsx export), month calendar, detail, attachments, member history.

The record form lives in `record.py`. Every query goes through `restrict`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dangjian.core import services as core_services
from dangjian.core.bounds import YEAR_MAX, YEAR_MIN, parse_id, parse_int
from dangjian.core.models import snapshot
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import has_any_scope, holds_at_top
from dangjian.core.views import ObjectDeleteView, ObjectDetailView, ObjectListView, ScopedViewMixin
from dangjian.members.models import Member
from dangjian.members.ownership import own_member
from dangjian.orgs.models import Organization

from . import attachments, attendance, history, privacy, services
from .filtersets import ActivityFilterSet
from .forms import AttachmentForm, TagForm
from .imports import ActivityExporter
from .models import Activity, ActivityKind, Attachment, Participation, ParticipationStatus, Tag
from .tables import ActivityTable

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


# Any of these in the query string means the user chose the period (an empty `year=` too:
# it is how the "全部年份" link asks for every year).
PERIOD_PARAMS = ("year", "date_after", "date_before", "planned", "member")


class ActivityListView(ObjectListView):
    """The list defaults to the current year: for the 工委 every year of the city is
    ≈ 144 k rows to sort and count. A notice says so and links to all years."""

    queryset = Activity.objects.select_related("org").prefetch_related("tags").with_attendance()
    table = ActivityTable
    filterset = ActivityFilterSet
    exporter = ActivityExporter()
    template_name = "activities/activity_list.html"

    def default_year(self) -> int | None:
        if any(name in self.request.GET for name in PERIOD_PARAMS):
            return None
        return timezone.localdate().year

    def filtered(self):
        qs, fs = super().filtered()
        year = self.default_year()
        if year is not None:
            # Held that year, or only planned for that year (the date column's rule).
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            qs = qs.filter(
                Q(held_on__range=(first, last))
                | Q(held_on__isnull=True, planned_on__range=(first, last))
            )
        return qs, fs

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params["year"] = ""
        params.pop("page", None)
        return super().get_context_data(**kwargs) | {
            "add_url": reverse("activities:activity_add"),
            "calendar_url": reverse("activities:calendar"),
            "can_manage_tags": can_manage_tags(self.request.user),
            "default_year": self.default_year(),
            "all_years_url": "?" + params.urlencode(),
        }


def _month(raw: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return dt.date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


class CalendarView(ScopedViewMixin, TemplateView):
    """An org's activities in a month, laid out by day (its subtree unless ?sub=0)."""

    queryset = Activity.objects.all()
    template_name = "activities/calendar.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        params = self.request.GET
        orgs = Organization.objects.restrict(user, "view")
        org = None
        if (pk := parse_id(params.get("org"))) is not None:
            org = orgs.filter(pk=pk).first()
            if org is None:
                raise Http404(_("未找到。"))
        if org is None:
            org = orgs.order_by("depth", "path").first()
        first = _month(params.get("month"))
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        subtree = params.get("sub", "1") != "0"
        days: dict[dt.date, list[Activity]] = defaultdict(list)
        if org is not None:
            qs = Activity.objects.restrict(user, "view").select_related("org")
            qs = qs.within(org) if subtree else qs.filter(org=org)
            qs = qs.filter(
                Q(held_on__range=(first, last))
                | Q(held_on__isnull=True, planned_on__range=(first, last))
            ).order_by("starts_at", "pk")
            for activity in qs:
                days[activity.date].append(activity)
        weeks = [
            [
                {"day": d, "in_month": d.month == first.month, "activities": days.get(d, [])}
                for d in week
            ]
            for week in calendar.Calendar().monthdatescalendar(first.year, first.month)
        ]
        counts: dict[str, int] = defaultdict(int)
        for items in days.values():
            for a in items:
                counts[a.get_kind_display()] += 1
        prev_month = (first - dt.timedelta(days=1)).replace(day=1)
        next_month = last + dt.timedelta(days=1)
        ctx.update(
            title=_("组织生活日历"),
            org=org,
            month=first,
            subtree=subtree,
            weeks=weeks,
            weekdays=WEEKDAYS,
            # The same month as a list of days (what a phone shows instead of the grid).
            agenda=[(d, days[d], WEEKDAYS[d.weekday()]) for d in sorted(days)],
            counts=sorted(counts.items()),
            prev_month=f"{prev_month:%Y-%m}",
            next_month=f"{next_month:%Y-%m}",
            today=timezone.localdate(),
            org_picker=render_org_picker(
                "org", orgs, org.pk if org else None, empty_label=None, id="cal-org"
            ),
        )
        return ctx


class ActivityDetailView(ObjectDetailView):
    queryset = Activity.objects.select_related("org", "host", "recorder", "recorded_by").only(
        *[f.name for f in Activity._meta.concrete_fields],
        "org__name",
        "org__kind",
        "org__path",
        "org__depth",
        "host__name",
        "recorder__name",
        "recorded_by__username",
        "recorded_by__display_name",
    )
    template_name = "activities/activity_detail.html"

    def get_object(self):
        if not hasattr(self, "_object"):  # loaded once for get() and the context
            self._object = super().get_object()
        return self._object

    def get(self, request, *args, **kwargs):
        activity = self.get_object()
        if activity.held_on is None:  # a notice: its own page (receipts, "record it")
            return redirect(activity.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity: Activity = ctx["object"]
        user = self.request.user
        # The activity is in the user's scope: its attendance is counted whole (the list
        # shows the same counts), but people are listed only to those who may view the
        # org's attendance — a member sees their own row (activities.privacy).
        rows = list(
            Participation.objects.filter(activity=activity)
            .select_related("member__org")
            .only(
                "status",
                "reason",
                "hours",
                "activity",
                "member__name",
                "member__status",
                "member__full_member_on",
                "member__org__name",
            )
            .order_by("member__org__path", "member__name")
        )
        counts = {s: 0 for s in ParticipationStatus.values}
        for p in rows:
            counts[p.status] += 1
            p.shown_reason = privacy.shown_reason(user, p, activity.org.path)
        due = counts["attended"] + counts["leave"] + counts["absent"]
        quorum = None
        if activity.held_on is not None:
            quorum = attendance.quorum(
                activity.org, activity.kind, activity.held_on, [(p.member, p.status) for p in rows]
            )
        ctx.update(
            participations=privacy.listed_rows(user, rows, activity.org.path),
            counts=counts,
            status_labels=dict(ParticipationStatus.choices),
            due=due,
            rate=round(100 * counts["attended"] / due)
            if due and activity.tracks_attendance
            else None,
            quorum=quorum,
            agenda=activity.agenda_items.all(),
            tags=activity.tags.all(),
            observers=activity.observers.all(),
            attachments=Attachment.objects.restrict(user, "view").filter(activity=activity),
            can_upload=ctx["can_change"] and has_any_scope(user, Attachment, "add"),
            can_delete=Activity.objects.restrict(user, "delete").filter(pk=activity.pk).exists(),
            upload_form=AttachmentForm(),
            total_hours=sum((p.hours or 0) for p in rows if p.status == "attended"),
        )
        return ctx


class ActivityDeleteView(ObjectDeleteView):
    queryset = Activity.objects.select_related("org")
    success_url = "activities:activity_list"

    def delete(self, obj) -> None:
        services.delete_activity(self.request.user, obj)


class AttachmentUploadView(ScopedViewMixin, View):
    queryset = Attachment.objects.all()
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        activity = get_object_or_404(Activity.objects.restrict(request.user, "change"), pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for message in form.errors.get("file", [_("请选择要上传的文件。")]):
                messages.error(request, str(message))
            return redirect(activity.get_absolute_url())
        try:
            attachments.add_attachment(request.user, activity, form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except core_services.OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        else:
            messages.success(request, _("已上传附件。"))
        return redirect(activity.get_absolute_url())


class AttachmentDownloadView(ScopedViewMixin, View):
    """Files only through here: in scope → the file as a download; otherwise 404."""

    queryset = Attachment.objects.all()

    def get(self, request, pk: int):
        attachment = self.get_object()
        fh = attachment.open_stored()
        if fh is None:
            raise Http404(_("文件已不存在。"))
        core_services.emit("download", attachment)
        response = FileResponse(
            fh,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class AttachmentDeleteView(ScopedViewMixin, View):
    queryset = Attachment.objects.select_related("activity")
    action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        attachment = self.get_object()
        activity = attachment.activity
        attachments.delete_attachment(request.user, attachment)
        messages.success(request, _("已删除附件。"))
        return redirect(activity.get_absolute_url())


class MemberHistoryView(ScopedViewMixin, TemplateView):
    """A member's record: activities attended and 学时 per year. An admin reads it through
    their scope; a member reads their own through the link to their record
    (members.ownership), whatever roles they hold — and nobody else's (decisions/0011)."""

    queryset = Participation.objects.all()
    template_name = "activities/member_history.html"

    def dispatch(self, request, *args, **kwargs):
        self.own = None
        if not has_any_scope(request.user, Participation, "view"):
            mine = own_member(request.user)
            if mine is not None and mine.pk == kwargs.get("pk"):
                # Ownership, not an org permission, opens one's own record.
                self.own = mine
                return TemplateView.dispatch(self, request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        member = self.own or (
            Member.objects.restrict(user, "view")
            .select_related("org")
            .only("name", "status", "joined_on", "org__name")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if member is None:
            # An admin's own record outside their scope is still theirs.
            mine = own_member(user)
            if mine is None or mine.pk != self.kwargs["pk"]:
                raise Http404(_("未找到。"))
            member = self.own = mine
        if self.own is not None:
            mine = Participation.objects.filter(member=member)
            title = _("我的组织生活记录")
        else:
            mine = Participation.objects.restrict(user, "view").filter(member=member)
            title = _("%(name)s的组织生活记录") % {"name": member.name}
        years = history.years(mine)
        year_param = self.request.GET.get("year", "")
        selected = parse_int(year_param, YEAR_MIN, YEAR_MAX) or (
            years[0]["year"] if years else None
        )
        ctx.update(
            title=title,
            member=member,
            own=self.own is not None,
            years=years,
            selected=selected,
            rows=history.rows(mine, selected) if selected else mine.none(),
            kind_labels=dict(ActivityKind.choices),
        )
        return ctx


# --- tags (标签) -------------------------------------------------------------------------------


def can_manage_tags(user) -> bool:
    """Tags are shared by the whole tree: `activities.change_tag` held over a root (the 工委)."""
    return holds_at_top(user, "activities.change_tag", Organization.steplen)


class TagAdminMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_manage_tags(request.user):
            core_services.emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied(_("只有工委管理员可以管理活动标签。"))
        return super().dispatch(request, *args, **kwargs)


class TagListView(TagAdminMixin, TemplateView):
    template_name = "activities/tag_list.html"

    def get_context_data(self, **kwargs):
        # Counted over every activity: a tag is the whole city's, whatever the viewer's scope.
        tags = Tag.objects.annotate(n=Count("activities")).order_by("name")
        return super().get_context_data(**kwargs) | {"title": _("活动标签"), "tags": tags}


class TagEditView(TagAdminMixin, TemplateView):
    """Create (no pk) or rename/describe (pk) a tag; saved atomically and audited."""

    template_name = "activities/tag_edit.html"

    def get_instance(self) -> Tag:
        return get_object_or_404(Tag, pk=self.kwargs["pk"]) if "pk" in self.kwargs else Tag()

    def get(self, request, *args, **kwargs):
        tag = self.get_instance()
        return self.render_to_response(
            self.get_context_data(form=TagForm(instance=tag), object=tag)
        )

    def post(self, request, *args, **kwargs):
        tag = self.get_instance()
        before = snapshot(tag) if tag.pk else None
        form = TagForm(request.POST, instance=tag)
        if form.is_valid():
            services.save_tag(request.user, form.save(commit=False), before)
            messages.success(request, _("已保存标签“%(name)s”。") % {"name": tag.name})
            return redirect("activities:tag_list")
        return self.render_to_response(self.get_context_data(form=form, object=tag))
