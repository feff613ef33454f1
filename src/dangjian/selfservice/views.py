"""党员自助 pages: the member's 我的 page, and the admin's member-account pages.

我的 (`/me/`) reads only the signed-in account's own member record (members.ownership).
The account pages are scoped like every other page (`MemberAccount.objects.restrict`):
the list, one member's account, opening accounts in bulk (a printable page of slips, shown
once) and resetting an initial password.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dangjian.core.bounds import parse_id
from dangjian.core.views import ObjectDetailView, ObjectListView, ScopedViewMixin
from dangjian.members.models import MembershipState
from dangjian.members.ownership import own_member
from dangjian.orgs.models import Organization

from . import services
from .filtersets import MemberAccountFilterSet
from .me import party_age
from .models import MemberAccount
from .sections import build_all
from .tables import MemberAccountTable

# Up to this many members, the open page lists them by name (each can be left out).
LISTED = 200
SLIPS_TEMPLATE = "selfservice/slips.html"


class MeView(LoginRequiredMixin, TemplateView):
    """我的: the member's own record, reminders, upcoming meetings and organizational life."""

    template_name = "selfservice/me.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        member = own_member(self.request.user)
        today = timezone.localdate()
        ctx.update(title=_("我的"), member=member, today=today)
        if member is not None:
            ctx.update(
                party_age=party_age(member, today),
                sections=build_all(member, today, self.request.user),
            )
        return ctx


# --- the admin's member-account pages ---------------------------------------------------------


class MemberAccountListView(ObjectListView):
    queryset = (
        MemberAccount.objects.select_related("org", "account")
        .only(
            "name",
            "status",
            "membership",
            "org__name",
            "org__path",
            "account__last_login",
            "account__must_change_password",
            "account__is_active",
        )
        .filter(Q(membership=MembershipState.NORMAL) | Q(account__isnull=False))
        .order_by("org__path", "name", "pk")
    )
    table = MemberAccountTable
    filterset = MemberAccountFilterSet
    template_name = "selfservice/account_list.html"
    title = _("党员账号")


class MemberAccountDetailView(ObjectDetailView):
    queryset = MemberAccount.objects.select_related("org", "account")
    template_name = "selfservice/account_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = ctx["object"]
        user = self.request.user
        refusal = services.may_reset(user, obj) if obj.account_id else None
        ctx.update(
            title=_("%(name)s的登录账号") % {"name": obj.name},
            can_reset=obj.account_id is not None and refusal is None,
            reset_refusal=refusal,
            can_open=obj.account_id is None
            and obj.membership == MembershipState.NORMAL
            and MemberAccount.objects.restrict(user, "add").filter(pk=obj.pk).exists(),
        )
        return ctx


class ResetPasswordView(ScopedViewMixin, View):
    """POST: a new initial password for one member's account, shown once on a slip."""

    queryset = MemberAccount.objects.select_related("org", "account")
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        member = self.get_object()
        try:
            slip = services.reset_password(request.user, member)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("selfservice:account_detail", pk=member.pk)
        return render(request, SLIPS_TEMPLATE, {"title": _("重置密码"), "slips": [slip]})


class OpenAccountsView(ScopedViewMixin, TemplateView):
    """GET: an org of the admin's subtree and its members without an account (children to
    drill into, never a select of every org); POST: open them and print the slips."""

    queryset = MemberAccount.objects.all()
    action = "add"
    template_name = "selfservice/account_open.html"

    def org(self, raw: str | None) -> Organization:
        orgs = Organization.objects.holding(self.request.user, services.ADD_PERM)
        if raw in (None, ""):
            found = orgs.order_by("depth", "path").first()
        else:
            pk = parse_id(raw)
            found = orgs.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise Http404(_("未找到。"))
        return found

    def get(self, request, *args, **kwargs):
        org = self.org(request.GET.get("org"))
        return self.render_to_response(self.get_context_data(org=org))

    def post(self, request, *args, **kwargs):
        org = self.org(request.POST.get("org"))
        raw_ids = request.POST.getlist("members")
        ids = [parse_id(raw) for raw in raw_ids]
        try:
            if any(pk is None for pk in ids):
                raise ValidationError("所选党员的编号不正确，请刷新页面后重新选择。")
            chosen = [pk for pk in ids if pk is not None]
            if request.POST.get("scope") != "all" and not chosen:
                raise ValidationError("请至少选择一名党员。")
            slips = services.open_accounts(
                request.user,
                within=org,
                member_ids=None if request.POST.get("scope") == "all" else chosen,
            )
        except ValidationError as exc:
            ctx = self.get_context_data(org=org, errors=exc.messages)
            return self.render_to_response(ctx, status=400)
        return render(request, SLIPS_TEMPLATE, {"title": _("党员账号单"), "slips": slips})

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        org: Organization = kwargs["org"]
        pending = services.without_account(user, org)
        count = pending.count()
        step = Organization.steplen
        below = dict(
            pending.exclude(org=org)
            .annotate(prefix=Substr("org__path", 1, len(org.path) + step))
            .values("prefix")
            .annotate(n=Count("pk"))
            .values_list("prefix", "n")
        )
        orgs = Organization.objects.holding(user, services.ADD_PERM)
        children = orgs.children_of(org).only("pk", "name", "path").order_by("path")
        ctx.update(
            title=_("开通党员账号"),
            org=org,
            ancestors=list(orgs.ancestors_of(org).only("pk", "name")),
            count=count,
            listed=list(
                pending.select_related("org")
                .only("name", "org__name")
                .order_by("org__path", "name", "pk")
            )
            if 0 < count <= LISTED
            else None,
            children=[(child, below.get(child.path, 0)) for child in children],
            max_batch=services.MAX_BATCH,
        )
        return ctx
