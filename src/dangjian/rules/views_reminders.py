"""Pages: the 换届 sweep, the reminder inbox, and the holiday calendar behind the reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from dangjian.core import bounds, services
from dangjian.core.models import snapshot
from dangjian.core.orgpicker import render_org_picker
from dangjian.core.scoping import has_any_scope, holds_at_top
from dangjian.orgs.models import Organization

from . import holidays, inbox, notifications, sweep
from .models_notifications import HolidaySchedule, Notification, NotificationKind

INBOX_PAGE_SIZE = 30
GROUP_PAGE_SIZE = 30


def parse_date(raw: str | None, today: dt.date) -> tuple[dt.date, str]:
    """(date, error message): an empty value is today; a bad one is today plus a message."""
    if not raw:
        return today, ""
    day = bounds.parse_date(raw)
    if day is not None:
        return day, ""
    return today, f"日期“{raw}”无效，请按 2026-06-30 的格式选择排查日期；已按今天显示。"


def scoped_org(user: Any, raw: str | None) -> Organization | None:
    """The org named by `within`, if the user may see it; otherwise 404 (same as missing)."""
    if not raw:
        return None
    pk = bounds.parse_id(raw)
    if pk is None:
        raise Http404("未找到该党组织。")
    return get_object_or_404(Organization.objects.restrict(user, "view"), pk=pk)


class SweepView(LoginRequiredMixin, TemplateView):
    """换届排查: one date (default today; presets are the half-year report dates)."""

    template_name = "rules/sweep.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_scope(request.user, Organization, "view"):
            services.emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied("您没有查看党组织的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        day, error = parse_date(request.GET.get("date"), today)
        within = scoped_org(request.user, request.GET.get("within"))
        status = request.GET.get("status") or ""
        if status not in sweep.STATUSES:
            status = ""
        result = sweep.run_sweep(request.user, day, within)
        if request.GET.get("export") == "xlsx" and not error:
            return sweep.xlsx_download(request.user, result, within)
        shown = [r for r in result.rows if r.status == status] if status else None
        attention = [r for r in result.rows if r.status != sweep.S.NORMAL]
        ctx = self.get_context_data(
            title="换届情况排查",
            day=day,
            today=today,
            error=error,
            within=within,
            status=status,
            status_label=sweep.STATUS_LABELS.get(status, ""),
            sweep=result,
            statuses=[
                (s, sweep.STATUS_LABELS[s], sweep.STATUS_BADGES[s], result.totals[s])
                for s in sweep.STATUSES
            ],
            rows=shown if shown is not None else attention,
            presets=sweep.recent_half_year_ends(today),
            citation=sweep.CITATION,
        )
        return self.render_to_response(ctx)


class InboxView(LoginRequiredMixin, TemplateView):
    """The user's own reminders: a digest by unit, groups by kind and org, or one by one.

    The 工委 and unit admins start from the digest (hundreds of reminders become one line
    per unit, drilled into by a click), everyone else from the groups; the filters (kind,
    org subtree, time, read state) apply to all three views.
    """

    template_name = "rules/reminders/inbox.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        f = inbox.parse_filters(user, self.request.GET)
        default = inbox.default_view(user)
        view = self.request.GET.get("view") or default
        if view not in inbox.VIEWS:
            view = default
        qs = inbox.filtered(user, f)
        page_size = INBOX_PAGE_SIZE if view == "list" else GROUP_PAGE_SIZE
        if view == "list":
            rows: Any = qs.select_related("org").inbox_order()
        elif view == "groups":
            rows = inbox.groups(qs)
        else:
            rows = inbox.digests(qs, inbox.digest_depth(user))
        page = Paginator(rows, page_size).get_page(self.request.GET.get("page"))
        items = inbox.with_rule_titles(page.object_list) if view == "list" else page.object_list
        for row in items if view != "list" else ():
            row.drill = _drill(f, view, row)
        labels = dict(inbox.VIEWS, digest=inbox.digest_label(user))
        views = [
            (key, label, f.query(view=key))
            for key, label in labels.items()
            if key != "digest" or default == "digest"
        ]
        ctx.update(
            title="我的提醒",
            filters=f,
            view=view,
            views=views,
            page_obj=page,
            notifications=items if view == "list" else [],
            groups=items if view == "groups" else [],
            digests=items if view == "digest" else [],
            unread_total=notifications.request_unread_count(self.request),
            kind_choices=NotificationKind.choices,
            period_choices=[(k, label) for k, (label, _days) in inbox.PERIODS.items()],
            status_choices=list(inbox.STATUSES.items()),
            org_picker=_org_picker(user, f),
        )
        return ctx


def _drill(f: inbox.Filters, view: str, row: Any) -> str:
    """The query string that opens a digest row (its groups) or a group (its reminders)."""
    if view == "digest":
        if row.org_id is None:
            return f.query(view="list", org="", exact=1)
        # A row about the level itself opens that org's own reminders, not its subtree's.
        return f.query(
            view="list" if row.own else "groups", org=row.org_id, exact=1 if row.own else ""
        )
    return f.query(view="list", kind=row.kind, org=row.org_id or "", exact=1)


def _org_picker(user: Any, f: inbox.Filters) -> str:
    """The org picker (core.orgpicker) of the org filter; none for a user who sees no org."""
    if not has_any_scope(user, Organization, "view"):
        return ""
    orgs = Organization.objects.restrict(user, "view")
    return render_org_picker(
        "org", orgs, f.org.pk if f.org else None, empty_label="全部组织", id="f-org"
    )


class NotificationGroupReadView(LoginRequiredMixin, View):
    """POST: mark a group of the user's reminders read (one UPDATE), then back to the inbox.

    The page's filters come as `kind`, `org`, `period`, `status`; the group as `group_kind`
    and `group_org` — with `group_exact=1` that one org (or no org), else its subtree.
    """

    def post(self, request):
        user = request.user
        f = inbox.parse_filters(user, request.POST)
        view = request.POST.get("view", "")
        group_kind = request.POST.get("group_kind", "")
        if group_kind and group_kind not in NotificationKind.values:
            raise Http404("提醒类型无效。")
        raw_org = request.POST.get("group_org", "")
        exact = request.POST.get("group_exact") == "1"
        org_id = None
        if raw_org:
            org_id = bounds.parse_id(raw_org)
            if org_id is None:
                raise Http404("未找到该党组织。")
            if not exact:
                # The group is a subtree: it narrows the page's org filter.
                f.org = get_object_or_404(Organization.objects.restrict(user, "view"), pk=org_id)
        count = inbox.mark_read(user, f, kind=group_kind, org_id=org_id, exact=exact)
        messages.success(request, f"已将 {count} 条提醒标为已读。")
        back = inbox.parse_filters(user, request.POST).query(
            view=view if view in inbox.VIEWS else ""
        )
        return redirect(reverse("rules:inbox") + (f"?{back}" if back else ""))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class NotificationReadView(LoginRequiredMixin, View):
    """POST: mark one of the user's notifications read (htmx swaps the item in place)."""

    def post(self, request, pk: int):
        n = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        if n.read_at is None:
            notifications.mark_read(request.user, [n.pk])
            n.refresh_from_db(fields=["read_at"])
        if _is_htmx(request):
            # The navbar badge follows out of band (one COUNT), no page reload.
            inbox.with_rule_titles([n])
            ctx = {"n": n, "unread_badge": notifications.unread_count(request.user)}
            resp = render(request, "rules/reminders/_item.html", ctx)
            resp["HX-Trigger"] = "notifications-changed"
            return resp
        return redirect("rules:inbox")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = notifications.mark_read(request.user)
        if _is_htmx(request):
            resp = HttpResponse(status=204)
            resp["HX-Refresh"] = "true"
            return resp
        messages.success(request, f"已将 {count} 条提醒标为已读。")
        return redirect("rules:inbox")


