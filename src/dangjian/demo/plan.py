"""The demo city's structure as plain data: org tree with treebeard paths, units, terms.

Building the plan touches no database, so the structural counts (85 unit orgs, 1,050
grassroots orgs at city scale) and the term-status mix are testable in milliseconds, and
the loader only turns the plan into rows. Everything is drawn from `random.Random` seeded
from (seed, purpose) strings, never from dict/set order or the clock, except `today`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from dangjian.orgs import termrules
from dangjian.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind, UnitOrgForm

from . import names

MIN_BRANCH, MAX_BRANCH = 3, 60  # members per branch
GROUPS_FROM = 30  # a branch this large is split into 党小组
COMMITTEE_FROM = 15  # a unit with this many grassroots orgs gets subordinate 党委
TERM_MIX = (  # share of grassroots orgs per renewal status; the rest are normal
    (termrules.TermStatus.DUE_6, 0.08),
    (termrules.TermStatus.DUE_3, 0.05),
    (termrules.TermStatus.OVERDUE, 0.05),
    (termrules.TermStatus.NO_DATA, 0.02),
)
PREVIOUS_TERM_SHARE = 0.4
# Activities (and so the committees that host them) are recorded from this day on: every
# elected org's terms reach back to it, so each meeting of the period has a 书记 in office.
ACTIVITY_START = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int
    units: int  # per city
    grassroots: int  # per city
    members: int  # per city
    departments: tuple[str, ...] = ()  # a fixed pick (tiny scale), else the first `units`


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 4, 44, 900, ("公安局", "财政局", "委组织部", "统计局")),
    "city": Scale("city", 1, 85, 1050, 25_000),
    "province": Scale("province", 10, 85, 1050, 25_000),
}


@dataclass
class OrgPlan:
    index: int
    kind: str
    name: str
    short_name: str
    path: str
    depth: int
    parent: int | None
    unit: int | None
    established_on: dt.date
    numchild: int = 0
    members: int = 0  # members placed directly in this org
    retired: bool = False  # a 离退休干部 branch (or one of its 党小组)
    code: str = ""
    unit_form: str = ""  # a unit-level org: 机关党委 / 机关总支 / 机关支部 (orgs.UnitOrgForm)


@dataclass
class UnitPlan:
    index: int
    name: str
    short_name: str
    org: int  # index of its unit_party org
    has_leading_group: bool
    orgs: list[int] = field(default_factory=list)  # every org of its subtree, root first


@dataclass
class TermPlan:
    index: int
    org: int
    number: int
    started_on: dt.date
    ended_on: dt.date | None  # None: the current term
    status: str  # the renewal status it was drawn for (current terms) or "ended"


@dataclass
class CityPlan:
    seed: int
    scale: Scale
    today: dt.date
    orgs: list[OrgPlan]
    units: list[UnitPlan]
    terms: list[TermPlan]
    no_term_orgs: list[int]

    def count(self, *kinds: str) -> int:
        return sum(1 for o in self.orgs if o.kind in kinds)

    @property
    def member_total(self) -> int:
        return sum(o.members for o in self.orgs)

    def children(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {o.index: [] for o in self.orgs}
        for o in self.orgs:
            if o.parent is not None:
                out[o.parent].append(o.index)
        return out

    def current_terms(self) -> dict[int, TermPlan]:
        return {t.org: t for t in self.terms if t.ended_on is None}

    def status_mix(self) -> Counter:
        grassroots = {o.index for o in self.orgs if o.kind in GRASSROOTS_KINDS}
        mix = Counter(t.status for t in self.terms if t.ended_on is None and t.org in grassroots)
        mix[termrules.TermStatus.NO_DATA] += sum(1 for i in self.no_term_orgs if i in grassroots)
        return mix


def rng_for(seed: int, *purpose: object) -> random.Random:
    """An independent generator per purpose: str seeds are hashed with SHA-512, stably."""
    return random.Random(":".join(str(p) for p in (seed, *purpose)))


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class _TreeBuilder:
    """Appends nodes with materialized paths exactly as treebeard's MP_Node lays them out."""

    def __init__(self) -> None:
        self.orgs: list[OrgPlan] = []

    def add(
        self,
        parent: int | None,
        kind: str,
        name: str,
        short_name: str,
        unit: int | None,
        established_on: dt.date,
        **extra,
    ) -> OrgPlan:
        if parent is None:
            roots = sum(1 for o in self.orgs if o.parent is None)
            path, depth = Organization._get_path(None, 1, roots + 1), 1
        else:
            up = self.orgs[parent]
            up.numchild += 1
            depth = up.depth + 1
            path = Organization._get_path(up.path, depth, up.numchild)
        node = OrgPlan(
            len(self.orgs),
            kind,
            name,
            short_name,
            path,
            depth,
            parent,
            unit,
            established_on,
            **extra,
        )
        self.orgs.append(node)
        return node


