"""Stratified sampling: allocation (largest remainder), stratification by unit, reproducible
draws, and the printable plan. The pure functions first, then the same on a real tree."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.assessments.campaigns import create_campaign
from dangjian.assessments.models import Framework
from dangjian.assessments.sampling import (
    NO_UNIT,
    Stratum,
    allocate,
    draw,
    plan_rows,
    population_for,
    ratio_size,
    stratify,
)
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import OrgKind


def strata_of(sizes: list[int]) -> list[Stratum]:
    return [
        Stratum(
            path=f"0001{i:04d}",
            unit_id=i,
            unit_name=f"单位{i}",
            members=[(f"0001{i:04d}{j:04d}", i * 1000 + j, f"支部{i}-{j}") for j in range(n)],
        )
        for i, n in enumerate(sizes, start=1)
    ]


# --- allocation -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_allocation_sums_to_size_and_respects_strata(data):
    sizes = data.draw(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40))
    total = data.draw(st.integers(min_value=0, max_value=sum(sizes)))
    shares = allocate(sizes, total)
    assert sum(shares) == total
    assert all(0 <= s <= n for s, n in zip(shares, sizes, strict=True))
    # proportional: each share is the exact quota rounded down or up
    population = sum(sizes)
    if population:
        for s, n in zip(shares, sizes, strict=True):
            quota = total * n / population
            assert int(quota) <= s <= int(quota) + 1


def test_allocation_largest_remainder():
    # quotas 4.5, 3.0, 1.5 of 9: the .5 remainders tie → the larger stratum wins first
    assert allocate([30, 20, 10], 9) == [5, 3, 1]
    assert allocate([10, 10, 10], 2) == [1, 1, 0]  # ties, equal sizes → earlier stratum
    assert allocate([5, 0, 5], 10) == [5, 0, 5]
    assert allocate([], 0) == []
    with pytest.raises(ValueError):
        allocate([3], 4)


def test_ratio_size_rounds_half_up_and_keeps_one():
    from decimal import Decimal

    assert ratio_size(954, Decimal("0.5")) == 477
    assert ratio_size(5, Decimal("0.5")) == 3
    assert ratio_size(10, Decimal("0.01")) == 1
    assert ratio_size(0, Decimal("0.5")) == 0


# --- stratification and draws ------------------------------------------------------------------


def test_stratify_groups_under_the_unit_prefix_in_path_order():
    units = {"00010002": (2, "乙局"), "00010001": (1, "甲局")}
    rows = [
        ("000100020001", 21, "乙一"),
        ("00010001", 1, "甲局本身"),
        ("000100010002", 12, "甲二"),
        ("0001", 99, "工委"),
        ("0001000100010001", 111, "甲一小组"),
    ]
    strata = stratify(rows, units)
    assert [(s.path, s.unit_name) for s in strata] == [
        ("", NO_UNIT),
        ("00010001", "甲局"),
        ("00010002", "乙局"),
    ]
    assert [m[1] for m in strata[1].members] == [1, 111, 12]
    # the order rows arrive in does not matter
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    assert [s.members for s in stratify(shuffled, units)] == [s.members for s in strata]


def test_draw_is_reproducible_and_seed_dependent():
    sizes = [27, 29, 3, 14, 40, 1, 8]
    first = draw(strata_of(sizes), 50, seed=2024)
    assert first == draw(strata_of(sizes), 50, seed=2024)
    assert first != draw(strata_of(sizes), 50, seed=2025)
    assert len(first) == 50 and len(set(first)) == 50
    assert first == sorted(first)


def test_draw_known_values():
    """A fixed answer: the algorithm (and so every saved plan) must not drift silently."""
    drawn = draw(strata_of([6, 4, 2]), 6, seed=7)
    assert [pk for _p, pk, _n in drawn] == GOLDEN_PURE


GOLDEN_PURE = [1003, 1004, 1005, 2000, 2003, 3001]


def test_draw_per_stratum_matches_allocation():
    strata = strata_of([27, 29, 3, 14])
    drawn = draw(strata, 20, seed=1)
    assert [s.drawn for s in strata] == allocate([27, 29, 3, 14], 20)
    for s in strata:
        mine = {m[1] for m in s.members}
        assert sum(1 for _p, pk, _n in drawn if pk in mine) == s.drawn


def test_units_as_their_own_strata_are_drawn_at_random():
    """Sampling 40 of 85 units: every stratum holds one unit and every remainder ties, so
    the seeded tie-break — not tree order — must decide which units are drawn."""
    sizes = [1] * 85
    first = draw(strata_of(sizes), 40, seed=2024)
    assert len(first) == 40
    assert first != sorted(r for s in strata_of(sizes) for r in s.members)[:40]
    assert first == draw(strata_of(sizes), 40, seed=2024)
    assert first != draw(strata_of(sizes), 40, seed=2025)
    assert allocate(sizes, 40, seed=9) != allocate(sizes, 40, seed=10)


def test_a_stratum_draw_does_not_depend_on_other_strata():
    """Seeding per (seed, unit path): adding a unit elsewhere changes no unit's picks as long
    as its allocation stays the same."""
    a = strata_of([10, 10])
    b = strata_of([10, 10, 0])
    assert draw(a, 10, seed=5) == draw(b, 10, seed=5)


# --- printable plan ---------------------------------------------------------------------------


def test_plan_rows():
    plan = {
        "mode": "sample",
        "scope_org": {"id": 1, "name": "工委"},
        "target_kinds": ["branch", "party_group"],
        "population": 10,
        "seed": 42,
        "size": 4,
        "ratio": None,
        "method": "分层",
        "strata": [
            {"unit_id": 2, "unit_name": "甲局", "path": "00010001", "population": 6, "drawn": 2},
            {"unit_id": 3, "unit_name": "乙局", "path": "00010002", "population": 4, "drawn": 2},
        ],
        "drawn": [
            {"id": 5, "name": "甲一", "unit_id": 2},
            {"id": 9, "name": "乙二", "unit_id": 3},
        ],
        "added": [],
        "draw_number": 2,
        "drawn_at": "2024-03-01T09:00:00+08:00",
        "drawn_by": "admin",
    }
    rows = plan_rows(plan)
    summary = dict(rows["summary"])
    assert summary["选取方式"] == "分层随机抽样" and summary["随机种子"] == "42"
    assert summary["检查对象层级"] == "党支部、党小组" and summary["第几次抽取"] == "2"
    assert rows["strata"][1] == [1, "甲局", 6, 2, "33.3%"]
    assert rows["drawn"][2] == [2, "乙二", "乙局"]
    assert plan_rows({}) == {"summary": [], "strata": [], "drawn": []}


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2024-03-01T09:00:00+08:00", "2024-03-01 09:00"),
        ("2024-02-23T02:00:00+00:00", "2024-02-23 10:00"),  # UTC → Asia/Shanghai
        ("2024-02-23T10:00:00", "2024-02-23 10:00"),  # naive: taken as written
        ("", ""),
        ("不是时间", "不是时间"),
    ],
)
def test_plan_rows_print_the_draw_time_in_local_time(stored, shown):
    summary = dict(plan_rows({"mode": "all", "drawn": [], "drawn_at": stored})["summary"])
    assert summary["抽取时间"] == shown


# --- on the database ------------------------------------------------------------------------------


@pytest.fixture
def city(tree):
    """Three units with 5, 3 and 0 branches (each branch with one 党小组), plus the fixture's."""
    units = [tree.unit_a, tree.unit_b]
    for name, count in (("丙局机关党委", 5), ("丁局机关党委", 3), ("戊局机关党委", 0)):
        tree.root.refresh_from_db()
        unit = tree.root.add_child(kind=OrgKind.UNIT_PARTY, name=name)
        units.append(unit)
        for i in range(count):
            unit.refresh_from_db()
            branch = unit.add_child(kind=OrgKind.BRANCH, name=f"{name[:2]}第{i + 1}党支部")
            branch.add_child(kind=OrgKind.PARTY_GROUP, name=f"{name[:2]}第{i + 1}支部党小组")
    tree.units = units
    return tree


