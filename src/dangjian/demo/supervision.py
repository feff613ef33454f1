"""The demo city's 督查考评 (supervision) as plain data: campaigns, targets, results, findings.

2024 is shaped to seed-figures.md (per city; a province is ten cities' worth):
- row 4: a 理论学习中心组学习 抽查调阅 of exactly 40 units (random sample of the units);
- row 13: 基础制度落实 抽查调阅 of exactly 954 党支部 and 党小组 — a first-half round on
  党支部 and a second-half round on 党小组, each a sample stratified by unit; the two
  populations are disjoint, so the distinct count is exactly their sum while each round
  stays an ordinary, re-drawable sample of its own population;
- row 16: three 明察暗访 rounds (before 春节, 中秋国庆 and 元旦) of 12, 10 and 8 different
  units, chosen by the 工委 (manual selection);
- row 7: a 模范机关评估 of 9 recommended units, 6 of which reach the pass line;
- a 五星党支部评定 of every 党支部, rated by quota shares.
Later years get a 基础制度 round per half-year (党支部, then 党小组) up to `today`: done
when its period has ended, in progress when `today` falls in it, and the next one as a
draft. Findings come from nonconforming (and some partially conforming) items; their
rectifications are in the states the dates allow (most closed, some overdue).

Nothing here touches the database except through the framework items handed in; every
draw comes from `random.Random` seeded per purpose, so the result depends only on
(seed, scale, today) and the framework library.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dangjian.assessments import sampling
from dangjian.assessments.models import (
    AssessmentStatus,
    CampaignStatus,
    CampaignType,
    ItemKind,
    RectificationStatus,
    ResultValue,
    SelectionMode,
    Severity,
)
from dangjian.assessments.sampling import Stratum
from dangjian.orgs.models import OrgKind

from . import supervision_texts as texts
from .life import workday_between
from .plan import CityPlan, rng_for
from .shapes import SHAPED_YEAR

A, R, RS = AssessmentStatus, ResultValue, RectificationStatus
DEADLINE_DAYS = 30  # services.DEFAULT_DEADLINE_DAYS: a finding's default time to rectify


@dataclass(frozen=True)
class SupervisionShape:
    study_units: int  # row 4
    basic_branches: int  # row 13, first half (党支部)
    basic_groups: int  # row 13, second half (党小组)
    unannounced: tuple[int, ...]  # row 16: units per round, all different
    model_organ: tuple[int, int]  # row 7: (assessed, passing)
    later_round: int  # targets of each half-year 基础制度 round after 2024

    @property
    def basic_orgs(self) -> int:
        return self.basic_branches + self.basic_groups

    def times(self, k: int) -> SupervisionShape:
        return SupervisionShape(
            self.study_units * k,
            self.basic_branches * k,
            self.basic_groups * k,
            tuple(n * k for n in self.unannounced),
            (self.model_organ[0] * k, self.model_organ[1] * k),
            self.later_round * k,
        )


CITY_SHAPE = SupervisionShape(40, 480, 474, (12, 10, 8), (9, 6), 240)
SHAPES = {"tiny": SupervisionShape(2, 10, 8, (1, 1), (2, 1), 6)}


def shape_for(plan: CityPlan) -> SupervisionShape:
    shape = SHAPES.get(plan.scale.name, CITY_SHAPE)
    return shape.times(plan.scale.cities) if plan.scale.name not in SHAPES else shape


# --- framework items, as the loader reads them ---------------------------------------------
@dataclass(frozen=True)
class ItemSpec:
    id: int
    code: str
    text: str
    kind: str
    max_score: Decimal | None
    category: str  # its own, or its section's
    methods: tuple[str, ...]
    rule_id: str


@dataclass(frozen=True)
class FrameworkSpec:
    id: int
    code: str
    name: str
    items: tuple[ItemSpec, ...]  # assessable items only, in order

    @property
    def max_total(self) -> Decimal:
        return sum(
            (i.max_score or Decimal(0) for i in self.items if i.kind == ItemKind.SCORE), Decimal(0)
        )


# An outcome function: (framework code, {item id: (result, score)}, has_innovation) →
# (total, rating or None, passed); the loader hands in services.compute_outcome's.
Scorer = Callable[[str, dict[int, tuple[str, Decimal | None]], bool], tuple[Any, Any, Any]]


# --- campaigns ---------------------------------------------------------------------------
@dataclass
class CampaignPlan:
    key: str
    name: str
    campaign_type: str
    framework: str
    target_kinds: tuple[str, ...]
    start: dt.date
    end: dt.date
    selection: str
    targets: list[int]  # org indices, in path order
    status: str
    released: bool
    description: str = ""
    sample_size: int | None = None
    seed: int | None = None
    population: int = 0
    strata: list[Stratum] = field(default_factory=list)  # as drawn; ids are org indices
    passing: frozenset[int] = frozenset()  # model organ: targets meant to pass


def campaign_status(start: dt.date, end: dt.date, today: dt.date) -> str:
    if end < today:
        return CampaignStatus.CLOSED
    return CampaignStatus.ACTIVE if start <= today else CampaignStatus.DRAFT


def stratified_sample(
    plan: CityPlan, population: Sequence[int], size: int, seed: int
) -> tuple[list[int], list[Stratum]]:
    """`size` orgs of `population` (org indices) drawn exactly as `campaigns.create_campaign`
    draws them (its `stratify` and `draw`), so that a re-draw with the saved seed on the
    campaign page gives the demo's sample again. Returns the drawn orgs in path order and
    the strata, whose ids are org indices."""
    orgs = plan.orgs
    rows = [(orgs[i].path, i, orgs[i].name) for i in population]
    units = {orgs[u.org].path: (u.org, orgs[u.org].name) for u in plan.units}
    strata = sampling.stratify(rows, units)
    drawn = sampling.draw(strata, size, seed)
    return [i for _path, i, _name in drawn], strata


def _of_kind(plan: CityPlan, *kinds: str) -> list[int]:
    return [o.index for o in plan.orgs if o.kind in kinds]


def campaigns(plan: CityPlan) -> list[CampaignPlan]:
    shape = shape_for(plan)
    today = plan.today
    rng = rng_for(plan.seed, "supervision", "campaigns")
    units = _of_kind(plan, OrgKind.UNIT_PARTY)
    branches = _of_kind(plan, OrgKind.BRANCH)
    groups = _of_kind(plan, OrgKind.PARTY_GROUP)
    prefix = "示例市直机关" if plan.scale.cities == 1 else "示例省直机关"
    y = SHAPED_YEAR
    out: list[CampaignPlan] = []

    def add(key, name, ctype, framework, kinds, start, end, selection, targets, **extra):
        status = campaign_status(start, end, today)
        out.append(
            CampaignPlan(
                key,
                name,
                ctype,
                framework,
                kinds,
                start,
                end,
                selection,
                targets,
                status,
                released=status == CampaignStatus.CLOSED,
                **extra,
            )
        )

    def sampled(key, name, framework, kinds, population, size, start, end, description):
        seed = 10_000 * start.year + 100 * start.month + len(out) + plan.seed
        targets, strata = stratified_sample(plan, population, size, seed)
        add(
            key,
            name,
            CampaignType.SAMPLED_REVIEW,
            framework,
            kinds,
            start,
            end,
            SelectionMode.SAMPLE,
            targets,
            description=description,
            sample_size=size,
            seed=seed,
            population=len(population),
            strata=strata,
        )

    sampled(
        "study",
        f"{y}年{prefix}理论学习中心组学习情况抽查调阅",
        "central_group_study",
        (OrgKind.UNIT_PARTY,),
        units,
        shape.study_units,
        dt.date(y, 4, 1),
        dt.date(y, 10, 31),
        "调阅单位党组（党委）理论学习中心组学习计划、记录、研讨材料和“第一议题”落实情况。",
    )
    sampled(
        "basic-h1",
        f"{y}年上半年{prefix}党支部基础制度落实情况抽查调阅",
        "basic_system",
        (OrgKind.BRANCH,),
        branches,
        shape.basic_branches,
        dt.date(y, 3, 1),
        dt.date(y, 6, 28),
        "按单位分层随机抽取党支部，调阅“三会一课”、主题党日、组织生活会等台账。",
    )
    sampled(
        "basic-h2",
        f"{y}年下半年{prefix}党小组基础制度落实情况抽查调阅",
        "basic_system",
        (OrgKind.PARTY_GROUP,),
        groups,
        shape.basic_groups,
        dt.date(y, 9, 2),
        dt.date(y, 11, 29),
        "按单位分层随机抽取党小组，调阅党小组会记录和党员学习教育情况。",
    )
    # 明察暗访: the 工委 picks different units for each round (often on tips).
    pool = sorted(units, key=lambda i: plan.orgs[i].path)
    picked = rng.sample(pool, sum(shape.unannounced))
    rounds = (
        ("春节前", dt.date(y, 1, 22), dt.date(y, 2, 7)),
        ("中秋国庆前", dt.date(y, 9, 9), dt.date(y, 9, 27)),
        ("元旦前", dt.date(y, 12, 16), dt.date(y, 12, 27)),
    )
    start = 0
    for (label, first, last), n in zip(rounds, shape.unannounced, strict=False):
        add(
            f"unannounced-{first:%m}",
            f"{y}年{label}{prefix}纪律作风明察暗访",
            CampaignType.UNANNOUNCED_INSPECTION,
            "unannounced_inspection",
            (OrgKind.UNIT_PARTY,),
            first,
            last,
            SelectionMode.MANUAL,
            sorted(picked[start : start + n], key=lambda i: plan.orgs[i].path),
            description="采取“四不两直”方式，检查在岗在位、工作纪律、窗口服务和中央八项规定精神落实情况。",
        )
        start += n
    assessed, passing = shape.model_organ
    recommended = sorted(rng.sample(pool, assessed), key=lambda i: plan.orgs[i].path)
    add(
        "model-organ",
        f"{y}年度{prefix}模范机关建设评估",
        CampaignType.MODEL_ORGAN,
        "model_organ",
        (OrgKind.UNIT_PARTY,),
        dt.date(y, 10, 8),
        dt.date(y, 12, 20),
        SelectionMode.MANUAL,
        recommended,
        description="对各单位推荐的模范机关创建单位，采取听汇报、看现场、查资料、问党员干部、评群众满意度的方式评估。",
        passing=frozenset(rng.sample(recommended, passing)),
    )
    add(
        "stars",
        f"{y}年度{prefix}五星党支部评定",
        CampaignType.STAR_RATING,
        "star_rating",
        (OrgKind.BRANCH,),
        dt.date(y, 11, 1),
        dt.date(y, 12, 31),
        SelectionMode.ALL,
        sorted(branches, key=lambda i: plan.orgs[i].path),
        description="各党支部自评、单位机关党委初评，工委审核评定；五星约占10%。",
        population=len(branches),
    )
    # 党费审查 the year after: branches sampled by unit, their items pre-filled from the ledger
    # (dues/audit.py) beside what the assessors recorded. Only once it is over (the running
    # campaign of the demo's today is the half-year 基础制度 round).
    dues_year = y + 1
    if dt.date(dues_year, 4, 30) < today:
        seed = 10_000 * dues_year + 400 + plan.seed
        size = min(20, max(1, len(branches) // 10))
        targets, strata = stratified_sample(plan, branches, size, seed)
        add(
            "dues-audit",
            f"{dues_year}年{prefix}党费收缴使用管理审查",
            CampaignType.DUES_AUDIT,
            "dues_audit",
            (OrgKind.BRANCH,),
            dt.date(dues_year, 3, 1),
            dt.date(dues_year, 4, 30),
            SelectionMode.SAMPLE,
            targets,
            description="按单位分层随机抽取党支部，对照党费台账审查基数核定、按月交纳、补交和上缴情况。",
            sample_size=size,
            seed=seed,
            population=len(branches),
            strata=strata,
        )
    # Later years: a 基础制度 round per half-year up to today, then the next as a draft.
    for year in range(y + 1, today.year + 2):
        for half, kinds, population, first, last in (
            ("上半年", OrgKind.BRANCH, branches, dt.date(year, 3, 1), dt.date(year, 6, 30)),
            ("下半年", OrgKind.PARTY_GROUP, groups, dt.date(year, 9, 1), dt.date(year, 11, 30)),
        ):
            if out[-1].status == CampaignStatus.DRAFT:
                return out
            what = "党支部" if kinds == OrgKind.BRANCH else "党小组"
            sampled(
                f"basic-{year}-{first.month}",
                f"{year}年{half}{prefix}{what}基础制度落实情况抽查调阅",
                "basic_system",
                (kinds,),
                population,
                min(shape.later_round, len(population)),
                first,
                last,
                f"按单位分层随机抽取{what}，调阅基础制度落实台账。",
            )
    return out


# --- assessments ------------------------------------------------------------------------
@dataclass
class FindingPlan:
    item_id: int | None
    category: str
    text: str
    severity: str
    found_on: dt.date
    deadline: dt.date
    status: str
    measures: str = ""
    evidence: str = ""
    submitted_on: dt.date | None = None
    verified_on: dt.date | None = None
    verify_note: str = ""


@dataclass
class ResultPlan:
    item_id: int
    result: str
    score: Decimal | None
    note: str
    methods: tuple[str, ...]
    from_records: bool


@dataclass
class AssessmentPlan:
    target: int
    status: str
    assessed_on: dt.date | None
    assessors: tuple[int, ...]  # indices into the staff list
    assessor_names: str
    has_innovation: bool
    results: list[ResultPlan] = field(default_factory=list)
    findings: list[FindingPlan] = field(default_factory=list)
    summary: str = ""
    total: Any = None
    rating: Any = None
    passed: Any = None


def _statuses(rng: random.Random, c: CampaignPlan, today: dt.date) -> list[str]:
    n = len(c.targets)
    if c.status == CampaignStatus.CLOSED:
        return [A.DONE] * n
    if c.status == CampaignStatus.DRAFT:
        return [A.PLANNED] * n
    progress = (today - c.start).days / max(1, (c.end - c.start).days)
    order = list(range(n))
    rng.shuffle(order)
    out: list[str] = [A.PLANNED] * n
    for rank, i in enumerate(order):
        share = rank / n
        if share < progress * 0.8:
            out[i] = A.DONE
        elif share < progress:
            out[i] = A.IN_REVIEW
        elif share < progress + 0.1:
            out[i] = A.IN_PROGRESS
    return out


def _half(value: Decimal) -> Decimal:
    return (value * 2).quantize(Decimal(1)) / 2


def _score_result(ratio: float) -> str:
    return R.CONFORMING if ratio >= 0.9 else R.PARTIAL if ratio >= 0.6 else R.NONCONFORMING


def _results(
    rng: random.Random, spec: FrameworkSpec, quality: float, items: Sequence[ItemSpec]
) -> list[ResultPlan]:
    """Item results for an org of `quality` (0 poor … 1 exemplary)."""
    out = []
    p_non = 0.01 + 0.09 * (1 - quality) ** 2
    p_part = 0.03 + 0.12 * (1 - quality)
    for item in items:
        if item.kind == ItemKind.SCORE:
            top = item.max_score or Decimal(0)
            ratio = min(1.0, max(0.0, quality + rng.gauss(0, 0.06)))
            score = _half(top * Decimal(str(round(ratio, 3))))
            result = _score_result(float(score / top) if top else 1.0)
        else:
            r = rng.random()
            result = (
                R.NONCONFORMING if r < p_non else R.PARTIAL if r < p_non + p_part else R.CONFORMING
            )
            if item.kind == ItemKind.PASS_FAIL and result == R.PARTIAL:
                result = R.CONFORMING
            score = None
        note = ""
        if result in (R.NONCONFORMING, R.PARTIAL):
            note = rng.choice(texts.problem_texts(item.category, item.text))
        from_records = bool(item.rule_id) and result == R.CONFORMING and rng.random() < 0.6
        out.append(ResultPlan(item.id, result, score, note, item.methods, from_records))
    return out


def _rectification(rng: random.Random, f: FindingPlan, today: dt.date) -> None:
    """Fill in the rectification's state as far as the dates allow."""
    past_deadline = f.deadline < today  # not "overdue": that depends on the state drawn here
    r = rng.random()
    if past_deadline:
        state = (
            RS.CLOSED
            if r < 0.86
            else RS.SUBMITTED
            if r < 0.91
            else RS.RETURNED
            if r < 0.93
            else RS.OPEN
        )
    else:
        state = RS.OPEN if r < 0.55 else RS.SUBMITTED if r < 0.85 else RS.CLOSED
    if state == RS.OPEN:
        return
    submitted = f.found_on + dt.timedelta(days=rng.randint(7, DEADLINE_DAYS - 2))
    if submitted >= today:
        return  # not yet answered
    f.status = state
    f.submitted_on = submitted
    f.measures = rng.choice(texts.MEASURES)
    f.evidence = rng.choice(texts.EVIDENCE)
    if state == RS.SUBMITTED:
        return
    verified = submitted + dt.timedelta(days=rng.randint(2, 12))
    if verified >= today:
        f.status = RS.SUBMITTED
        return
    f.verified_on = verified
    f.verify_note = rng.choice(texts.VERIFY_NOTES if state == RS.CLOSED else texts.RETURN_NOTES)


