"""Fixtures for the honors tests: a logged-in client per role."""

from __future__ import annotations

import pytest


@pytest.fixture
def login(client, make_user):
    """login(role, org) → the client, logged in as a fresh user holding `role` at `org`."""

    def do(role=None, org=None):
        user = make_user(role, org)
        client.force_login(user)
        client.user = user
        return client

    return do
