"""创新案例与党建品牌 in the demo city (issue 13), shaped to seed-figures rows 8–9.

2024: most units submit a case (a few two, and at small scales several each), the 工委
rates them in December — exactly 12 优秀案例 — and two of the excellent ones go on to the
省直机关工委's selection: one 二等奖案例, one 优秀案例. 2025: the year's cases so far, some
still drafts, none rated yet. Brands: most units have their unit brand with a few branch
brands under it. All text is fictional. Deterministic from plan.seed; bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random

from dangjian.cases.models import (
    AwardLevel,
    Brand,
    Case,
    CaseAward,
    CaseFile,
    CaseRating,
    CaseStatus,
    CaseType,
    Rating,
)
from dangjian.orgs.models import Organization, OrgKind

from .plan import CityPlan

EXCELLENT_2024 = 12
MIN_CASES_2024 = 16  # small scales: enough cases for the 12 excellent ones
PROVINCIAL_BODY = "中共某省直属机关工作委员会"
PROVINCIAL_DOC = "某直工〔2024〕45号"
BATCH = 1000

_METHODS = (
    "“三联三促”",
    "“支部+项目”",
    "“红色引擎”",
    "“一线工作法”",
    "“双向积分”",
    "“党建+业务”双融合",
    "“清单化”",
    "“四微”",
    "“先锋岗”",
    "“党员亮诺”",
    "“一支部一特色”",
    "“流动党课”",
)
_AREAS = (
    "优化营商环境",
    "基层治理",
    "机关作风建设",
    "政务服务提速",
    "青年干部培养",
    "数据共享应用",
    "安全生产监管",
    "为民办实事",
    "重点项目攻坚",
    "清廉机关建设",
    "乡村振兴帮扶",
    "模范机关创建",
)
_RESEARCH = (
    "新时代机关党支部标准化规范化建设路径研究",
    "机关党建与业务工作深度融合的实践探索",
    "机关青年党员教育管理的难点与对策",
    "以高质量党建引领机关效能提升研究",
    "机关党组织书记抓党建述职评议机制研究",
)
_DOINGS = (
    "围绕中心工作梳理年度任务清单，由支部书记领题、党员认领，按月调度、按季通报",
    "把党员先锋岗设在业务一线窗口，推行首问负责、一次告知、限时办结",
    "组建跨处室党员攻坚小组，对重点难点事项实行挂图作战、销号管理",
    "与结对社区党组织建立需求清单、资源清单、项目清单，常态开展共建活动",
    "运用积分管理记录党员学习、履职和志愿服务情况，结果与评先评优挂钩",
    "每月开展一次“微党课”，由业务骨干结合案例讲政策、讲流程、讲纪律",
)
_RESULTS = (
    "相关事项平均办理时限压缩三成以上，群众满意度明显提升",
    "全年解决企业和群众急难愁盼问题数十件，形成一批可复制的制度成果",
    "支部组织力明显增强，党员参与率保持在九成以上",
    "相关做法被上级部门转发推广，多个兄弟单位前来交流",
    "年轻干部在攻坚一线得到锻炼，多名党员获得表彰",
)
_BRAND_HEADS = ("红色", "先锋", "初心", "清风", "匠心", "领航", "同心", "铸魂", "暖心", "砺剑")
_BRAND_TAILS = ("引擎", "驿站", "堡垒", "方阵", "课堂", "工作室", "服务队", "阵地", "旗帜")
_BRAND_MEANINGS = (
    "以政治建设为统领，把党的建设贯穿业务工作全过程，",
    "突出党员先锋模范作用，设岗定责、亮诺践诺，",
    "坚持服务群众，把支部建在项目上、把党员派到一线，",
    "以学促干、以干践学，推动理论学习与岗位实践相结合，",
)


def _unit_of(org: Organization) -> str:
    return org.path[: 2 * Organization.steplen]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _short(org: Organization) -> str:
    name = org.name
    for tail in ("机关党委", "机关总支", "机关支部", "党组"):
        name = name.removesuffix(tail)
    return name


def _case_text(rng: random.Random, org: Organization, year: int) -> tuple[str, str, str]:
    """(case_type, title, summary) of one fictional case."""
    if rng.random() < 0.15:
        title = rng.choice(_RESEARCH)
        kind = CaseType.RESEARCH
    else:
        title = f"以{rng.choice(_METHODS)}工作法助推{rng.choice(_AREAS)}"
        kind = CaseType.INNOVATION
    summary = (
        f"{year}年，{org.name}{rng.choice(_DOINGS)}；同时{rng.choice(_DOINGS)}。"
        f"经过一年实践，{rng.choice(_RESULTS)}。"
    )
    return kind, title, summary


def write_cases(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    rng = random.Random(f"{plan.seed}-cases")
    root = orgs[0]
    units = [o for o in orgs if o.kind == OrgKind.UNIT_PARTY]
    branches: dict[str, list[Organization]] = {}
    for o in orgs:
        if o.kind == OrgKind.BRANCH:
            branches.setdefault(_unit_of(o), []).append(o)
    rater = staff[0] if staff else None
    showcase_unit = _unit_of(branch)

    cases: list[Case] = []
    titles: set[tuple[int, int, str]] = set()

    def add_case(
        org: Organization, year: int, status: str, submitted: dt.date | None, draw=rng
    ) -> Case:
        kind, title, summary = _case_text(draw, org, year)
        n = 2
        base = title
        while (org.pk, year, title) in titles:  # unique per org and year
            title = f"{base}（{n}）"
            n += 1
        titles.add((org.pk, year, title))
        case = Case(
            org=org,
            year=year,
            case_type=kind,
            title=title,
            summary=summary,
            status=status,
            submitted_on=submitted,
        )
        cases.append(case)
        return case

    # 2024: most units, one case each (a few two); small scales several each.
    per_unit = max(1, -(-MIN_CASES_2024 // max(1, len(units))))
    taking = [u for u in units if u.path == showcase_unit or rng.random() < 0.82]
    year_2024: list[Case] = []
    for unit in taking:
        count = per_unit + (1 if per_unit == 1 and rng.random() < 0.08 else 0)
        for _ in range(count):
            # A branch's own case now and then: the org is the branch doing the work.
            own = branches.get(unit.path) or []
            org = rng.choice(own) if own and rng.random() < 0.3 else unit
            day = _day(rng, dt.date(2024, 9, 1), dt.date(2024, 11, 15))
            year_2024.append(add_case(org, 2024, CaseStatus.SUBMITTED, day))
    # The later years: fewer cases each (the year's call is not over for every unit);
    # the 工委 rates a year's cases on 20 December, so the current year is not rated yet.
    later: dict[int, list[Case]] = {}
    rng_later = random.Random(f"{plan.seed}-cases-later")  # 2024 and brands never depend on today
    for year in range(2025, plan.today.year + 1):
        if plan.today < dt.date(year, 3, 1):
            break
        closed = plan.today >= dt.date(year, 12, 20)
        last = min(plan.today, dt.date(year, 11, 15))
        for unit in units:
            if rng_later.random() >= 0.45 and unit.path != showcase_unit:
                continue
            submitted = closed or rng_later.random() < 0.6
            on = _day(rng_later, dt.date(year, 3, 1), last) if submitted else None
            status = CaseStatus.SUBMITTED if submitted else CaseStatus.DRAFT
            later.setdefault(year, []).append(add_case(unit, year, status, on, rng_later))
    Case.objects.bulk_create(cases, batch_size=BATCH)

    # The 工委's December rating: exactly 12 excellent in 2024, about a third selected.
    ratings, excellent = _ratings(rng, year_2024, EXCELLENT_2024, root, rater)
    for year, rows in later.items():
        if plan.today >= dt.date(year, 12, 20):
            more, _best = _ratings(rng_later, rows, max(1, len(rows) // 4), root, rater)
            ratings += more
    CaseRating.objects.bulk_create(ratings, batch_size=BATCH)

    # Two of the excellent ones were chosen by the 省直机关工委 (seed-figures row 9).
    awards = [
        CaseAward(
            case=case,
            level=AwardLevel.PROVINCIAL_COMMITTEE,
            awarding_body=PROVINCIAL_BODY,
            award=award,
            year=2024,
            document_number=PROVINCIAL_DOC,
        )
        for case, award in zip(excellent[:2], ("二等奖案例", "优秀案例"), strict=False)
    ]
    CaseAward.objects.bulk_create(awards)

    brands = _write_brands(random.Random(f"{plan.seed}-brands"), units, branches, showcase_unit)
    return {
        "cases": len(cases),
        "cases_2024": len(year_2024),
        "cases_later": sum(len(rows) for rows in later.values()),
        "case_ratings": len(ratings),
        "case_awards": len(awards),
        "brands": brands,
    }


def _ratings(
    rng: random.Random, cases: list[Case], best: int, root: Organization, rater: int | None
) -> tuple[list[CaseRating], list[Case]]:
    """Ratings of one year's cases: `best` excellent, about a third selected, the rest not
    selected; returns the rows and the excellent cases."""
    order = list(cases)
    rng.shuffle(order)
    selected = {id(c) for c in order[best : best + len(order) // 3]}
    rows = []
    for n, case in enumerate(order):
        rating = (
            Rating.EXCELLENT
            if n < best
            else Rating.SELECTED
            if id(case) in selected
            else Rating.NOT_SELECTED
        )
        rows.append(
            CaseRating(
                case=case,
                rated_by_org=root,
                rating=rating,
                rated_on=dt.date(case.year, 12, 20),
                note="做法具体、成效明显，具有推广价值。" if rating == Rating.EXCELLENT else "",
                rated_by_id=rater,
            )
        )
    return rows, order[:best]


def _write_brands(
    rng: random.Random,
    units: list[Organization],
    branches: dict[str, list[Organization]],
    showcase_unit: str,
) -> int:
    """Most units: one unit brand and one to four branch brands under it."""
    unit_brands: list[Brand] = []
    branch_plans: list[tuple[Brand, list[Organization]]] = []
    for unit in units:
        if unit.path != showcase_unit and rng.random() >= 0.85:
            continue
        name = f"{rng.choice(_BRAND_HEADS)}{rng.choice(_BRAND_TAILS)}"
        brand = Brand(
            org=unit,
            name=f"“{name}”党建品牌",
            description=(
                f"{_short(unit)}{rng.choice(_BRAND_MEANINGS)}"
                "形成“1+N”品牌体系：单位品牌统领，各支部结合业务打造特色子品牌。"
            ),
            established_year=rng.randint(2016, 2023),
        )
        unit_brands.append(brand)
        own = list(branches.get(unit.path, []))
        rng.shuffle(own)
        branch_plans.append((brand, own[: rng.randint(1, 4)]))
    Brand.objects.bulk_create(unit_brands, batch_size=BATCH)
    children = [
        Brand(
            org=org,
            parent=brand,
            name=f"“{rng.choice(_BRAND_HEADS)}{rng.choice(_BRAND_TAILS)}”",
            description=f"{org.name}{rng.choice(_BRAND_MEANINGS)}打造支部特色品牌。",
            established_year=rng.randint(brand.established_year, 2024),
        )
        for brand, orgs in branch_plans
        for org in orgs
    ]
    Brand.objects.bulk_create(children, batch_size=BATCH)
    return len(unit_brands) + len(children)


def reset_cases() -> None:
    """Delete what write_cases wrote (before the members and orgs it names)."""
    names = list(CaseFile.objects.values_list("stored_name", flat=True))
    CaseAward.objects.all().delete()
    CaseRating.objects.all().delete()
    CaseFile.objects.all().delete()
    CaseFile.remove_files(names)
    Case.objects.all().delete()
    Brand.objects.filter(parent__isnull=False).delete()
    Brand.objects.all().delete()
