"""Sign-in's second step, enrolment, the user's own 两步验证 page, and the reset.

The password step (`views.LoginView`) leaves a pending sign-in (`signin.py`); these pages
log the user in only after a correct code. Wrong codes count toward the same django-axes
lockout as wrong passwords (5 failures → 15 minutes), keyed on the username.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import View

from . import mfa, signin
from .models import User
from .views import UserActionView, lockout_response

SIGN_IN_WRONG_CODE = (
    "验证码不正确或已使用过，请输入验证器上当前显示的 6 位数字，或一个未用过的恢复码。"
)


def _credentials(user: User) -> dict[str, str]:
    return {"username": user.username, "factor": "otp"}


def _locked(request, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def _failed(request, user: User) -> None:
    """Count a wrong code like a wrong password (axes) and audit it."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    if getattr(request, "axes_locked_out", False):
        signin.abandon(request)


@method_decorator(never_cache, name="dispatch")
class PendingSignInView(View):
    """Base of the two second-step pages: only with a fresh pending sign-in."""

    def dispatch(self, request, *args: Any, **kwargs: Any):
        pending = signin.pending(request)
        if pending is None:
            return redirect(f"{reverse('accounts:login')}?reason=mfa_timeout")
        self.user, self.data = pending
        if request.method == "POST" and _locked(request, self.user):
            signin.abandon(request)
            return lockout_response(request)
        return super().dispatch(request, *args, **kwargs)


class SecondFactorView(PendingSignInView):
    template_name = "accounts/login_otp.html"

    def get(self, request):
        if mfa.confirmed_device(self.user) is None:
            return redirect("accounts:login_enrol")
        return render(request, self.template_name, {})

    def post(self, request):
        method = mfa.verify(self.user, request.POST.get("code", ""))
        if method is None:
            _failed(request, self.user)
            return render(request, self.template_name, {"error": SIGN_IN_WRONG_CODE}, status=200)
        return redirect(signin.finish(request, self.user, self.data, method))


def enrolment_context(user: User) -> dict[str, Any]:
    device = mfa.pending_device(user)
    return {"qr": mfa.qr_data_uri(device), "secret": mfa.grouped_secret(device)}


class EnrolView(PendingSignInView):
    """First sign-in of an account that must use a second factor: scan, confirm, sign in."""

    template_name = "accounts/login_enrol.html"

    def get(self, request):
        if mfa.confirmed_device(self.user) is not None:
            return redirect("accounts:login_otp")
        return render(request, self.template_name, enrolment_context(self.user))

    def post(self, request):
        codes = mfa.confirm_enrolment(self.user, request.POST.get("code", ""))
        if codes is None:
            _failed(request, self.user)
            ctx = {**enrolment_context(self.user), "error": mfa.WRONG_CODE_MESSAGE}
            return render(request, self.template_name, ctx)
        next_url = signin.finish(request, self.user, self.data, mfa.TOTP)
        return render(
            request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url}
        )


@method_decorator(never_cache, name="dispatch")
class MfaSettingsView(LoginRequiredMixin, View):
    """The signed-in user's own 两步验证: enrol (optional roles), new recovery codes, turn off."""

    template_name = "accounts/mfa_settings.html"

    def get(self, request, error: str = ""):
        user = request.user
        device = mfa.confirmed_device(user)
        ctx: dict[str, Any] = {
            "device": device,
            "required": user.mfa_required(),
            "error": error,
        }
        if device is None:
            ctx.update(enrolment_context(user))
        else:
            ctx["codes_left"] = mfa.recovery_codes_left(user)
        return render(request, self.template_name, ctx)

    def post(self, request):
        user = request.user
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        if _locked(request, user):
            return lockout_response(request)
        try:
            if action == "enrol":
                codes = mfa.confirm_enrolment(user, code)
                if codes is None:
                    raise ValidationError(mfa.WRONG_CODE_MESSAGE, code=mfa.WRONG_CODE)
                request.session[signin.FACTOR_KEY] = mfa.TOTP
            elif action == "regenerate":
                codes = mfa.regenerate_recovery_codes(user, code)
            elif action == "disable":
                mfa.disable(user, code)
                request.session[signin.FACTOR_KEY] = signin.NO_SECOND_FACTOR
                messages.success(request, "已关闭两步验证。")
                return redirect("accounts:mfa")
            else:
                return redirect("accounts:mfa")
        except ValidationError as exc:
            if getattr(exc, "code", None) == mfa.WRONG_CODE:
                _failed(request, user)
            return self.get(request, error="；".join(exc.messages))
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next_url": reverse("accounts:mfa")},
        )


class MfaResetView(UserActionView):
    permission = "accounts.reset_mfa"

    def act(self, request, user: User) -> str:
        mfa.reset(request.user, user)
        return "已重置两步验证；该用户下次登录时须重新设置。"
