"""The 工委's 待办 from roll-ups (rules.todo.unit_progress): the same figures as the whole
computation, each unit kept between views, and a write judging only its own unit again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization
from dangjian.rules import rollup, todo

from .helpers import act
from .test_rollup import TODAY, YEAR, D, city  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    caches[rollup.CACHE].clear()


def orgs_of(root):
    top, *children = rollup.with_tokens(
        Organization.objects.filter(path__startswith=root.path, depth__lte=root.depth + 1).order_by(
            "path"
        )
    )
    return top, children


def reference(user, root, day: dt.date):
    """What the page showed before: the whole 待办 computed, then grouped by unit."""
    whole = todo.compute(user, day, within=root, record_links=False)
    names = todo.unit_names(user, root)
    units = [
        (u.org_id, u.name, u.path, u.orgs, u.behind, u.at_risk, u.done, u.total)
        for u in whole.by_unit(names)
    ]
    figures = (whole.summary, len(whole.attention()), len(whole.orgs))
    return units, figures


def progress(user, root, day: dt.date):
    top, children = orgs_of(root)
    whole, units = todo.unit_progress(user, day, top, children)
    rows = [(u.org_id, u.name, u.path, u.orgs, u.behind, u.at_risk, u.done, u.total) for u in units]
    return rows, (whole.summary, whole.attention, whole.orgs)


@pytest.mark.parametrize("day", [TODAY, D(YEAR, 1, 5), D(YEAR, 3, 31), D(YEAR, 12, 20)])
def test_the_units_equal_the_whole_computation(city, day, monkeypatch):  # noqa: F811
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    expected = reference(SYSTEM, city.root, day)
    assert expected[0], "the fixture has units with work"
    assert progress(SYSTEM, city.root, day) == expected  # judged
    assert progress(SYSTEM, city.root, day) == expected  # from the cache


def test_a_write_judges_its_own_unit_again_and_shows_at_once(city, monkeypatch):  # noqa: F811
    before = progress(SYSTEM, city.root, TODAY)
    judged: list = []
    real = todo.compute

    def spy(*args, **kwargs):
        judged.append(kwargs.get("parts"))
        return real(*args, **kwargs)

    monkeypatch.setattr(todo, "compute", spy)
    assert progress(SYSTEM, city.root, TODAY) == before
    assert judged == []  # every unit from the cache
    # 乙局第一支部 holds this month's 主题党日: only 乙局 is judged again.
    act(city.branch_b, "theme_day", D(YEAR, 8, 10))
    after = progress(SYSTEM, city.root, TODAY)
    assert judged == [[(city.unit_b.path, False)]]
    assert after == reference(SYSTEM, city.root, TODAY)
    done = {row[2]: row[6] for row in after[0]}
    assert done[city.unit_b.path] == {row[2]: row[6] for row in before[0]}[city.unit_b.path] + 1
    # A new day is a new key: overdue and at-risk change with the date, nothing stale is read.
    judged.clear()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY + dt.timedelta(1))
    progress(SYSTEM, city.root, TODAY + dt.timedelta(1))
    assert judged == [None]  # every part missing: the whole tree in one evaluation
