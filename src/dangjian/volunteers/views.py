"""Pages of the volunteers app: the generic views, writes through `services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from dangjian.activities.models import Participation, ParticipationStatus
from dangjian.core.bounds import YEAR_MAX, YEAR_MIN, parse_id, parse_int
from dangjian.core.forms import add_service_errors
from dangjian.core.scoping import has_any_scope
from dangjian.core.services import OutOfScope
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from dangjian.orgs.models import Organization

from . import coverage, services
from .exports import CommunityExporter, FeedbackExporter, RegistrationExporter, TaskForceExporter
from .filtersets import (
    CommunityFilterSet,
    FeedbackFilterSet,
    RegistrationFilterSet,
    TaskForceFilterSet,
)
from .forms import (
    CommunityForm,
    FeedbackForm,
    RegistrationForm,
    ServiceRecordForm,
    TaskForceForm,
    TaskForceMemberForm,
)
from .models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)
from .tables import CommunityTable, FeedbackTable, RegistrationTable, TaskForceTable

SERVICES_SHOWN = 20


def _fields(form, names) -> dict[str, Any]:
    return {f: form.cleaned_data.get(f) for f in names if f in form.cleaned_data}


class _Links:
    """The list page's 新增 link and the detail page's 编辑/删除 links of one model."""

    prefix = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)  # type: ignore[misc]
        ctx["add_url"] = reverse(f"volunteers:{self.prefix}_add")
        obj = ctx.get("object")
        if obj is not None and obj.pk:
            user = self.request.user  # type: ignore[attr-defined]
            ctx["edit_url"] = reverse(f"volunteers:{self.prefix}_edit", args=[obj.pk])
            ctx["delete_url"] = reverse(f"volunteers:{self.prefix}_delete", args=[obj.pk])
            ctx["can_delete"] = (
                type(obj).objects.restrict(user, "delete").filter(pk=obj.pk).exists()
            )
        return ctx


# --- communities --------------------------------------------------------------------------
class CommunityListView(_Links, ObjectListView):
    prefix = "community"
    queryset = Community.objects.all()
    table = CommunityTable
    filterset = CommunityFilterSet
    exporter = CommunityExporter()
    template_name = "volunteers/community_list.html"


class CommunityDetailView(_Links, ObjectDetailView):
    prefix = "community"
    queryset = Community.objects.select_related("org")
    template_name = "volunteers/community_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj, user = ctx["object"], self.request.user
        year = services.today().year
        regs = coverage.active_in(
            CommunityRegistration.objects.restrict(user, "view").filter(community=obj), year
        )
        ctx["year"] = year
        ctx["org_registrations"] = list(
            regs.filter(member__isnull=True).select_related("org").order_by("org__path")[:50]
        )
        ctx["member_registrations"] = regs.filter(member__isnull=False).count()
        records = (
            ServiceRecord.objects.restrict(user, "view")
            .filter(community=obj)
            .select_related("activity__org")
            .annotate(n=Count("activity__participations"))
            .order_by("-activity__held_on", "-id")
        )
        ctx["services"] = list(records[:SERVICES_SHOWN])
        hours = Participation.objects.restrict(user, "view").filter(
            activity__in=records.values("activity_id"), status=ParticipationStatus.ATTENDED
        )
        total = hours.aggregate(s=Sum("hours"))["s"] or 0
        ctx["service_hours"] = Decimal(total).quantize(Decimal("0.1"))  # SQLite sums as floats
        ctx["can_add_registration"] = has_any_scope(user, CommunityRegistration, "add")
        return ctx


class CommunityEditView(ObjectEditView):
    queryset = Community.objects.select_related("org")
    form_class = CommunityForm

    def save(self, form, instance):
        return services.save_community(
            self.request.user, instance, **_fields(form, services.COMMUNITY_FIELDS)
        )


class CommunityDeleteView(ObjectDeleteView):
    queryset = Community.objects.select_related("org")
    success_url = "/volunteers/communities/"

    def delete(self, obj):
        services.delete_community(self.request.user, obj)


# --- 双报到 ------------------------------------------------------------------------------
REGISTRATION_RELATED = ("org", "member", "community")


class RegistrationListView(_Links, ObjectListView):
    prefix = "registration"
    queryset = CommunityRegistration.objects.select_related(*REGISTRATION_RELATED)
    table = RegistrationTable
    filterset = RegistrationFilterSet
    exporter = RegistrationExporter()
    title = "双报到登记"


class RegistrationDetailView(_Links, ObjectDetailView):
    prefix = "registration"
    queryset = CommunityRegistration.objects.select_related(*REGISTRATION_RELATED)
    template_name = "volunteers/registration_detail.html"


class RegistrationEditView(ObjectEditView):
    queryset = CommunityRegistration.objects.select_related(*REGISTRATION_RELATED)
    form_class = RegistrationForm

    def save(self, form, instance):
        fields = _fields(form, services.REGISTRATION_FIELDS)
        return services.save_registration(self.request.user, instance, **fields)


class RegistrationDeleteView(ObjectDeleteView):
    queryset = CommunityRegistration.objects.select_related(*REGISTRATION_RELATED)
    success_url = "/volunteers/registrations/"

    def delete(self, obj):
        services.delete_registration(self.request.user, obj)


class CoverageView(ScopedViewMixin, TemplateView):
    """A unit's (or the 工委's) 双报到 page: its own registrations and its members'."""

    queryset = CommunityRegistration.objects.all()
    template_name = "volunteers/coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = services.today()
        year = parse_int(self.request.GET.get("year"), YEAR_MIN, YEAR_MAX) or today.year
        within = None
        org_id = parse_id(self.request.GET.get("within"))
        if org_id is not None:
            within = get_object_or_404(Organization.objects.restrict(user, "view"), pk=org_id)
        ctx["coverage"] = coverage.build(user, year, within)
        ctx["year"] = year
        ctx["years"] = list(range(today.year, today.year - 5, -1))
        ctx["title"] = "双报到"
        return ctx


