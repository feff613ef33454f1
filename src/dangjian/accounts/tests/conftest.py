from __future__ import annotations

import pytest
from django.urls import reverse

PASSWORD = "Zz9!abcdefg"  # the root make_user fixture's default password


@pytest.fixture
def login(client):
    """login(username, password) → the response of a real POST to the login page."""

    def do(username: str, password: str = PASSWORD, next_url: str | None = None):
        data = {"username": username, "password": password}
        if next_url:
            data["next"] = next_url
        return client.post(reverse("accounts:login"), data)

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
