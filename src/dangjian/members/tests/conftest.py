"""Fixtures for the member tests: a member with known identifiers, users in common roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from .factories import MemberFactory, make_id_number

BIRTH = dt.date(1988, 3, 15)
ID_NUMBER = make_id_number(BIRTH, male=True, region="410802", serial=7)
PHONE = "13812345678"


@pytest.fixture
def zhang(tree):
    """张伟 in 甲局第一党支部 with a known ID number and phone."""
    return MemberFactory(
        org=tree.branch_a,
        name="张伟",
        gender="male",
        birth_date=BIRTH,
        id_number=ID_NUMBER,
        phone=PHONE,
        joined_on=dt.date(2012, 7, 1),
        full_member_on=dt.date(2013, 7, 1),
    )


@pytest.fixture
def login(client, make_user):
    """login(role, org, also=[(role, org)]) → the client, logged in as a fresh user with those roles."""

    def do(role=None, org=None, also=()):
        user = make_user(role, org)
        # By name: members may not import accounts (import-linter layers).
        role_assignment = apps.get_model("accounts", "RoleAssignment")
        for extra_role, extra_org in also:
            role_assignment.objects.create(user=user, role=extra_role, org=extra_org)
        client.force_login(user)
        client.user = user
        return client

    return do