def sample(city, size, seed, **kw):
    return create_campaign(
        SYSTEM,
        name="基础制度抽查",
        campaign_type="sampled_review",
        framework=Framework.objects.get(code="basic_system", is_current=True),
        scope_org=city.root,
        target_kinds=kw.pop("target_kinds", ["branch", "party_group"]),
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        selection="sample",
        sample_size=size,
        seed=seed,
        **kw,
    )


def drawn_names(campaign) -> list[str]:
    return list(
        campaign.assessments.order_by("target__path").values_list("target__name", flat=True)
    )


@pytest.mark.django_db
def test_same_seed_same_sample_on_this_database(city):
    one = sample(city, 7, seed=11)
    two = sample(city, 7, seed=11)
    assert drawn_names(one) == drawn_names(two)
    assert one.sampling_plan["drawn"] == two.sampling_plan["drawn"]


@pytest.mark.django_db
def test_known_sample_on_every_database(city):
    """The same tree, seed and size give this exact sample on SQLite and PostgreSQL."""
    names = drawn_names(sample(city, 7, seed=11))
    assert names == GOLDEN_DB


GOLDEN_DB = [
    "甲局第一党支部",
    "丙局第1党支部",
    "丙局第3党支部",
    "丙局第5党支部",
    "丙局第5支部党小组",
    "丁局第1支部党小组",
    "丁局第3党支部",
]


@pytest.mark.django_db
def test_plan_and_unit_org_are_saved(city):
    campaign = sample(city, 8, seed=3)
    plan = campaign.sampling_plan
    population = population_for(city.root, ["branch", "party_group"]).count()
    assert plan["population"] == population == 19  # 2 + 1 in the fixture, 10 + 6 here
    strata = {s["unit_name"]: s for s in plan["strata"]}
    assert {k: v["population"] for k, v in strata.items()} == {
        "甲局机关党委": 2,
        "乙局机关党委": 1,
        "丙局机关党委": 10,
        "丁局机关党委": 6,
    }
    assert sum(s["drawn"] for s in plan["strata"]) == 8
    assert [s["drawn"] for s in plan["strata"]] == allocate([2, 1, 10, 6], 8)
    assert plan["seed"] == 3 and plan["size"] == 8 and plan["drawn_by"] == "system"
    assert len(plan["drawn"]) == campaign.assessments.count() == 8
    by_target = {a.target_id: a.unit_org_id for a in campaign.assessments.all()}
    unit_ids = {u.pk for u in city.units}
    assert set(by_target.values()) <= unit_ids
    for a in campaign.assessments.select_related("target", "unit_org"):
        assert a.target.path.startswith(a.unit_org.path)


@pytest.mark.django_db
def test_ratio_sample(city):
    from decimal import Decimal

    campaign = sample(city, None, seed=3, sample_ratio=Decimal("0.5"))
    assert campaign.sample_size == 10 and campaign.assessments.count() == 10  # 19 × 0.5 → 10
    assert campaign.sampling_plan["ratio"] == "0.5"


@pytest.mark.django_db
def test_seed_chosen_when_omitted(city):
    campaign = sample(city, 4, seed=None)
    assert campaign.seed is not None and campaign.sampling_plan["seed"] == campaign.seed
