"""Meeting-notice pages (会议通知): the list of notices, one notice, and the form that
schedules or changes one. Writes go through `notices` (decisions/0010).

A notice is shown to those who may view its org's activities, and to each member it is
sent to (their receipt names them: ownership, like a member's own record — decisions/0011);
a member opening it records their receipt. Who has read it is shown to those who manage
the org, never to the members.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dangjian.core.bounds import parse_date, parse_id
from dangjian.core.forms import add_service_errors
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin
from dangjian.members.ownership import own_member
from dangjian.orgs.models import Organization

from . import attendance, notices
from .forms import NoticeForm
from .models import Activity, ActivityKind, NoticeReceipt
from .people import distinct_labels
from .privacy import manages
from .record import _agenda_rows, addable_org, only_org

ERROR_LABELS = {"invitees": "通知对象", "agenda": "议题", "participations": "参加情况"}
PAGE_SIZE = 30


def _receipt_count(read: bool | None = None) -> Coalesce:
    rows = NoticeReceipt.objects.filter(activity=OuterRef("pk"))
    if read is not None:
        rows = rows.filter(read_at__isnull=not read)
    counted = rows.order_by().values("activity").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class NoticeListView(ScopedViewMixin, TemplateView):
    """Notices not yet recorded, soonest first: those to come, then those whose day has
    passed (to be recorded or cancelled)."""

    queryset = Activity.objects.all()
    template_name = "activities/notice_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        qs = (
            Activity.objects.restrict(user, "view")
            .scheduled()
            .select_related("org")
            .only(
                "pk",
                "kind",
                "title",
                "planned_on",
                "held_on",
                "starts_at",
                "ends_at",
                "place",
                "org__name",
                "org__path",
            )
            .annotate(n_receipts=_receipt_count(), n_read=_receipt_count(read=True))
        )
        upcoming = qs.filter(planned_on__gte=today).order_by("planned_on", "starts_at", "pk")
        past = qs.filter(Q(planned_on__lt=today) | Q(planned_on__isnull=True)).order_by(
            "-planned_on", "-pk"
        )
        page = Paginator(upcoming, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        overdue = list(past[:PAGE_SIZE])
        for n in rows + overdue:
            n.managed = manages(user, n.org.path)
        ctx.update(
            title=_("会议通知"),
            page_obj=page,
            notices=rows,
            overdue=overdue,
            today=today,
            can_add=Organization.objects.holding(user, "activities.add_activity").exists(),
        )
        return ctx


class NoticeDetailView(ScopedViewMixin, TemplateView):
    template_name = "activities/notice_detail.html"
    queryset = Activity.objects.select_related("org", "host")

    def dispatch(self, request, *args, **kwargs):
        me = own_member(request.user)
        self.receipt = None
        if me is not None:
            self.receipt = NoticeReceipt.objects.filter(
                activity_id=kwargs.get("pk"), member=me
            ).first()
        if self.receipt is not None:
            # The member the notice is sent to reads it whatever roles they hold.
            return TemplateView.dispatch(self, request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.receipt is not None:
            notice = get_object_or_404(self.queryset, pk=kwargs["pk"])
        else:
            notice = self.get_object()
        if notice.held_on is not None:
            return redirect(reverse("activities:activity_detail", args=[notice.pk]))
        if self.receipt is not None and self.receipt.read_at is None:
            notices.mark_read(request.user, notice)
            self.receipt.refresh_from_db(fields=["read_at"])
        return self.render_to_response(self._context(notice))

    def _context(self, notice: Activity) -> dict[str, Any]:
        user = self.request.user
        managed = manages(user, notice.org.path)
        receipts: list[NoticeReceipt] = []
        if managed:
            receipts = list(
                NoticeReceipt.objects.restrict(user, "view")
                .filter(activity=notice)
                .select_related("member__org")
                .only(
                    "read_at", "activity", "member__name", "member__birth_date", "member__org__name"
                )
                # Unread first, on both databases (NULL sorts differently on each).
                .order_by(F("read_at").asc(nulls_first=True), "member__org__path", "member__name")
            )
            labels = distinct_labels([r.member for r in receipts], home=notice.org)
            for r in receipts:
                r.label = labels[r.member_id]  # type: ignore[attr-defined]
        can_change = (
            managed and Activity.objects.restrict(user, "change").filter(pk=notice.pk).exists()
        )
        return self.get_context_data(
            object=notice,
            title=notice.title,
            weekday="一二三四五六日"[notice.planned_on.weekday()] if notice.planned_on else "",
            agenda=notice.agenda_items.all(),
            receipt=self.receipt,
            managed=managed,
            receipts=receipts,
            n_read=sum(1 for r in receipts if r.read_at),
            can_change=can_change,
            can_record=can_change
            and (notice.planned_on or timezone.localdate()) <= timezone.localdate(),
            can_delete=managed
            and Activity.objects.restrict(user, "delete").filter(pk=notice.pk).exists(),
        )


class NoticeEditView(ScopedViewMixin, TemplateView):
    """Schedule (no pk) or change (pk) a notice: kind, day and time, place, agenda and who
    it is sent to (everyone expected by default). Changing the org, kind or day reloads
    the list of people (htmx, or the 载入 button without JavaScript)."""

    queryset = Activity.objects.select_related("org")
    template_name = "activities/notice_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    def _instance(self) -> Activity | None:
        if "pk" not in self.kwargs:
            return None
        notice = self.get_object()
        if notice.held_on is not None:
            raise ValidationError(notices.ALREADY_RECORDED.format(day=notice.held_on))
        return notice

    def _people(self, org, kind, day, chosen: set[int] | None) -> list[dict[str, Any]]:
        """The members expected on the day, each ticked when chosen (None: everyone)."""
        if org is None or kind not in ActivityKind.values or day is None:
            return []
        expected = attendance.expected_attendees(org, kind, day)
        labels = distinct_labels([e.member for e in expected], home=org)
        return [
            {
                "member": e.member,
                "label": labels[e.member.pk],
                "checked": chosen is None or e.member.pk in chosen,
                "exempt": e.exempt,
            }
            for e in expected
        ]

    def _context(self, form, org, kind, day, people, invite_all, agenda, instance):
        return self.get_context_data(
            form=form,
            object=instance,
            org=org,
            kind=kind,
            day=day,
            people=people,
            invite_all=invite_all,
            agenda=agenda,
            title=_("修改会议通知") if instance else _("发布会议通知"),
        )

    def get(self, request, *args, **kwargs):
        try:
            instance = self._instance()
        except ValidationError as exc:
            messages.info(request, exc.messages[0])
            return redirect(reverse("activities:activity_detail", args=[kwargs["pk"]]))
        params = request.GET
        chosen: set[int] | None = None
        invite_all = True
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in ("kind", "title", "planned_on", "starts_at", "ends_at", "place")
            }
            initial["org"] = instance.org_id
            org, kind, day = instance.org, instance.kind, instance.planned_on
            chosen = set(instance.receipts.values_list("member_id", flat=True))
            people = self._people(org, kind, day, chosen)
            invite_all = {p["member"].pk for p in people} == chosen
        else:
            org = addable_org(request.user, params.get("org"), None) or only_org(request.user)
            kind = params.get("kind", "")
            kind = kind if kind in ActivityKind.values else ""
            day = parse_date(params.get("planned_on"))
            initial = {"org": getattr(org, "pk", None), "kind": kind, "planned_on": day}
            initial["title"] = notices.default_title(kind, day)
            people = self._people(org, kind, day, None)
        form = NoticeForm(initial=initial, user=request.user)
        self._reload_on_change(form)
        return self.render_to_response(
            self._context(
                form, org, kind, day, people, invite_all, _agenda_rows(activity=instance), instance
            )
        )

    def _reload_on_change(self, form) -> None:
        for name in ("org", "kind", "planned_on"):
            form.fields[name].widget.attrs.update(
                {
                    "hx-post": self.request.path,
                    "hx-trigger": "change",
                    "hx-target": "#invitees",
                    "hx-swap": "outerHTML",
                    "hx-include": "#record-form",
                    "hx-vals": '{"_refresh": "1"}',
                }
            )

    def post(self, request, *args, **kwargs):
        try:
            instance = self._instance()
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect(reverse("activities:activity_detail", args=[kwargs["pk"]]))
        data = request.POST
        org = addable_org(self.request.user, data.get("org"), instance)
        kind = data.get("kind", "")
        day = parse_date(data.get("planned_on"))
        invite_all = data.get("invite", "all") == "all"
        chosen_ids = [pk for raw in data.getlist("invitee") if (pk := parse_id(raw)) is not None]
        chosen = None if invite_all else set(chosen_ids)
        people = self._people(org, kind, day, chosen)
        form = NoticeForm(data, user=request.user)
        if instance is not None:
            form.fields["org"].required = False
        self._reload_on_change(form)
        agenda = _agenda_rows(data)
        ctx_args = (org, kind, day, people, invite_all, agenda, instance)
        if "_refresh" in data:
            ctx = self._context(form, *ctx_args)
            if request.headers.get("HX-Request"):
                return render(request, "activities/_invitees.html", ctx)
            form.errors.clear()
            return self.render_to_response(ctx)
        if form.is_valid() and org is not None:
            invitees = None if invite_all else chosen_ids
            items = [{"title": a["title"], "is_first_topic": a["is_first_topic"]} for a in agenda]
            try:
                if instance is None:
                    notice = notices.schedule_notice(
                        request.user, org, form.notice_data(), items, invitees
                    )
                else:
                    notice = notices.update_notice(
                        request.user, instance, form.notice_data(), items, invitees
                    )
            except OutOfScope:
                form.add_error(None, _("该党组织不在您的管辖范围内，未保存。"))
            except ValidationError as exc:
                add_service_errors(form, exc, ERROR_LABELS)
            else:
                n = notice.receipts.count()
                messages.success(
                    request,
                    _("已发布会议通知，%(n)s 名党员登录后可在“我的”页面看到。") % {"n": n},
                )
                return redirect(notice.get_absolute_url())
        return self.render_to_response(self._context(form, *ctx_args))
