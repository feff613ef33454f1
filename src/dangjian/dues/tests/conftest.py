"""Fixtures for the dues tests: a logged-in client per role."""

from __future__ import annotations

import pytest
from django.apps import apps


@pytest.fixture
def login(client, make_user):
    """login(role, org) → the client, logged in as a fresh user holding `role` at `org`."""

    def do(role=None, org=None, also=()):
        user = make_user(role, org)
        role_assignment = apps.get_model("accounts", "RoleAssignment")
        for extra_role, extra_org in also:
            role_assignment.objects.create(user=user, role=extra_role, org=extra_org)
        client.force_login(user)
        client.user = user
        return client

    return do
