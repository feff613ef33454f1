"""Shared fixtures: a small org tree and users holding roles on it."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("DANGJIAN_TESTING", "1")

_user_seq = itertools.count(1)


@pytest.fixture
def tree(db):
    """工委 → {unit_a → branch_a → group_a, unit_b → branch_b}; also the Units."""
    from dangjian.orgs.models import Organization, OrgKind, Unit

    root = Organization.add_root(kind=OrgKind.COMMITTEE, name="示例市委直属机关工委")
    unit_a = root.add_child(kind=OrgKind.UNIT_PARTY, name="甲局机关党委")
    unit_b = root.add_child(kind=OrgKind.UNIT_PARTY, name="乙局机关党委")
    dept_a = Unit.objects.create(name="甲局", party_org=unit_a)
    dept_b = Unit.objects.create(name="乙局", party_org=unit_b)
    Organization.objects.filter(pk=unit_a.pk).update(unit=dept_a)
    Organization.objects.filter(pk=unit_b.pk).update(unit=dept_b)
    unit_a.refresh_from_db()
    unit_b.refresh_from_db()
    branch_a = unit_a.add_child(
        kind=OrgKind.BRANCH, name="甲局第一党支部", unit=dept_a, established_on=dt.date(2015, 3, 1)
    )
    unit_a.refresh_from_db()
    group_a = branch_a.add_child(kind=OrgKind.PARTY_GROUP, name="第一党小组", unit=dept_a)
    branch_a.refresh_from_db()
    branch_b = unit_b.add_child(kind=OrgKind.BRANCH, name="乙局第一党支部", unit=dept_b)
    unit_b.refresh_from_db()
    return SimpleNamespace(
        root=root,
        unit_a=unit_a,
        unit_b=unit_b,
        branch_a=branch_a,
        group_a=group_a,
        branch_b=branch_b,
        dept_a=dept_a,
        dept_b=dept_b,
    )


@pytest.fixture
def make_user(db):
    """make_user(role=None, org=None, **fields) → a user holding `role` at `org`."""
    from dangjian.accounts.models import RoleAssignment, User

    def make(role: str | None = None, org=None, password: str = "Zz9!abcdefg", **fields):
        username = fields.pop("username", f"user{next(_user_seq)}")
        user = User.objects.create_user(username=username, password=password, **fields)
        if role:
            RoleAssignment.objects.create(user=user, role=role, org=org)
        return user

    return make


@pytest.fixture(autouse=True)
def _audit_anchor_per_test(settings, tmp_path_factory):
    """Each test's audit chain starts empty, so its checkpoints go to a file of its own
    (begun as migration 0003 begins one), never to the shared data dir's."""
    from dangjian.audit import anchor, chain

    settings.AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("audit") / "audit-anchor.log"
    if chain.key_text() is not None:  # no key before the first test database is made
        anchor.append("setup", 0, chain.GENESIS)
