"""Events the 工委 holds for the whole city (see `life.py` for the orgs' own).

The 2024 党纪学习教育 training of the grassroots secretaries is shaped to seed-figures.md
row 6: exactly `YearShape.trained` distinct members holding a 书记 post in 2024 attend it
(per city). Also a yearly 警示教育大会 for the units' secretaries, and a yearly training
for secretaries in the other years (not tagged, so it does not count for 2024).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from dangjian.activities.models import DISCIPLINE_EDUCATION_TAG, ActivityKind, TrainingType
from dangjian.orgs.models import OrgKind

from . import topics
from .life import ATTENDED, LEAVE, Act, Context, invited, some_workday, workday_between
from .names import PROVINCE_CITIES
from .plan import rng_for
from .roster import Seat, in_year
from .shapes import SHAPED_YEAR

K = ActivityKind
SESSION_SIZE = 220  # secretaries per session of the 2024 党纪学习教育 training


def committee_activities(
    ctx: Context, seats: list[tuple[int, int, Seat]], root: int = 0
) -> Iterator[Act]:
    """City-wide events held by the 工委: the 2024 党纪学习教育 training of secretaries
    (shaped: exactly `trained` distinct 2024 secretaries per city attend), a yearly
    警示教育大会 for the units' secretaries, and a yearly training in later years.

    `seats` are every 书记 post: (city, org index, seat).
    """
    plan, today = ctx.plan, ctx.today
    rng = rng_for(plan.seed, "life", "committee")
    for city in range(plan.scale.cities):
        mine = [(i, s) for c, i, s in seats if c == city]
        prefix = PROVINCE_CITIES[city] + ("直" if plan.scale.cities == 1 else "")
        if SHAPED_YEAR in ctx.years:
            yield from _discipline_training(ctx, rng, city, prefix, mine, root)
        for y in ctx.years:
            day = some_workday(rng, y, rng.randint(3, 5))
            if day > today:
                continue
            d = day.toordinal()
            unit_heads = sorted(
                {
                    s.member
                    for i, s in mine
                    if plan.orgs[i].kind == OrgKind.UNIT_PARTY and s.start <= d < s.end
                }
            )
            act = Act(
                root, K.WARNING_EDUCATION, f"{prefix}机关{y}年警示教育大会", day, "市委党校报告厅"
            )
            act.tags = ("integrity_education",)
            act.rows = invited(rng, unit_heads, d, "2.0", ctx.people, attend=0.96)
            yield act
            if y != SHAPED_YEAR:
                day = some_workday(rng, y, rng.randint(5, 10))
                d = day.toordinal()
                serving = sorted({s.member for _i, s in mine if s.start <= d < s.end})
                if day <= today and serving:
                    act = Act(
                        root,
                        K.TRAINING,
                        f"{prefix}机关基层党组织书记{y}年能力提升培训班",
                        day,
                        "市委党校",
                    )
                    act.training_type = str(TrainingType.DEMONSTRATION)
                    act.rows = invited(
                        rng,
                        sorted(rng.sample(serving, min(150, len(serving)))),
                        d,
                        "16.0",
                        ctx.people,
                    )
                    act.start, act.end = "09:00:00", "17:00:00"
                    yield act


def _discipline_training(
    ctx: Context,
    rng: random.Random,
    city: int,
    prefix: str,
    seats: list[tuple[int, Seat]],
    root: int,
) -> Iterator[Act]:
    # Counted secretaries attend; one excused from organizational life at some time is left
    # out, so no 免于参加 can fall on a session day.
    pool = sorted(
        {s.member for _i, s in seats if in_year(s, SHAPED_YEAR) and not ctx.people[s.member].exempt}
    )
    wanted = ctx.shape.trained.get(city, 0)
    if len(pool) < wanted:
        raise RuntimeError(
            f"演示数据：{SHAPED_YEAR} 年在任书记只有 {len(pool)} 名，不足要培训的 {wanted} 名。"
        )
    trained = set(rng.sample(pool, wanted))
    lo = dt.date(SHAPED_YEAR, 5, 6)
    hi = min(dt.date(SHAPED_YEAR, 10, 31), ctx.today - dt.timedelta(days=2))
    sessions = max(1, math.ceil(wanted / SESSION_SIZE))
    step = max(1, (hi - lo).days // sessions)
    acts = []
    for k in range(sessions):
        day = workday_between(
            rng, lo + dt.timedelta(days=k * step), lo + dt.timedelta(days=k * step + 3)
        )
        day = min(day, hi) if hi >= lo else ctx.today
        act = Act(
            root,
            K.TRAINING,
            f"{prefix}机关基层党组织书记党纪学习教育集中培训班（第{'一二三四五六七八九十'[k % 10]}期）",
            day,
            "市委党校",
        )
        act.training_type = str(TrainingType.ROTATION)
        act.tags = (DISCIPLINE_EDUCATION_TAG,)
        act.start, act.end = "09:00:00", "17:00:00"
        acts.append(act)
    order = [pk for pk in pool if pk in trained]
    rng.shuffle(order)
    for n, pk in enumerate(order):
        acts[n % sessions].rows.append((pk, ATTENDED, "", "16.0"))
    for pk in pool:
        if pk not in trained and rng.random() < 0.6:  # invited, but sent apologies
            reason = rng.choice(topics.TRAINING_LEAVE_REASONS)
            acts[rng.randrange(sessions)].rows.append((pk, LEAVE, reason, None))
    for act in acts:
        act.rows.sort()
        yield act
