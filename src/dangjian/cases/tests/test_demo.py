"""The demo's cases and brands at tiny scale: the seed's 12 excellent 2024 cases and 2
provincial awards (one 二等奖案例, one 优秀案例, from the 省直机关工委), deterministic."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from dangjian.accounts.models import User
from dangjian.cases.models import Brand, Case, CaseAward, CaseRating, CaseStatus, Rating
from dangjian.core.metrics import MetricScope, registry
from dangjian.orgs.models import OrgKind

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def _load(seed=3):
    call_command("demo", stdout=io.StringIO(), scale="tiny", today=TODAY, verbosity=0, seed=seed)


def _snapshot():
    return sorted(
        Case.objects.values_list("org__name", "year", "title", "status", "rating__rating")
    )


def test_demo_cases_and_brands():
    _load()
    gongwei = User.objects.get(username="gongwei")
    scope = MetricScope(user=gongwei, year=2024)
    assert registry.get("evaluation.excellent_cases").value(scope) == 12
    assert registry.get("evaluation.provincial_case_awards").value(scope) == 2
    awards = sorted(CaseAward.objects.values_list("level", "award", "year"))
    assert awards == [
        ("provincial_committee", "二等奖案例", 2024),
        ("provincial_committee", "优秀案例", 2024),
    ]
    assert set(CaseAward.objects.values_list("case__rating__rating", flat=True)) == {
        Rating.EXCELLENT
    }
    cases_2024 = Case.objects.filter(year=2024)
    assert cases_2024.count() >= 16 and not cases_2024.filter(status=CaseStatus.DRAFT).exists()
    assert CaseRating.objects.count() == cases_2024.count()
    assert Case.objects.filter(year=2025).exists()
    assert not CaseRating.objects.filter(case__year=2025).exists()
    # every unit brand on a unit-level org, every branch brand under its own unit's
    for brand in Brand.objects.select_related("org", "parent__org"):
        if brand.parent is None:
            assert brand.org.kind == OrgKind.UNIT_PARTY
        else:
            assert brand.org.path.startswith(brand.parent.org.path)
    assert Brand.objects.filter(parent__isnull=False).exists()
    # the demo unit admin's own unit has a case and a brand to show
    danwei = User.objects.get(username="danwei")
    assert Case.objects.restrict(danwei, "view").exists()
    assert Brand.objects.restrict(danwei, "view").filter(parent__isnull=True).exists()


class _Undo(Exception):
    pass


def test_demo_cases_are_deterministic():
    # The first load is rolled back (a savepoint), so the second starts from the same empty
    # database: same seed, same cases, ratings and brands (ids aside).
    with contextlib.suppress(_Undo), transaction.atomic():
        _load(seed=5)
        first = _snapshot()
        raise _Undo
    assert not Case.objects.exists()
    _load(seed=5)
    assert _snapshot() == first