class NotificationOpenView(LoginRequiredMixin, View):
    """Follow a reminder's link; opening it marks it read."""

    def get(self, request, pk: int):
        n = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        if n.read_at is None:
            notifications.mark_read(request.user, [n.pk])
        target = n.link
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ):
            target = reverse("rules:inbox")
        return redirect(target)


def can_manage_holidays(user: Any) -> bool:
    """Holiday schedules apply to the whole city: only a role over the whole tree edits them."""
    return holds_at_top(user, "orgs.change_organization", Organization.steplen)


class HolidayView(LoginRequiredMixin, TemplateView):
    """The holiday periods the reminders use, their source, and the admin-entered schedule."""

    template_name = "rules/reminders/holidays.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            year = int(self.request.GET.get("year") or today.year)
        except ValueError:
            year = today.year
        year = min(max(year, 2004), 2100)
        days = holidays.reminder_days()
        periods = [
            (p, p.starts_on - dt.timedelta(days=days)) for p in holidays.periods_for_year(year)
        ]
        ctx.update(
            title="节假日提醒安排",
            year=year,
            years=[year - 1, year, year + 1],
            periods=periods,
            reminder_days=days,
            schedules=HolidaySchedule.objects.filter(starts_on__year=year),
            can_manage=can_manage_holidays(self.request.user),
            citation=holidays.CITATION,
            form_values=kwargs.get("form_values", {}),
            form_errors=kwargs.get("form_errors", []),
        )
        return ctx

    def post(self, request):
        if not can_manage_holidays(request.user):
            services.emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied("只有工委管理员可以录入放假安排。")
        if "delete" in request.POST:
            row = get_object_or_404(HolidaySchedule, pk=bounds.parse_id(request.POST["delete"]))
            with transaction.atomic():
                services.emit("delete", row, before=snapshot(row), after=None)
                row.delete()
            holidays.library_periods.cache_clear()
            messages.success(request, "已删除该放假安排。")
            return redirect(f"{reverse('rules:holidays')}?year={row.starts_on.year}")
        values = {
            k: request.POST.get(k, "").strip()
            for k in ("name", "starts_on", "ends_on", "first_workday", "note")
        }
        errors: list[str] = []
        parsed: dict[str, dt.date | None] = {}
        for key, label in (
            ("starts_on", "放假开始日期"),
            ("ends_on", "放假结束日期"),
            ("first_workday", "节后第一个工作日"),
        ):
            raw = values[key]
            if not raw:
                parsed[key] = None
                continue
            parsed[key] = bounds.parse_date(raw)
            if parsed[key] is None:
                errors.append(f"{label}“{raw}”无效，请按 2031-10-01 的格式填写。")
        if not values["name"]:
            errors.append("请填写节日名称，如：国庆节。")
        if not parsed.get("starts_on") or not parsed.get("ends_on"):
            errors.append("请填写放假开始日期和结束日期。")
        row = None
        if not errors:
            row = HolidaySchedule(
                name=values["name"],
                starts_on=parsed["starts_on"],
                ends_on=parsed["ends_on"],
                first_workday=parsed["first_workday"],
                note=values["note"],
            )
            try:
                # The unique start date is checked by the database (message below).
                row.full_clean(validate_constraints=False)
                with transaction.atomic():
                    row.save()
                    services.emit("create", row, after=snapshot(row))
            except ValidationError as exc:
                errors.extend(exc.messages)
            except IntegrityError:
                errors.append("该日期开始的放假安排已录入，请勿重复录入。")
        if errors:
            ctx = self.get_context_data(form_values=values, form_errors=errors)
            return self.render_to_response(ctx, status=400)
        messages.success(request, f"已录入放假安排：{row}。")
        return redirect(f"{reverse('rules:holidays')}?year={row.starts_on.year}")
