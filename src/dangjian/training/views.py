"""Pages of the training app: classes (list, detail with the attendance matrix, forms),
enrolment, sessions and their attendance, certificates, the enrolment list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from dangjian.activities.models import ParticipationStatus
from dangjian.core import services as core_services
from dangjian.core.bounds import parse_int
from dangjian.core.forms import add_service_errors
from dangjian.core.models import snapshot
from dangjian.core.scoping import has_any_scope, holds
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import hours, services
from .filtersets import EnrolmentFilterSet, TrainingClassFilterSet
from .forms import AttendanceDateForm, EnrolForm, SessionForm, TrainingClassForm
from .imports import EnrolmentExporter
from .models import ClassSession, Enrolment, EnrolmentStatus, TrainingClass
from .tables import EnrolmentTable, TrainingClassTable


def _count(rows: Any, outer: str) -> Coalesce:
    """Rows of `rows` per class, as one correlated subquery."""
    counted = (
        rows.filter(training_class=OuterRef("pk"))
        .order_by()
        .values("training_class")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


CLASSES = TrainingClass.objects.select_related("org").annotate(
    n_sessions=_count(ClassSession.objects.all(), "pk"),
    n_enrolled=_count(Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED), "pk"),
)


class ClassListView(ObjectListView):
    queryset = CLASSES
    table = TrainingClassTable
    filterset = TrainingClassFilterSet
    title = "培训班与夜校"


class ClassDetailView(ObjectDetailView):
    queryset = TrainingClass.objects.select_related("org")
    template_name = "training/class_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        klass = ctx["object"]
        user = self.request.user
        mine = Enrolment.objects.restrict(user, "view")
        page = parse_int(self.request.GET.get("page"), 1, 10_000) or 1
        matrix = hours.matrix(klass, mine, page=page)
        organizer = holds(user, "training.change_trainingclass", klass.org.path)
        ctx.update(
            matrix=matrix,
            organizer=organizer,
            can_delete=holds(user, "training.delete_trainingclass", klass.org.path),
            can_enrol=has_any_scope(user, Enrolment, "add")
            and klass.enrolment_open
            and klass.ends_on >= services.today(),
            can_record=organizer and holds(user, "activities.change_activity", klass.org.path),
            n_enrolled=klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
        )
        return ctx


class ClassEditView(ObjectEditView):
    queryset = TrainingClass.objects.select_related("org")
    form_class = TrainingClassForm

    def save(self, form, instance):
        before = snapshot(instance) if instance.pk else None
        return services.save_class(self.request.user, form.save(commit=False), before)


class ClassDeleteView(ObjectDeleteView):
    queryset = TrainingClass.objects.select_related("org")
    success_url = "/training/"

    def delete(self, obj) -> None:
        services.delete_class(self.request.user, obj)


class _ClassFormPage(ScopedViewMixin, TemplateView):
    """A page of one class (fetched in the user's scope for `action`) with one form."""

    queryset = TrainingClass.objects.select_related("org")
    template_name = "training/class_form.html"
    heading = ""

    def form(self, klass, data=None):
        raise NotImplementedError

    def write(self, klass, form):
        raise NotImplementedError

    def render_page(self, klass, form, **extra):
        return self.render_to_response(
            self.get_context_data(object=klass, form=form, heading=self.heading, **extra)
        )

    def get(self, request, *args, **kwargs):
        klass = self.get_object()
        return self.render_page(klass, self.form(klass))

    def post(self, request, *args, **kwargs):
        klass = self.get_object()
        form = self.form(klass, request.POST)
        if form.is_valid():
            try:
                message = self.write(klass, form)
            except core_services.OutOfScope:
                raise Http404(_("未找到。")) from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(klass.get_absolute_url())
        return self.render_page(klass, form)


class EnrolView(_ClassFormPage):
    """报名: members the user may enrol, into a class they can see (also one held above)."""

    heading = "报名"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_any_scope(request.user, Enrolment, "add"):
            core_services.emit("permission_denied", None, outcome="failure", path=request.path)
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def form(self, klass, data=None):
        initial = {"enrolled_on": services.today()}
        return EnrolForm(data, user=self.request.user, initial=initial)

    def write(self, klass, form):
        rows = services.enrol(
            self.request.user,
            klass,
            form.cleaned_data["members"],
            form.cleaned_data["enrolled_on"],
            form.cleaned_data["note"],
        )
        return f"已为 {len(rows)} 名党员报名。"


class SessionAddView(_ClassFormPage):
    """A new 课次: a training activity of the class's org."""

    action = "change"
    heading = "新增课次"

    def form(self, klass, data=None):
        initial = {
            "title": f"{klass.title}（第{klass.class_sessions.count() + 1}课）",
            "place": klass.place,
        }
        return SessionForm(data, initial=initial)

    def write(self, klass, form):
        session = services.add_session(self.request.user, klass, form.cleaned_data)
        return f"已新增第 {session.number} 课。"


class AttendanceView(_ClassFormPage):
    """Attendance of one session: each enrolled member's 参加情况 and 学时."""

    action = "change"
    template_name = "training/attendance.html"

    def get_object(self):
        # The URL names the session (not the class): the class is then fetched in the
        # user's scope for changing it, so a session of another org's class is a 404.
        klass_id = (
            ClassSession.objects.filter(pk=self.kwargs["session"])
            .values_list("training_class_id", flat=True)
            .first()
        )
        return get_object_or_404(self.get_queryset(), pk=klass_id or 0)

    def session(self, klass) -> ClassSession:
        if getattr(self, "_session", None) is None:
            self._session = ClassSession.objects.select_related("activity").get(
                pk=self.kwargs["session"], training_class=klass
            )
        return self._session

    def page_of_enrolled(self, klass) -> tuple[list[Enrolment], int, int]:
        """This page's enrolled members (100 a page, like the matrix), the page, the pages."""
        enrolled = Enrolment.objects.filter(
            training_class=klass, status=EnrolmentStatus.ENROLLED
        ).order_by("member__org__path", "member__name", "pk")
        pages = max(1, -(-enrolled.count() // hours.MATRIX_PAGE))
        raw = self.request.POST.get("page") or self.request.GET.get("page")
        page = min(parse_int(raw, 1, 10_000) or 1, pages)
        start = (page - 1) * hours.MATRIX_PAGE
        listed = list(
            enrolled.select_related("member__org").only(
                "member__name", "member__org__name", "training_class_id"
            )[start : start + hours.MATRIX_PAGE]
        )
        return listed, page, pages

    def rows(self, klass, session, enrolled):
        recorded = {
            p.member_id: p
            for p in session.activity.participations.filter(
                member_id__in=[e.member_id for e in enrolled]
            ).only("member_id", "activity_id", "status", "hours")
        }
        post = self.request.POST if self.request.method == "POST" else None
        out = []
        for e in enrolled:
            p = recorded.get(e.member_id)
            status = p.status if p else ""
            hrs = p.hours if p and p.hours is not None else ""
            if post is not None:
                status = post.get(f"status-{e.member_id}", "")
                hrs = post.get(f"hours-{e.member_id}", "")
            out.append({"enrolment": e, "status": status, "hours": hrs})
        return out

    def form(self, klass, data=None):
        session = self.session(klass)
        day = session.activity.held_on or min(
            session.activity.planned_on or services.today(), services.today()
        )
        return AttendanceDateForm(data, initial={"held_on": day})

    def render_page(self, klass, form, **extra):
        session = self.session(klass)
        enrolled, page, pages = self.page_of_enrolled(klass)
        return super().render_page(
            klass,
            form,
            session=session,
            rows=self.rows(klass, session, enrolled),
            page=page,
            pages=pages,
            statuses=[
                ("", "未登记"),
                (ParticipationStatus.ATTENDED, "出席"),
                (ParticipationStatus.LEAVE, "请假"),
                (ParticipationStatus.ABSENT, "缺席"),
            ],
            **extra,
        )

    def write(self, klass, form):
        session = self.session(klass)
        member_ids = [e.member_id for e in self.page_of_enrolled(klass)[0]]
        post = self.request.POST
        rows = [
            services.AttendanceRow(
                member_id=pk,
                status=post.get(f"status-{pk}", ""),
                hours=post.get(f"hours-{pk}", ""),
            )
            for pk in member_ids
        ]
        services.record_attendance(self.request.user, session, form.cleaned_data["held_on"], rows)
        return f"已登记第 {session.number} 课的出席情况。"


class CertificateListView(ObjectDetailView):
    """结业名单: the members who met the class's attendance requirement (printable)."""

    queryset = TrainingClass.objects.select_related("org")
    template_name = "training/certificates.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        klass = ctx["object"]
        ctx["matrix"] = hours.matrix(klass, Enrolment.objects.restrict(self.request.user, "view"))
        return ctx


class CertificateView(ObjectDetailView):
    """One member's 结业证书 (print CSS: one page, no navigation)."""

    queryset = hours.with_progress(
        Enrolment.objects.select_related("member__org", "training_class__org")
    )
    template_name = "training/certificate.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        e = ctx["object"]
        ctx["certified"] = (
            e.status == EnrolmentStatus.ENROLLED
            and e.n_attended >= e.training_class.required_sessions
        )
        return ctx


class EnrolmentListView(ObjectListView):
    queryset = hours.with_progress(
        Enrolment.objects.select_related("member__org", "training_class")
    )
    table = EnrolmentTable
    filterset = EnrolmentFilterSet
    exporter = EnrolmentExporter()
    title = "培训班报名"


class EnrolmentDetailView(ObjectDetailView):
    queryset = hours.with_progress(
        Enrolment.objects.select_related("member__org", "training_class__org")
    )
    template_name = "training/enrolment_detail.html"


class EnrolmentStatusView(ScopedViewMixin, TemplateView):
    """退出 / 恢复报名 (POST only)."""

    queryset = Enrolment.objects.select_related("member", "training_class")
    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        enrolment = self.get_object()
        status = request.POST.get("status", "")
        try:
            services.set_enrolment_status(request.user, enrolment, status)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "已更新报名状态。")
        return redirect(enrolment.get_absolute_url())


class EnrolmentDeleteView(ObjectDeleteView):
    queryset = Enrolment.objects.select_related("member", "training_class")
    success_url = "/training/enrolments/"