def _findings(
    rng: random.Random, a: AssessmentPlan, items: dict[int, ItemSpec], today: dt.date
) -> list[FindingPlan]:
    if a.assessed_on is None or a.status not in (A.DONE, A.IN_REVIEW):
        return []
    out = []
    for res in a.results:
        raise_it = res.result == R.NONCONFORMING or (res.result == R.PARTIAL and rng.random() < 0.3)
        if not raise_it:
            continue
        item = items[res.item_id]
        severity = Severity.GENERAL
        if res.result == R.NONCONFORMING:
            s = rng.random()
            severity = (
                Severity.GRAVE if s < 0.02 else Severity.SERIOUS if s < 0.17 else Severity.GENERAL
            )
        f = FindingPlan(
            item.id,
            item.category,
            res.note,
            severity,
            a.assessed_on,
            a.assessed_on + dt.timedelta(days=DEADLINE_DAYS),
            RS.OPEN,
        )
        _rectification(rng, f, today)
        out.append(f)
    return out


def _fit_pass(a: AssessmentPlan, spec: FrameworkSpec, score: Scorer, want: bool) -> None:
    """Move score items one half-point step at a time until `passed` is what the shape
    needs (the model organ's pass line is a total; a unit near it is nudged across)."""
    items = {i.id: i for i in spec.items}
    for _ in range(400):
        a.total, a.rating, a.passed = score(spec.code, _result_map(a), a.has_innovation)
        if bool(a.passed) == want:
            return
        for res in a.results if want else reversed(a.results):
            top = items[res.item_id].max_score
            if top is None or res.score is None:
                continue
            step = Decimal("0.5") if want else Decimal("-0.5")
            if Decimal(0) <= res.score + step <= top:
                res.score += step
                res.result = _score_result(float(res.score / top))
                break
    raise RuntimeError(
        f"演示数据：无法把 {spec.name} 的评估结果调整为{'达标' if want else '未达标'}。"
    )


