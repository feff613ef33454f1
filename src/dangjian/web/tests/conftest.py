"""Fixtures of the web tests: the small branch world (world.py)."""

from __future__ import annotations

import pytest

from .world import build_branch_world


@pytest.fixture
def branch_world(db, make_user):
    return build_branch_world(make_user)
