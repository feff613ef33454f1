"""Member pages: declarative views on the core generic views, writes through members.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from dangjian.core.crypto import mask_id_number, mask_phone
from dangjian.core.forms import add_service_errors
from dangjian.core.scoping import holds
from dangjian.core.services import OutOfScope
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from dangjian.orgs.models import CommitteePost

from . import identifiers, services
from .filtersets import ExitFilterSet, MemberFilterSet, TransferFilterSet
from .forms import (
    ARRIVAL_FIELDS,
    ExemptionForm,
    ExitForm,
    MemberForm,
    ProbationExtensionForm,
    TransferForm,
)
from .imports import MemberExporter
from .models import Exemption, Exit, Member, MembershipState, Transfer
from .tables import ExitTable, MemberTable, TransferTable
from .validation import looks_like_id_number, looks_like_mobile

OUT_OF_SCOPE_MESSAGE = gettext_lazy("保存后的党员将超出您的管辖范围，已取消保存。")


def masked_filters(params) -> dict:
    """The request's filters for an audit row, with a full ID number or phone in `q` masked."""
    filters = {k: v for k, v in params.items() if k not in ("export", "page") and v}
    q = filters.get("q", "").strip()
    if looks_like_id_number(q):
        filters["q"] = mask_id_number(q.upper())
    elif looks_like_mobile(q):
        filters["q"] = mask_phone(q)
    return filters


class MemberListView(ObjectListView):
    queryset = Member.objects.select_related("org", "unit")
    table = MemberTable
    filterset = MemberFilterSet
    exporter = MemberExporter()

    def filtered(self):
        """The page (and its export) lists the members in register (在册) unless the user
        chooses another 党籍状态 or 全部."""
        qs = self.get_queryset()
        data = self.request.GET.copy()
        if "membership" not in data:
            data["membership"] = MembershipState.NORMAL
        fs = self.filterset(data, queryset=qs, request=self.request)
        return fs.qs, fs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            # The export's audit row records the filters: a full ID or phone searched for
            # must appear there masked, like everywhere else.
            qs, _fs = self.filtered()
            return self.exporter.response(request.user, qs, filters=masked_filters(request.GET))
        q = request.GET.get("q", "").strip()
        if identifiers.exact_field(q) and not identifiers.reveals_anywhere(request.user):
            messages.info(request, identifiers.NEEDS_REVEAL_MESSAGE)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("members:member_add")}


class MemberDetailView(ObjectDetailView):
    queryset = Member.objects.select_related("org", "unit", "exit__approved_by_org")
    template_name = "members/member_detail.html"

    def get_queryset(self):
        """Also the members who left one of the user's orgs by an internal transfer: the
        source side keeps reading the record it handed over (never editing it: writes
        stay on the member's current org)."""
        user = self.request.user
        handed_over = Transfer.objects.restrict(user, "view").values("member_id")
        return super().get_queryset() | self.queryset.filter(pk__in=handed_over)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        member = ctx["object"]
        user = self.request.user
        ctx.update(
            exit=getattr(member, "exit", None),
            can_exit=ctx.get("can_change")
            and member.membership == MembershipState.NORMAL
            and holds(user, "members.add_exit", member.org.path),
            can_reveal=holds(user, "members.reveal_member", member.org.path),
            can_delete=holds(user, "members.delete_member", member.org.path),
            can_add_exemption=holds(user, "members.add_exemption", member.org.path),
            posts=CommitteePost.objects.restrict(user, "view")
            .filter(member=member)
            .select_related("term__org")
            .order_by("-term__started_on"),
            exemptions=Exemption.objects.restrict(user, "view").filter(member=member),
            transfers=Transfer.objects.restrict(user, "view")
            .filter(member=member)
            .select_related("from_org", "to_org"),
            # decisions/0008: the full birth date and a duplicated ID number only for those
            # who may reveal every member concerned.
            birth_shown=(
                f"{member.birth_date:%Y-%m-%d}"
                if member.birth_date and identifiers.can_reveal(user, member)
                else member.masked_birth_date()
            ),
            clash_partners=identifiers.clash_partners(user, member),
        )
        return ctx


class MemberEditView(ObjectEditView):
    queryset = Member.objects.select_related("org", "unit")
    form_class = MemberForm
    out_of_scope_message = OUT_OF_SCOPE_MESSAGE

    def save(self, form, instance):
        if instance.pk:
            return services.update_member(self.request.user, instance, **form.member_fields())
        data = form.cleaned_data
        if any(data.get(name) for name in ARRIVAL_FIELDS):
            member, _transfer = services.receive_member(
                self.request.user,
                arrived_on=data.get("arrived_on"),
                external_org_name=data.get("arrived_from") or "",
                letter_number=(data.get("arrival_letter_number") or "").strip(),
                dues_paid_until=(data.get("arrival_dues_paid_until") or "").strip(),
                **form.member_fields(),
            )
            return member
        return services.create_member(self.request.user, **form.member_fields())

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("members:member_list")}