def allocate(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` into integers ≥ minimum proportional to weights (largest remainder)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError("total too small for the minimum")
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: spare - sum(out)]:
        out[i] += 1
    return [minimum + n for n in out]


def _shape(n: int, rng: random.Random) -> tuple[list[tuple[int, list[int]]], list[int], int]:
    """How a unit's `n` grassroots orgs nest: (党委 → 总支 sizes), 总支 sizes, direct branches.

    A 党委 entry is (inner branches directly under it, [its 总支' branch counts]); a 总支
    size is its branch count. Every node counts toward `n`.
    """
    committees: list[tuple[int, list[int]]] = []
    generals: list[int] = []
    remaining = n
    if n >= COMMITTEE_FROM:
        for _ in range(1 + (n >= 28) + (n >= 45)):
            size = rng.randint(6, 12)  # the 党委 itself + everything below it
            if remaining - size < 5:
                break
            inner = size - 1
            sub_generals: list[int] = []
            if inner >= 7 and rng.random() < 0.5:
                branches = rng.randint(2, 3)
                sub_generals.append(branches)
                inner -= branches + 1
            committees.append((inner, sub_generals))
            remaining -= size
    if remaining >= 8:
        for _ in range(rng.randint(1, min(4, remaining // 6))):
            branches = rng.randint(2, 5)
            if remaining - (branches + 1) < 3:
                break
            generals.append(branches)
            remaining -= branches + 1
    return committees, generals, remaining


def _build_unit(
    tree: _TreeBuilder,
    root: int,
    u_index: int,
    unit_name: str,
    short: str,
    dept: names.Department,
    n: int,
    rng: random.Random,
) -> tuple[UnitPlan, list[int]]:
    """Adds one unit's subtree; returns the unit and its branch org indices."""
    est = random_date(rng, dt.date(1980, 1, 1), dt.date(2000, 12, 31))
    # "人大常委会机关" + "机关党委" would say 机关 twice.
    # The form follows the unit's size (机关基层组织工作条例 第五至七条): most are 机关党委
    # (5-year terms), the small ones 机关总支 and every third of those 机关支部 (3-year
    # terms). Chosen without the random stream, so the rest of the plan draws as before.
    form, word = (
        (UnitOrgForm.PARTY_COMMITTEE, "党委")
        if n >= 8
        else (UnitOrgForm.BRANCH, "支部")
        if u_index % 3 == 0
        else (UnitOrgForm.GENERAL_BRANCH, "总支")
    )
    unit_kind_name = ("" if unit_name.endswith("机关") else "机关") + word
    top = tree.add(
        root,
        OrgKind.UNIT_PARTY,
        f"{unit_name}{unit_kind_name}",
        f"{short}{unit_kind_name}",
        u_index,
        est,
        unit_form=form,
    )
    unit = UnitPlan(u_index, unit_name, short, top.index, dept.leading_group)
    branches: list[int] = []
    sections = list(names.SECTIONS)
    rng.shuffle(sections)
    bodies = list(names.SUB_BODIES)
    rng.shuffle(bodies)

    def child_est(parent: int) -> dt.date:
        return random_date(rng, tree.orgs[parent].established_on, dt.date(2012, 12, 31))

    def branch(parent: int, name: str, short_name: str, retired: bool = False) -> None:
        node = tree.add(
            parent, OrgKind.BRANCH, name, short_name, u_index, child_est(parent), retired=retired
        )
        branches.append(node.index)

    def numbered_branches(parent: int, count: int) -> None:
        for k in range(1, count + 1):
            label = f"第{names.chinese_ordinal(k)}党支部"
            branch(parent, f"{tree.orgs[parent].name.removesuffix('党委')}{label}", label)

    if dept.leading_group:
        tree.add(
            top.index,
            OrgKind.LEADING_GROUP,
            f"中共{unit_name}党组",
            f"{short}党组",
            u_index,
            random_date(rng, est, dt.date(2005, 12, 31)),
        )
    committees, generals, direct = _shape(n, rng)
    for inner, sub_generals in committees:
        body = bodies.pop()
        pc = tree.add(
            top.index,
            OrgKind.PARTY_COMMITTEE,
            f"{unit_name}{body}党委",
            f"{body}党委",
            u_index,
            child_est(top.index),
        )
        for k, count in enumerate(sub_generals, start=1):
            label = f"第{names.chinese_ordinal(k)}党总支"
            gb = tree.add(
                pc.index,
                OrgKind.GENERAL_BRANCH,
                f"{unit_name}{body}{label}",
                label,
                u_index,
                child_est(pc.index),
            )
            numbered_branches(gb.index, count)
        numbered_branches(pc.index, inner)
    for count in generals:
        body = bodies.pop()
        gb = tree.add(
            top.index,
            OrgKind.GENERAL_BRANCH,
            f"{unit_name}{body}党总支",
            f"{body}党总支",
            u_index,
            child_est(top.index),
        )
        numbered_branches(gb.index, count)
    retiree = n >= 6
    for k in range(direct):
        if retiree and k == direct - 1:
            label = f"{names.RETIREE_SECTION}党支部"
            branch(top.index, f"{unit_name}{label}", label, retired=True)
        elif k < len(sections):
            branch(top.index, f"{unit_name}{sections[k]}党支部", f"{sections[k]}党支部")
        else:
            label = f"机关第{names.chinese_ordinal(k - len(sections) + 1)}党支部"
            branch(top.index, f"{unit_name}{label}", label)
    return unit, branches


def _size_branches(
    tree: _TreeBuilder, branches: list[int], target: int, rng: random.Random
) -> None:
    """Members per branch in [3, 60], summing exactly to `target`; retiree branches ≥ 15."""
    orgs = tree.orgs
    for b in branches:
        low = 15 if orgs[b].retired else MIN_BRANCH
        orgs[b].members = max(low, int(rng.triangular(MIN_BRANCH, MAX_BRANCH, 18)))
    total = sum(orgs[b].members for b in branches)
    if not MIN_BRANCH * len(branches) <= target <= MAX_BRANCH * len(branches):
        raise ValueError(f"cannot place {target} members in {len(branches)} branches")
    while total != target:
        b = branches[rng.randrange(len(branches))]
        low = 15 if orgs[b].retired else MIN_BRANCH
        if total > target and orgs[b].members > low:
            orgs[b].members -= 1
            total -= 1
        elif total < target and orgs[b].members < MAX_BRANCH:
            orgs[b].members += 1
            total += 1


def _add_groups(tree: _TreeBuilder, branches: list[int], rng: random.Random) -> None:
    """Large branches are split into 党小组; their members then sit in the groups."""
    for b in branches:
        node = tree.orgs[b]
        if node.members < GROUPS_FROM:
            continue
        count = min(4, node.members // 12)
        sizes = allocate(node.members, [1.0] * count, 1)
        for k, size in enumerate(sizes, start=1):
            label = f"第{names.chinese_ordinal(k)}党小组"
            tree.add(
                b,
                OrgKind.PARTY_GROUP,
                f"{node.name}{label}",
                label,
                node.unit,
                random_date(rng, node.established_on, dt.date(2018, 12, 31)),
                members=size,
                retired=node.retired,
            )
        node.members = 0


def _terms(orgs: list[OrgPlan], seed: int, today: dt.date) -> tuple[list[TermPlan], list[int]]:
    """Current (and some previous) terms with an exact renewal-status mix over grassroots orgs."""
    rng = rng_for(seed, "terms")
    grassroots = [o.index for o in orgs if o.kind in GRASSROOTS_KINDS]
    buckets: list[str] = []
    for status, share in TERM_MIX:
        buckets += [status] * round(share * len(grassroots))
    buckets += [termrules.TermStatus.NORMAL] * (len(grassroots) - len(buckets))
    rng.shuffle(buckets)
    status_of = dict(zip(grassroots, buckets, strict=True))
    terms: list[TermPlan] = []
    no_term: list[int] = []
    for org in orgs:
        rule = termrules.term_rule(org.kind, org.unit_form)
        if rule is None or org.kind not in (OrgKind.UNIT_PARTY, *GRASSROOTS_KINDS):
            continue
        status = status_of.get(org.index, termrules.TermStatus.NORMAL)
        if status == termrules.TermStatus.NO_DATA:
            no_term.append(org.index)
            continue
        started = _term_start(rng, status, rule.years, today)
        # Earlier terms: back to ACTIVITY_START always, one more for some orgs (history).
        starts = [started]
        extra = rng.random() < PREVIOUS_TERM_SHARE
        while starts[-1] > ACTIVITY_START or (extra and len(starts) == 1):
            back = termrules.add_years(starts[-1], -rule.years)
            starts.append(back - dt.timedelta(days=rng.randint(0, 60)))
        first_start = starts[-1]
        if org.established_on > first_start:
            org.established_on = first_start
        number = max(len(starts), (started.year - org.established_on.year) // rule.years + 1)
        for k in range(len(starts) - 1, 0, -1):  # oldest first, each ending as the next starts
            terms.append(
                TermPlan(len(terms), org.index, number - k, starts[k], starts[k - 1], "ended")
            )
        terms.append(TermPlan(len(terms), org.index, number, started, None, status))
    return terms, no_term


def _term_start(rng: random.Random, status: str, years: int, today: dt.date) -> dt.date:
    """An election date whose planned end (start + term length) falls in the status's window."""
    days = {
        termrules.TermStatus.DUE_3: (5, 80),
        termrules.TermStatus.DUE_6: (100, 170),
        termrules.TermStatus.OVERDUE: (-720, -15),
    }
    for _ in range(20):
        if status in days:
            due = today + dt.timedelta(days=rng.randint(*days[status]))
            started = termrules.add_years(due, -years)
        else:
            started = today - dt.timedelta(days=rng.randint(10, years * 365 - 200))
        if termrules.status_for(termrules.add_years(started, years), today) == status:
            return started
    raise AssertionError(f"no start date for status {status}")  # pragma: no cover


def build_plan(
    seed: int = 1, scale: str | Scale = "city", today: dt.date | None = None
) -> CityPlan:
    """The whole org structure and terms for `seed` (no database access)."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    today = today or dt.date.today()  # noqa: DTZ011 - only the default; callers inject it
    tree = _TreeBuilder()
    province = sc.cities > 1
    root_name = (
        "示例省直属机关工委（演示数据）" if province else f"{names.CITY}委直属机关工委（演示数据）"
    )
    root = tree.add(
        None,
        OrgKind.COMMITTEE,
        root_name,
        "示例省直机关工委" if province else "示例市直机关工委",
        None,
        dt.date(1984, 10, 1),
        code="DEMO",
    )
    by_name = {d.name: d for d in names.DEPARTMENTS}
    depts = (
        [by_name[n] for n in sc.departments]
        if sc.departments
        else list(names.DEPARTMENTS[: sc.units])
    )
    if len(depts) != sc.units:
        raise ValueError("department list shorter than the scale's unit count")
    units: list[UnitPlan] = []
    for c in range(sc.cities):
        city = names.PROVINCE_CITIES[c]
        rng = rng_for(seed, "structure", c)
        sizes = allocate(sc.grassroots, [d.weight * rng.uniform(0.7, 1.3) for d in depts], 3)
        city_branches: list[int] = []
        for dept, n in zip(depts, sizes, strict=True):
            unit_name = f"{city}{dept.name}"
            short = f"{'' if not province else city[:2]}市{dept.name}"
            first = len(tree.orgs)
            unit, branches = _build_unit(
                tree, root.index, len(units), unit_name, short, dept, n, rng
            )
            units.append(unit)
            city_branches += branches
            unit.orgs = list(range(first, len(tree.orgs)))
        _size_branches(tree, city_branches, sc.members, rng)
    # 党小组 come last so that each unit's org indices stay contiguous before them.
    group_rng = rng_for(seed, "groups")
    all_branches = [o.index for o in tree.orgs if o.kind == OrgKind.BRANCH]
    first_group = len(tree.orgs)
    _add_groups(tree, all_branches, group_rng)
    for node in tree.orgs[first_group:]:
        units[node.unit].orgs.append(node.index)  # type: ignore[index]
    terms, no_term = _terms(tree.orgs, seed, today)
    return CityPlan(seed, sc, today, tree.orgs, units, terms, no_term)
