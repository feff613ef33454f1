"""The seed's 2024 figures the demo is shaped to, and the org exemptions it records.

seed-figures.md rows 3, 5 and 6 are metrics over activities; the demo draws them so that,
for 2024 and the whole demo city, `study.observed_units` = 14, `study.seminar_count` = 538
and `training.secretaries_trained` is "1200余" (≥ 1200 and < 1320). The decisions are
made here from the plan alone (which units, how many seminars each); `life.py` writes the
activities that realise them. A province is ten cities, each shaped like the city; the
tiny test scale gets proportionally small figures so tests can check them exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dangjian.orgs.models import OrgKind

from .plan import CityPlan, allocate, rng_for

SHAPED_YEAR = 2024


@dataclass(frozen=True)
class SeedShape:
    observed_units: int  # row 3
    seminars: int  # row 5
    secretaries: tuple[int, int]  # row 6: [low, high)


CITY_SHAPE = SeedShape(observed_units=14, seminars=538, secretaries=(1200, 1320))
SHAPES = {"tiny": SeedShape(observed_units=2, seminars=20, secretaries=(40, 44))}


@dataclass
class YearShape:
    """What 2024 must contain, per unit and per city (a province has several cities)."""

    shape: SeedShape
    observed: dict[int, int] = field(default_factory=dict)  # unit → studies observed (1–2)
    seminars: dict[int, int] = field(default_factory=dict)  # unit → tagged seminars
    trained: dict[int, int] = field(default_factory=dict)  # city → secretaries trained
    city_of: dict[int, int] = field(default_factory=dict)  # unit → city

    def totals(self) -> dict[str, int]:
        return {
            "observed_units": len(self.observed),
            "seminars": sum(self.seminars.values()),
            "secretaries_trained": sum(self.trained.values()),
        }


def shape_for(plan: CityPlan) -> SeedShape:
    return SHAPES.get(plan.scale.name, CITY_SHAPE)


def year_shape(plan: CityPlan) -> YearShape:
    shape = shape_for(plan)
    rng = rng_for(plan.seed, "shape", SHAPED_YEAR)
    result = YearShape(shape)
    per_city = plan.scale.units
    low, high = shape.secretaries
    # "1200余": well inside [low, high), and below the secretaries a city has in the year.
    trained_range = (low + (high - low) // 24, low + (high - low) // 2)
    for city in range(plan.scale.cities):
        units = plan.units[city * per_city : (city + 1) * per_city]
        for u in units:
            result.city_of[u.index] = city
        for u in rng.sample(units, shape.observed_units):
            result.observed[u.index] = 1 if rng.random() < 0.7 else 2
        # Larger units hold more seminars: weight by their number of orgs.
        weights = [len(u.orgs) ** 0.5 for u in units]
        for u, n in zip(units, allocate(shape.seminars, weights, 2), strict=True):
            result.seminars[u.index] = n
        result.trained[city] = rng.randint(*trained_range)
    return result


# --- org exemptions (rules.RuleExemption) -----------------------------------------------
EXEMPTION_SHARE = 0.02  # of branches with one exemption in the period
EXEMPTABLE_RULES = (  # rule id, activity kind, period
    ("branch.theme_day.monthly", "theme_day", "month"),
    ("branch.committee_meeting.monthly", "committee_meeting", "month"),
    ("branch.member_assembly.quarterly", "member_assembly", "quarter"),
)
EXEMPTION_REASONS = (
    "单位机构改革，党支部撤并重组期间",
    "支部党员集中参加防汛抢险任务",
    "支部党员集中配合巡察工作，封闭办公",
    "单位整体搬迁期间",
)


@dataclass(frozen=True)
class ExemptionPlan:
    org: int
    rule_id: str
    kind: str  # the activity kind the branch does not hold meanwhile
    starts_on: dt.date
    ends_on: dt.date
    reason: str
    document: str

    def months(self) -> set[int]:
        """The months (year × 12 + month − 1) the exemption covers."""
        first = self.starts_on.year * 12 + self.starts_on.month - 1
        last = self.ends_on.year * 12 + self.ends_on.month - 1
        return set(range(first, last + 1))


def exemptions(plan: CityPlan, start: dt.date, known_rules: set[str]) -> list[ExemptionPlan]:
    """A few branches excused from one rule for whole months or a whole quarter, approved
    by the 工委; only rules present in the library are used."""
    rules = [r for r in EXEMPTABLE_RULES if r[0] in known_rules]
    today = plan.today
    last_month = today.year * 12 + today.month - 1 - 2  # ended, with a month to spare
    first_month = start.year * 12 + start.month - 1
    if not rules or last_month - first_month < 6:
        return []
    rng = rng_for(plan.seed, "rule-exemptions")
    branches = [o.index for o in plan.orgs if o.kind == OrgKind.BRANCH]
    chosen = rng.sample(branches, max(1, round(EXEMPTION_SHARE * len(branches))))
    children = plan.children()
    result = []
    for k, org in enumerate(sorted(chosen), start=1):
        size = plan.orgs[org].members + sum(plan.orgs[c].members for c in children[org])
        # Excusing a small branch from 支委会 would excuse it from nothing: it has none.
        usable = [r for r in rules if r[1] != "committee_meeting" or size >= 12]
        rule_id, kind, period = rng.choice(usable)
        if period == "quarter":
            month = rng.randrange(first_month, last_month - 2)
            month -= month % 3  # a whole calendar quarter
            length = 3
        else:
            length = rng.randint(2, 3)
            month = rng.randrange(first_month, last_month - length + 1)
        starts = dt.date(month // 12, month % 12 + 1, 1)
        end_month = month + length
        ends = dt.date(end_month // 12, end_month % 12 + 1, 1) - dt.timedelta(days=1)
        result.append(
            ExemptionPlan(
                org,
                rule_id,
                kind,
                starts,
                ends,
                rng.choice(EXEMPTION_REASONS),
                f"示机工委〔{starts.year}〕{10 + k}号",
            )
        )
    return result
