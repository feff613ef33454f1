"""Audit events for logins (both outcomes), logouts and lockouts (DESIGN §11)."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record

from .middleware import LAST_ACTIVITY_KEY

FAILURE = AuditEvent.Outcome.FAILURE


@receiver(user_logged_in, dispatch_uid="dangjian_audit_login")
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())
    factor = getattr(request, "second_factor", None)
    record("login", user=user, obj=user, detail={"second_factor": factor} if factor else None)


@receiver(user_login_failed, dispatch_uid="dangjian_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the attempted name: the (already cleansed) password never reaches the log.
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:150]
    detail = {"attempted_username": username}
    if credentials.get("factor"):
        detail["factor"] = str(credentials["factor"])  # a wrong second-factor code
    if getattr(request, "axes_locked_out", False):
        detail["locked_out"] = True
    record("login_failed", outcome=FAILURE, actor_name=username, detail=detail)


@receiver(user_logged_out, dispatch_uid="dangjian_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "user")
    record("logout", user=user, obj=user, detail={"reason": reason})


@receiver(user_locked_out, dispatch_uid="dangjian_audit_lockout")
def on_lockout(sender, request, username, ip_address=None, **kwargs):
    name = str(username or "")[:150]
    record("lockout", outcome=FAILURE, actor_name=name, detail={"attempted_username": name})
