"""Login, logout, password change, lockout page, and the account administration pages.

Account pages are not about org data, so they check global permissions of the
separated admin roles (系统管理员 / 安全管理员) instead of `restrict()`: anyone else
gets 403, and the denial is audited.
"""

from __future__ import annotations

from typing import Any, cast

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View
from django_tables2 import RequestConfig

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record
from dangjian.core.scoping import has_global_perm
from dangjian.core.services import emit

from . import mfa, services, signin
from .filtersets import UserFilterSet
from .forms import (
    LoginForm,
    PasswordChangeForm,
    RoleProposalForm,
    UserCreateForm,
    UserExpiryForm,
)
from .lockout import is_locked, with_login_failures
from .models import RoleAssignment, RoleProposal, TotpDevice, User
from .policy import ACCOUNT_EXPIRED
from .tables import UserTable

LOGIN_NOTICES = {
    "idle": "由于长时间未操作，您已自动退出，请重新登录。",
    "expired": ACCOUNT_EXPIRED,
    "mfa": "您的角色须使用两步验证，请重新登录并按提示完成设置。",
    "mfa_timeout": "验证已超时，请重新输入用户名和密码。",
}


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return (
        f"登录失败次数过多，该账号已被暂时锁定，请 {minutes} 分钟后再试，或联系安全管理员解除锁定。"
    )


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page: the same page and words whether or not the user exists."""
    context = {"form": LoginForm(request), "lockout_message": lockout_message()}
    return render(request, "accounts/login.html", context, status=403)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["notice"] = LOGIN_NOTICES.get(self.request.GET.get("reason", ""))
        return ctx

    def form_valid(self, form):
        user = form.get_user()
        if mfa.needs_second_factor(user):
            # Not logged in yet: the second step (views_mfa) calls login() after the code.
            signin.begin(self.request, user, self.get_success_url())
            return redirect("accounts:login_otp")
        response = super().form_valid(form)
        self.request.session[signin.FACTOR_KEY] = signin.NO_SECOND_FACTOR
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "您已安全退出。")
        return response


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        if user.must_change_password:
            ctx["reason"] = "您正在使用管理员设置的初始密码，请先设置自己的新密码。"
        elif user.password_expired():
            ctx["reason"] = (
                f"您的密码已使用超过 {settings.PASSWORD_MAX_AGE_DAYS} 天，请设置新密码。"
            )
        return ctx

    def form_valid(self, form):
        user = self.request.user
        services.set_password(user, form.cleaned_data["new_password1"], actor=user, validated=True)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))

    def form_invalid(self, form):
        record(
            "password_change",
            user=self.request.user,
            obj=self.request.user,
            outcome=AuditEvent.Outcome.FAILURE,
            detail={"invalid_fields": sorted(form.errors)},
        )
        return super().form_invalid(form)


# --- account administration -----------------------------------------------------------


class GlobalPermRequiredMixin(LoginRequiredMixin):
    """403 (audited) unless the user holds `permission` through a global admin role."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_global_perm(request.user, self.permission):
            emit("permission_denied", None, outcome="failure", path=request.path)
            raise PermissionDenied("您没有执行此操作的权限。")
        return super().dispatch(request, *args, **kwargs)


def with_decision_rights(actor: Any, proposals) -> list[RoleProposal]:
    """Pending proposals, each marked with whether `actor` may approve or reject it."""
    rows = list(proposals)
    for row in rows:
        row.can_decide = services.may_decide(actor, row)
    return rows


def user_queryset():
    assignments = RoleAssignment.objects.select_related("org").order_by("id")
    return with_login_failures(
        User.objects.prefetch_related(Prefetch("role_assignments", queryset=assignments))
    )


class UserListView(GlobalPermRequiredMixin, TemplateView):
    permission = "accounts.view_user"
    template_name = "accounts/user_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        fs = UserFilterSet(self.request.GET or None, queryset=user_queryset(), request=self.request)
        table = UserTable(fs.qs)
        RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        ctx.update(
            title="用户管理",
            table=table,
            filterset=fs,
            model_verbose_name="用户",
            can_add=has_global_perm(self.request.user, "accounts.add_user"),
            add_url=reverse("accounts:user_add"),
            pending_proposals=RoleProposal.objects.filter(
                status=RoleProposal.Status.PENDING
            ).count(),
        )
        return ctx


class UserDetailView(GlobalPermRequiredMixin, TemplateView):
    permission = "accounts.view_user"
    template_name = "accounts/user_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        user = get_object_or_404(with_login_failures(User.objects.all()), pk=self.kwargs["pk"])
        can_propose = has_global_perm(actor, "accounts.propose_role")
        ctx.update(
            object=user,
            title=f"用户：{user.username}",
            assignments=user.role_assignments.select_related("org").order_by("role", "org__path"),
            proposals=with_decision_rights(
                actor,
                user.role_proposals.filter(status=RoleProposal.Status.PENDING).select_related(
                    "org", "proposed_by"
                ),
            ),
            locked=is_locked(user),
            can_change=has_global_perm(actor, "accounts.change_user"),
            can_revoke=has_global_perm(actor, "accounts.revoke_role"),
            can_unlock=has_global_perm(actor, "accounts.unlock_user"),
            can_reset_mfa=has_global_perm(actor, "accounts.reset_mfa"),
            mfa_device=TotpDevice.objects.filter(user=user).first(),
            mfa_required=user.mfa_required(),
            expiry_form=UserExpiryForm(initial={"expires_on": user.expires_on}),
            proposal_form=RoleProposalForm(actor=actor) if can_propose else None,
        )
        return ctx


class UserCreateView(GlobalPermRequiredMixin, FormView):
    permission = "accounts.add_user"
    template_name = "accounts/user_form.html"
    form_class = UserCreateForm
    extra_context = {"title": "新增用户"}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.create_user(
                self.request.user,
                username=data["username"],
                password=data["password1"],
                display_name=data["display_name"],
                email=data["email"],
                expires_on=data["expires_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已创建用户 {user.username}；首次登录时须修改初始密码。")
        return redirect("accounts:user_detail", pk=user.pk)


class UserActionView(GlobalPermRequiredMixin, View):
    """A POST-only action on one user; validation errors come back as a message."""

    http_method_names = ["post"]

    def post(self, request, pk: int, **kwargs: Any):
        user = get_object_or_404(User, pk=pk)
        try:
            message = self.act(request, user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect("accounts:user_detail", pk=user.pk)

    def act(self, request, user: User) -> str:
        raise NotImplementedError


class UserSetActiveView(UserActionView):
    permission = "accounts.change_user"

    def act(self, request, user: User) -> str:
        active = request.POST.get("active") == "1"
        services.update_user(request.user, user, is_active=active)
        return "账号已启用。" if active else "账号已停用。"


class UserExpiryView(UserActionView):
    permission = "accounts.change_user"

    def act(self, request, user: User) -> str:
        form = UserExpiryForm(request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        expires_on = form.cleaned_data["expires_on"]
        services.update_user(request.user, user, expires_on=expires_on)
        return f"账号有效期已设为 {expires_on:%Y-%m-%d}。" if expires_on else "账号已设为长期有效。"


class UserUnlockView(UserActionView):
    permission = "accounts.unlock_user"

    def act(self, request, user: User) -> str:
        services.unlock_user(request.user, user)
        return f"已解除用户 {user.username} 的登录锁定。"
