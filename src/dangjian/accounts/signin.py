"""The session state of a two-step sign-in (password, then second factor).

The password step does not log the user in when a second factor is due: it keeps only a
*pending* user id in the (still anonymous) session for `PENDING_TTL` seconds. Django's
`login()` runs in `finish()`, after a correct code — until then the request is anonymous
everywhere: pages, API, downloads.
"""

from __future__ import annotations

import time

from django.contrib.auth import login

from .models import User

PENDING_KEY = "dangjian_mfa_pending"
# How the session's user proved themselves: "totp", "recovery", or NO_SECOND_FACTOR when
# none was due. SessionPolicyMiddleware ends a NO_SECOND_FACTOR session once the user's
# roles require a second factor (e.g. a role approved while they were signed in).
FACTOR_KEY = "dangjian_second_factor"
NO_SECOND_FACTOR = "none"
PENDING_TTL = 5 * 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def begin(request, user: User, next_url: str) -> None:
    """After a correct password: remember who is signing in (new session id), not logged in."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "uid": user.pk,
        # Set by authenticate(); login() needs it since several backends are configured.
        "backend": getattr(user, "backend", MODEL_BACKEND),
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request) -> tuple[User, dict] | None:
    """The user half-way through signing in, while fresh, active and not expired."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or int(time.time()) - data.get("at", 0) > PENDING_TTL:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=data.get("uid"), is_active=True).first()
    if user is None or user.account_expired():
        request.session.pop(PENDING_KEY, None)
        return None
    return user, data


def abandon(request) -> None:
    request.session.pop(PENDING_KEY, None)


def finish(request, user: User, data: dict, method: str) -> str:
    """Both factors given: log in (new session id again) and return where to go next."""
    request.session.pop(PENDING_KEY, None)
    request.second_factor = method  # read by the login audit receiver
    login(request, user, backend=data["backend"])
    request.session[FACTOR_KEY] = method
    return data["next"]