def _result_map(a: AssessmentPlan) -> dict[int, tuple[str, Decimal | None]]:
    return {r.item_id: (r.result, r.score) for r in a.results}


def assessments(
    plan: CityPlan,
    c: CampaignPlan,
    spec: FrameworkSpec,
    score: Scorer,
    staff: int,
) -> list[AssessmentPlan]:
    """One AssessmentPlan per target of the campaign, with results, totals and findings."""
    today = plan.today
    rng = rng_for(plan.seed, "supervision", c.key)
    statuses = _statuses(rng, c, today)
    by_id = {i.id: i for i in spec.items}
    last_day = min(c.end, today - dt.timedelta(days=1))
    out = []
    for target, status in zip(c.targets, statuses, strict=True):
        quality = rng.betavariate(5, 1.6)
        if c.campaign_type == CampaignType.MODEL_ORGAN:
            quality = rng.uniform(0.93, 0.99) if target in c.passing else rng.uniform(0.72, 0.86)
        elif c.campaign_type == CampaignType.STAR_RATING:
            quality = min(0.99, max(0.45, rng.gauss(0.8, 0.08)))
        a = AssessmentPlan(
            target,
            status,
            None,
            tuple(sorted(rng.sample(range(staff), min(2, staff)))) if staff else (),
            rng.choice(texts.EXTERNAL_ASSESSORS)
            if c.campaign_type in (CampaignType.MODEL_ORGAN, CampaignType.UNANNOUNCED_INSPECTION)
            else "",
            has_innovation=c.campaign_type == CampaignType.STAR_RATING
            and rng.random() < 0.2 + 0.6 * quality**4,
        )
        if status != A.PLANNED and last_day >= c.start:
            a.assessed_on = workday_between(rng, c.start, last_day)
            if a.assessed_on > last_day:  # moved off a weekend past the end
                a.assessed_on = last_day
            items = spec.items
            if status == A.IN_PROGRESS:
                items = items[: max(1, len(items) // 2)]
            a.results = _results(rng, spec, quality, items)
            if c.campaign_type == CampaignType.MODEL_ORGAN and status == A.DONE:
                _fit_pass(a, spec, score, target in c.passing)
            a.total, a.rating, a.passed = score(spec.code, _result_map(a), a.has_innovation)
            if c.campaign_type != CampaignType.STAR_RATING:
                a.findings = _findings(rng, a, by_id, today)
            problems = sum(r.result != R.CONFORMING for r in a.results)
            a.summary = texts.SUMMARIES[
                "good" if problems == 0 else "fair" if problems <= 2 else "poor"
            ]
        else:
            a.status = A.PLANNED
        out.append(a)
    return out
