"""Session policy (DESIGN §11): idle timeout, account expiry, second factor, forced
password change.

Runs after AuthenticationMiddleware, for pages and session-authenticated API calls alike
(token calls meet the same policy in `authentication.PolicyTokenAuthentication`).

- An idle session is logged out (audited as a logout with reason "idle"); a page then goes
  to the login page with a notice, an API call continues unauthenticated (401/403).
- An expired account's session is logged out (reason "expired"); a page goes to the login
  page with a notice, an API call gets 403 with the reason in Chinese.
- A session signed in without a second factor ends (reason "mfa") once the user holds a
  role that requires one; they sign in again and enrol.
- A user whose password has expired, or who must replace an admin-set password, is sent to
  the password change page for every page, and every API call answers 403 saying so.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import signin
from .policy import ACCOUNT_EXPIRED, MFA_FIRST, password_refusal

LAST_ACTIVITY_KEY = "dangjian_last_activity"
# The last activity is written to the session at most this often (seconds), not on every
# request: a write costs the database an UPDATE in its own transaction (three round trips)
# and the client a new cookie. The recorded time lags the real one by less than this, so an
# idle session ends up to a minute early, never late.
ACTIVITY_WRITE_EVERY = 60


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=403, json_dumps_params={"ensure_ascii": False})


def _to_login(request, reason: str):
    query = urlencode({"next": request.get_full_path(), "reason": reason})
    return redirect(f"{reverse('accounts:login')}?{query}")


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request, user):
        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
            request.logout_reason = "idle"
            logout(request)
            return None if is_api(request) else _to_login(request, "idle")
        if user.account_expired():
            request.logout_reason = "expired"
            logout(request)
            if is_api(request):
                return _refuse(ACCOUNT_EXPIRED)
            return _to_login(request, "expired")
        if (
            request.session.get(signin.FACTOR_KEY) == signin.NO_SECOND_FACTOR
            and user.mfa_required()
        ):
            # Signed in without a second factor, and now holds a role that requires one.
            request.logout_reason = "mfa"
            logout(request)
            return _refuse(MFA_FIRST) if is_api(request) else _to_login(request, "mfa")
        if last is None or now - last >= ACTIVITY_WRITE_EVERY:
            request.session[LAST_ACTIVITY_KEY] = now
        if request.path.startswith(settings.STATIC_URL):
            return None
        refusal = password_refusal(user)
        if refusal is None:
            return None
        if is_api(request):
            # The API has no password change endpoint: the page is the one way out.
            return _refuse(refusal)
        allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
        if request.path not in allowed:
            return redirect("accounts:password_change")
        return None
