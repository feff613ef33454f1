"""Session policy (DESIGN §11): idle timeout and forced password change.

Runs after AuthenticationMiddleware. An idle session is logged out (audited as a
logout with reason "idle"); a web request then goes to the login page with a notice,
an API request simply continues unauthenticated (401/403). A user whose password has
expired, or who must replace an initial password, is sent to the password change page
for every web request until they do.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

LAST_ACTIVITY_KEY = "dangjian_last_activity"


def is_api(request) -> bool:
    return request.path.startswith("/api/")


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
            if is_api(request):
                return None
            query = urlencode({"next": request.get_full_path(), "reason": "idle"})
            return redirect(f"{reverse('accounts:login')}?{query}")
        request.session[LAST_ACTIVITY_KEY] = now
        if is_api(request) or request.path.startswith(settings.STATIC_URL):
            return None
        if user.must_change_password or user.password_expired():
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed:
                return redirect("accounts:password_change")
        return None