class MemberDeleteView(ObjectDeleteView):
    queryset = Member.objects.select_related("org")
    success_url = "members:member_list"

    def delete(self, obj) -> None:
        services.delete_member(self.request.user, obj)


@method_decorator(never_cache, name="dispatch")
class MemberRevealView(ScopedViewMixin, View):
    """POST field=id_number|phone → the plaintext, as an htmx fragment or JSON; always audited."""

    queryset = Member.objects.all()
    action = "reveal"  # 403 unless the user holds members.reveal_member somewhere
    http_method_names = ["post"]

    def post(self, request, pk):
        member = get_object_or_404(Member.objects.restrict(request.user, "view"), pk=pk)
        field = request.POST.get("field", "")
        try:
            value = services.reveal(request.user, member, field)
        except ValidationError:
            return HttpResponseBadRequest(_("只能查看身份证号码或手机号码。"))
        except OutOfScope as exc:
            raise Http404(_("未找到。")) from exc
        if request.headers.get("HX-Request"):
            return render(request, "members/_revealed.html", {"value": value, "field": field})
        return JsonResponse({"id": member.pk, "field": field, "value": value})


class MemberTransferView(ScopedViewMixin, TemplateView):
    """组织关系转接 form on the member page; the service re-checks scope and writes the history."""

    queryset = Member.objects.select_related("org")
    action = "change"
    template_name = "members/member_transfer.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=TransferForm(user=request.user), object=self.get_object())
        )

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        form = TransferForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.transfer_member(
                    request.user,
                    member,
                    data["to_org"],
                    data["transferred_on"],
                    external_org_name=data["external_org_name"],
                    letter_number=data["letter_number"],
                    dues_paid_until=data["dues_paid_until"],
                )
            except OutOfScope:
                form.add_error(None, OUT_OF_SCOPE_MESSAGE)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已办理组织关系转接。"))
                return redirect(member.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, object=member))


class ProbationExtendView(ScopedViewMixin, TemplateView):
    """延长预备期 on the member page; members.services.extend_probation decides."""

    queryset = Member.objects.select_related("org")
    action = "change"
    template_name = "members/probation_extend.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=ProbationExtensionForm(), object=self.get_object())
        )

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        form = ProbationExtensionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.extend_probation(
                    request.user, member, data["months"], data["decided_on"], data["reason"]
                )
            except OutOfScope as exc:
                raise Http404(_("未找到。")) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记延长预备期。"))
                return redirect(member.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, object=member))


class ExemptionAddView(ScopedViewMixin, TemplateView):
    queryset = Exemption.objects.all()
    action = "add"
    template_name = "members/exemption_form.html"

    def get_member(self) -> Member:
        return get_object_or_404(
            Member.objects.restrict(self.request.user, "change"), pk=self.kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=ExemptionForm(), object=self.get_member())
        )

    def post(self, request, *args, **kwargs):
        member = self.get_member()
        form = ExemptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_exemption(
                    request.user,
                    member,
                    data["reason"],
                    data["starts_on"],
                    data["ends_on"],
                    note=data["note"],
                    approved_by=data["approved_by"],
                )
            except OutOfScope:
                form.add_error(None, OUT_OF_SCOPE_MESSAGE)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记免于参加组织生活。"))
                return redirect(reverse("members:member_detail", args=[member.pk]))
        return self.render_to_response(self.get_context_data(form=form, object=member))


class ExitAddView(ScopedViewMixin, TemplateView):
    """出党/减少 on the member page (roles that may change the member); record_exit decides."""

    queryset = Member.objects.select_related("org")
    action = "change"
    template_name = "members/exit_form.html"

    def get(self, request, *args, **kwargs):
        member = self.get_object()
        form = ExitForm(user=request.user, member=member)
        return self.render_to_response(self.get_context_data(form=form, object=member))

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        form = ExitForm(request.POST, user=request.user, member=member)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_exit(
                    request.user,
                    member,
                    data["kind"],
                    data["left_on"],
                    reason=data["reason"],
                    approved_by_org=data["approved_by_org"],
                    approved_by_name=data["approved_by_name"],
                    document_number=data["document_number"],
                )
            except OutOfScope as exc:
                raise Http404(_("未找到。")) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记出党/减少。"))
                return redirect(member.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, object=member))


class ExitListView(ObjectListView):
    queryset = Exit.objects.select_related("member__org", "approved_by_org")
    table = ExitTable
    filterset = ExitFilterSet
    title = "出党/减少名册"


class TransferListView(ObjectListView):
    """组织关系转接: both sides of an internal transfer list it."""

    queryset = Transfer.objects.select_related("member", "from_org", "to_org")
    table = TransferTable
    filterset = TransferFilterSet
    title = "组织关系转接"
