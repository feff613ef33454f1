"""Fixtures for the member tests: a member with known identifiers, users in common roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from .factories import MemberFactory, make_id_number

BIRTH = dt.date(1988, 3, 15)
ID_NUMBER = make_id_number(BIRTH, male=True, region="410802", serial=7)
PHONE = "13812345678"

# The member an attacker without the reveal right tries to unmask (test_inference.py,
# test_identifiers.py), and wrong guesses that share everything a mask could show.
PLANT_AREA = "410802"
PLANT_BIRTH = dt.date(1986, 8, 19)
PLANT_JOINED = dt.date(2010, 6, 15)  # age 23: joining does not pin the birthday
PLANT_ID = make_id_number(PLANT_BIRTH, male=True, region=PLANT_AREA, serial=37)
# Same area, same birth date, same gender: only the hidden sequence differs.
WRONG_ID = make_id_number(PLANT_BIRTH, male=True, region=PLANT_AREA, serial=41)
PLANT_PHONE = "13912345678"
WRONG_PHONE = "13987650078"  # same last two digits
PROBES = {"id_number": (PLANT_ID, WRONG_ID), "phone": (PLANT_PHONE, WRONG_PHONE)}
THRESHOLD = 10_000


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


# --- the attacker's target, and who looks at it ------------------------------------


@pytest.fixture
def planted(tree):
    return MemberFactory(
        org=tree.branch_a,
        name="陈志远",
        gender="male",
        birth_date=PLANT_BIRTH,
        id_number=PLANT_ID,
        phone=PLANT_PHONE,
        joined_on=PLANT_JOINED,
        full_member_on=PLANT_JOINED + dt.timedelta(days=365),
    )


@pytest.fixture
def dummy(tree):
    """A member the officer may edit freely (no ID number or phone on record)."""
    return MemberFactory(
        org=tree.branch_a,
        name="赵小林",
        gender="male",
        id_number="",
        phone="",
        birth_date=None,
        joined_on=PLANT_JOINED,
        full_member_on=PLANT_JOINED + dt.timedelta(days=365),
    )


@pytest.fixture
def officer(login, tree, planted):
    return login("organization_officer", tree.branch_a)


@pytest.fixture
def secretary(login, tree, planted):
    return login("branch_secretary", tree.branch_a)
