from __future__ import annotations

import json

import pytest
from django.urls import reverse

PASSWORD = "Zz9!abcdefg"  # the root make_user fixture's default password


@pytest.fixture
def login(client):
    """login(username, password) → the response of a real POST to the login page.

    When a second factor is due, it is completed too (enrolling if needed) unless
    `second_factor=False`; the password step's response is returned either way.
    """

    def do(
        username: str,
        password: str = PASSWORD,
        next_url: str | None = None,
        second_factor: bool = True,
    ):
        data = {"username": username, "password": password}
        if next_url:
            data["next"] = next_url
        resp = client.post(reverse("accounts:login"), data)
        if second_factor and resp.get("Location") == reverse("accounts:login_otp"):
            from dangjian.accounts.models import User

            from .totp import complete_second_factor

            complete_second_factor(client, User.objects.get(username=username))
        return resp

    return do


@pytest.fixture
def sysadmin(make_user):
    return make_user("system_admin", username="sysadmin")


@pytest.fixture
def events():
    """events(action) → audit events of that action, oldest first."""
    from dangjian.audit.models import AuditEvent

    def get(action: str):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))

    return get


def stored(event) -> str:
    """Everything an audit event row holds, as text (to assert a secret never reached it)."""
    return json.dumps(
        {f.attname: getattr(event, f.attname) for f in event._meta.concrete_fields},
        ensure_ascii=False,
        default=str,
    )