# --- service records --------------------------------------------------------------------
class ServiceRecordEditView(ObjectEditView):
    queryset = ServiceRecord.objects.select_related("activity__org", "community")
    form_class = ServiceRecordForm

    def save(self, form, instance):
        fields = _fields(form, ("activity", "community", "note"))
        return services.save_service_record(self.request.user, instance, **fields)

    def get_success_url(self, obj) -> str:
        return obj.activity.get_absolute_url()


class ServiceRecordDeleteView(ObjectDeleteView):
    queryset = ServiceRecord.objects.select_related("activity__org", "community")

    def get_success_url(self, obj) -> str:
        return reverse("activities:activity_detail", args=[obj.activity_id])

    def delete(self, obj):
        services.delete_service_record(self.request.user, obj)


# --- feedback ---------------------------------------------------------------------------
FEEDBACK_RELATED = ("community", "org", "member", "recorded_by")


class FeedbackListView(_Links, ObjectListView):
    prefix = "feedback"
    queryset = CommunityFeedback.objects.select_related(*FEEDBACK_RELATED)
    table = FeedbackTable
    filterset = FeedbackFilterSet
    exporter = FeedbackExporter()


class FeedbackDetailView(_Links, ObjectDetailView):
    prefix = "feedback"
    queryset = CommunityFeedback.objects.select_related(*FEEDBACK_RELATED)
    template_name = "volunteers/feedback_detail.html"


class FeedbackEditView(ObjectEditView):
    queryset = CommunityFeedback.objects.select_related(*FEEDBACK_RELATED)
    form_class = FeedbackForm

    def save(self, form, instance):
        fields = _fields(form, services.FEEDBACK_FIELDS)
        return services.save_feedback(self.request.user, instance, **fields)


class FeedbackDeleteView(ObjectDeleteView):
    queryset = CommunityFeedback.objects.select_related(*FEEDBACK_RELATED)
    success_url = "/volunteers/feedback/"

    def delete(self, obj):
        services.delete_feedback(self.request.user, obj)


# --- task forces --------------------------------------------------------------------------
class TaskForceListView(_Links, ObjectListView):
    prefix = "taskforce"
    queryset = TaskForce.objects.select_related("org").annotate(n_members=Count("members"))
    table = TaskForceTable
    filterset = TaskForceFilterSet
    exporter = TaskForceExporter()


class TaskForceDetailView(_Links, ObjectDetailView):
    prefix = "taskforce"
    queryset = TaskForce.objects.select_related("org")
    template_name = "volunteers/taskforce_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = ctx["object"]
        ctx["members"] = list(
            TaskForceMember.objects.restrict(self.request.user, "view")
            .filter(task_force=obj)
            .select_related("member__org")
            .order_by("role", "joined_on", "id")
        )
        ctx["member_form"] = TaskForceMemberForm(user=self.request.user, task_force=obj)
        return ctx


class TaskForceEditView(ObjectEditView):
    queryset = TaskForce.objects.select_related("org")
    form_class = TaskForceForm

    def save(self, form, instance):
        fields = _fields(form, services.TASKFORCE_FIELDS)
        return services.save_task_force(self.request.user, instance, **fields)


class TaskForceDeleteView(ObjectDeleteView):
    queryset = TaskForce.objects.select_related("org")
    success_url = "/volunteers/task-forces/"

    def delete(self, obj):
        services.delete_task_force(self.request.user, obj)


class TaskForceMemberAddView(ScopedViewMixin, TemplateView):
    """POST a member into the task force (the form sits on the task force's page)."""

    queryset = TaskForce.objects.select_related("org")
    action = "change"
    template_name = "volunteers/taskforce_member_add.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_scope(
            request.user, TaskForceMember, "add"
        ):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("您没有执行此操作的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("object", self.task_force)
        ctx.setdefault(
            "form", TaskForceMemberForm(user=self.request.user, task_force=self.task_force)
        )
        return ctx

    def get(self, request, *args, **kwargs):
        self.task_force = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        tf = self.task_force = self.get_object()
        form = TaskForceMemberForm(request.POST, user=request.user, task_force=tf)
        if form.is_valid():
            row = TaskForceMember(task_force=tf)
            try:
                services.save_task_force_member(
                    request.user, row, **_fields(form, services.TASKFORCE_MEMBER_FIELDS)
                )
            except OutOfScope:
                form.add_error(None, "该队员不在您的管辖范围内。")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已将{row.member.name}加入{tf.name}。")
                return redirect(tf.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class TaskForceMemberEditView(ObjectEditView):
    queryset = TaskForceMember.objects.select_related("task_force__org", "member")
    form_class = TaskForceMemberForm

    def save(self, form, instance):
        fields = _fields(form, services.TASKFORCE_MEMBER_FIELDS)
        return services.save_task_force_member(self.request.user, instance, **fields)


class TaskForceMemberDeleteView(ObjectDeleteView):
    queryset = TaskForceMember.objects.select_related("task_force__org", "member")

    def get_success_url(self, obj) -> str:
        return reverse("volunteers:taskforce_detail", args=[obj.task_force_id])

    def delete(self, obj):
        services.delete_task_force_member(self.request.user, obj)
