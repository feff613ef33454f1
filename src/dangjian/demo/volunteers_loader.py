"""志愿服务与双报到 in the demo city (issue 13): communities kept by the 工委, most units and
most members registered with a community (双报到) through 2024, the demo's `volunteer`
activities credited to communities, the communities' 2024 feedback, and a few 党员突击队.

Deterministic (one generator per purpose from the plan's seed), written in bulk: the
member registrations (tens of thousands at city scale) through `bulk.RowWriter`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import DEFAULT_DB_ALIAS

from dangjian.activities.models import Activity, ActivityKind
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization, OrgKind
from dangjian.volunteers.models import (
    Community,
    CommunityFeedback,
    CommunityRegistration,
    ServiceRecord,
    TaskForce,
    TaskForceMember,
)

from . import bulk
from .plan import CityPlan

YEAR = 2024
UNIT_PREFIX = 2 * Organization.steplen
# Most units and members are registered (seed: 双报到 for most units).
UNIT_SHARE = 0.93
MEMBER_SHARE = 0.86
SERVICE_SHARE = 0.85

DISTRICTS = {
    "东湖区": ("湖滨街道", "东城街道", "望江街道", "青山街道"),
    "西城区": ("西关街道", "文昌街道", "兴华街道"),
    "南岸区": ("南坪街道", "滨江街道", "花园街道", "龙门街道"),
    "北塘区": ("北塘街道", "新桥街道", "太平街道"),
    "高新区": ("科创街道", "云谷街道"),
}
COMMUNITY_WORDS = (
    "和平", "幸福", "阳光", "翠苑", "金桥", "春晖", "丰收", "梧桐", "桂园", "明珠",
    "朝阳", "新村", "锦绣", "安居", "康宁", "振兴", "友谊", "银杏",
)  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("秀兰", "建华", "丽娟", "志强", "桂英", "海燕", "国庆", "春梅", "卫东", "玉珍")

RATINGS = (("excellent", 0.55), ("good", 0.38), ("fair", 0.07))
UNIT_FEEDBACK = (
    "{unit}党员常态化到社区报到，参与垃圾分类督导和文明创建，服务群众有实效。",
    "{unit}与社区结对共建，年内开展志愿服务多次，帮助解决老旧小区加装电梯等实际困难。",
    "{unit}党组织积极认领社区服务项目，党员亮身份、作表率，居民反映良好。",
    "{unit}参与社区疫情防控和防汛值守，响应及时，协作顺畅；希望进一步增加服务频次。",
)
MEMBER_FEEDBACK = (
    "该同志到社区报到后主动认领楼栋服务岗，热心帮助独居老人。",
    "该同志参加社区志愿服务次数多，在邻里纠纷调解中发挥了党员作用。",
    "该同志积极参与社区文明创建，带动家属一起参加志愿服务。",
)
PROJECTS = (
    ("政务服务“一网通办”攻坚党员突击队", "task_group", "政务服务“一网通办”平台建设"),
    ("重大项目审批提速党员突击队", "shock_team", "重大项目并联审批提速"),
    ("防汛抗旱应急保障党员突击队", "shock_team", "汛期防汛抗旱应急保障"),
    ("城市更新老旧小区改造党员突击队", "shock_team", "老旧小区综合改造"),
    ("数字机关建设党员攻关组", "task_group", "数字机关建设"),
    ("优化营商环境党员攻关组", "task_group", "营商环境评价指标攻坚"),
    ("乡村振兴驻村帮扶党员突击队", "shock_team", "乡村振兴驻村帮扶"),
    ("文明城市创建党员突击队", "shock_team", "全国文明城市创建迎检"),
    ("信访积案化解党员攻关组", "task_group", "信访积案化解"),
    ("安全生产专项整治党员突击队", "shock_team", "安全生产治本攻坚三年行动"),
    ("重点民生实事党员攻关组", "task_group", "年度重点民生实事项目"),
    ("生态环境问题整改党员突击队", "shock_team", "生态环境督察反馈问题整改"),
)
REG_COLUMNS = (
    "created",
    "updated",
    "org_id",
    "member_id",
    "community_id",
    "starts_on",
    "ends_on",
    "note",
)


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    roll, acc = rng.random(), 0.0
    for value, weight in choices:
        acc += weight
        if roll < acc:
            return value
    return choices[-1][0]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _communities(plan: CityPlan, root: Organization) -> list[Community]:
    rng = random.Random(f"{plan.seed}-communities")
    rows: list[Community] = []
    used: set[str] = set()
    for district, streets in DISTRICTS.items():
        for street in streets:
            for _ in range(3):
                word = rng.choice(COMMUNITY_WORDS)
                name = f"{word}社区"
                n = 2
                while name in used:
                    name = (
                        f"{word}{'一二三四五六七八九'[n - 2]}社区" if n < 11 else f"{word}{n}社区"
                    )
                    n += 1
                used.add(name)
                contact = rng.choice(SURNAMES) + rng.choice(GIVEN)
                rows.append(
                    Community(
                        org=root,
                        name=name,
                        district=district,
                        street=street,
                        address=f"{district}{street}{rng.choice(COMMUNITY_WORDS)}路{rng.randint(1, 299)}号",
                        contact=contact,
                        phone=f"0571-8{rng.randint(1000000, 9999999)}",
                        note="",
                    )
                )
    return Community.objects.bulk_create(rows)


def write_volunteers(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    if plan.today < dt.date(YEAR, 3, 1):
        return {}
    root = orgs[0]
    last = min(plan.today, dt.date(YEAR, 12, 31))
    communities = _communities(plan, root)
    by_path = {o.path: o for o in orgs}
    units = [o for o in orgs if o.kind == OrgKind.UNIT_PARTY]
    rng = random.Random(f"{plan.seed}-dual-registration")

    # 单位报到: a unit-level org with one community (the showcase unit and branch always).
    unit_community: dict[str, Community] = {}
    org_regs: list[CommunityRegistration] = []
    showcase_unit = branch.path[:UNIT_PREFIX]
    for unit in units:
        if unit.path != showcase_unit and rng.random() > UNIT_SHARE:
            continue
        community = rng.choice(communities)
        unit_community[unit.path] = community
        org_regs.append(
            CommunityRegistration(
                org=unit,
                community=community,
                starts_on=_day(rng, dt.date(YEAR - 2, 3, 1), dt.date(YEAR, 4, 30)),
                note="单位党组织到社区报到，签订共建协议",
            )
        )
    if showcase_unit in unit_community:
        org_regs.append(
            CommunityRegistration(
                org=branch,
                community=unit_community[showcase_unit],
                starts_on=dt.date(YEAR, 3, 5),
                note="支部与社区结对共建",
            )
        )
    CommunityRegistration.objects.bulk_create(org_regs)

    # 党员报到: each member in the register with a home community (most of them).
    members = list(
        Member.objects.filter(membership=MembershipState.NORMAL)
        .order_by("pk")
        .values_list("pk", "org_id", "org__path", "joined_on")
    )
    mrng = random.Random(f"{plan.seed}-member-registration")
    now = bulk.now_value()
    writer = bulk.RowWriter.for_model(CommunityRegistration, REG_COLUMNS)
    registered: dict[str, list[int]] = defaultdict(list)  # unit path → member ids
    home: dict[int, int] = {}
    for pk, org_id, path, joined in members:
        if mrng.random() > MEMBER_SHARE:
            continue
        community = communities[mrng.randrange(len(communities))]
        start = max(_day(mrng, dt.date(YEAR - 1, 3, 1), dt.date(YEAR, 10, 31)), joined)
        if start > last:
            continue
        home[pk] = community.pk
        registered[path[:UNIT_PREFIX]].append(pk)
        writer.add(
            (now, now, org_id, pk, community.pk, start.isoformat(), None, "到居住地社区报到")
        )
    writer.flush()

    # Service records: the year's volunteer activities credited to a community — the
    # unit's own when it registered one.
    srng = random.Random(f"{plan.seed}-service-records")
    services: list[ServiceRecord] = []
    for pk, path in (
        Activity.objects.filter(kind=ActivityKind.VOLUNTEER, held_on__isnull=False)
        .order_by("pk")
        .values_list("pk", "org__path")
    ):
        if srng.random() > SERVICE_SHARE:
            continue
        community = unit_community.get(path[:UNIT_PREFIX]) or srng.choice(communities)
        services.append(ServiceRecord(activity_id=pk, community=community))
    ServiceRecord.objects.bulk_create(services, batch_size=2000)

    # 2024 feedback: each registered unit by its community (half recorded by the 工委),
    # and a few registered members of the showcase branch.
    frng = random.Random(f"{plan.seed}-community-feedback")
    feedback: list[CommunityFeedback] = []
    given = min(last, dt.date(YEAR, 12, 20))
    for reg in org_regs:
        if reg.org.kind != OrgKind.UNIT_PARTY:
            continue
        feedback.append(
            CommunityFeedback(
                community=reg.community,
                org=reg.org,
                year=YEAR,
                rating=_weighted(frng, RATINGS),
                text=frng.choice(UNIT_FEEDBACK).format(unit=reg.org.short_name or reg.org.name),
                given_on=given,
                recorded_by=root if frng.random() < 0.5 else reg.org,
            )
        )
    showcase_members = [
        (pk, org_id)
        for pk, org_id, path, _joined in members
        if path.startswith(branch.path) and pk in home
    ][:5]
    unit_org = by_path.get(showcase_unit, branch)
    for pk, org_id in showcase_members:
        feedback.append(
            CommunityFeedback(
                community_id=home[pk],
                org_id=org_id,
                member_id=pk,
                year=YEAR,
                rating=_weighted(frng, RATINGS),
                text=frng.choice(MEMBER_FEEDBACK),
                given_on=given,
                recorded_by=unit_org,
            )
        )
    CommunityFeedback.objects.bulk_create(feedback)

    # 党员突击队: named projects in some units, and one in the showcase branch.
    trng = random.Random(f"{plan.seed}-task-forces")
    hosts = trng.sample(units, min(len(units), len(PROJECTS) - 1)) if units else []
    forces: list[TaskForce] = []
    for (name, kind, project), org in zip(PROJECTS, [branch, *hosts], strict=False):
        start = _day(trng, dt.date(YEAR - 1, 9, 1), dt.date(YEAR, 6, 30))
        ends = _day(trng, dt.date(YEAR, 9, 1), dt.date(YEAR + 1, 6, 30))
        forces.append(
            TaskForce(
                org=org,
                kind=kind,
                name=name,
                project=project,
                starts_on=start,
                ends_on=ends if ends <= plan.today and trng.random() < 0.4 else None,
                description=f"围绕{project}，组织党员在急难险重任务中攻坚克难、当先锋作表率。",
            )
        )
    TaskForce.objects.bulk_create(forces)
    by_unit_members: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, _org_id, path, _joined in members:
        by_unit_members[path[:UNIT_PREFIX]].append((pk, path))
    rows: list[TaskForceMember] = []
    for tf in forces:
        pool = [
            pk
            for pk, path in by_unit_members[tf.org.path[:UNIT_PREFIX]]
            if path.startswith(tf.org.path)
        ]
        chosen = trng.sample(pool, min(len(pool), trng.randint(6, 12)))
        for i, pk in enumerate(chosen):
            rows.append(
                TaskForceMember(
                    task_force=tf,
                    member_id=pk,
                    role="leader" if i == 0 else "deputy" if i == 1 else "member",
                    joined_on=tf.starts_on + dt.timedelta(days=trng.randint(0, 20) if i > 1 else 0),
                )
            )
    TaskForceMember.objects.bulk_create(rows)
    return {
        "communities": len(communities),
        "community_registrations_orgs": len(org_regs),
        "community_registrations_members": writer.count,
        "service_records": len(services),
        "community_feedback": len(feedback),
        "task_forces": len(forces),
        "task_force_members": len(rows),
    }


def reset_volunteers() -> None:
    """Delete what write_volunteers wrote (before the members and orgs it names), with plain
    DELETEs: the ORM's delete would load a city's registrations to send signals."""
    for model in (
        TaskForceMember,
        TaskForce,
        CommunityFeedback,
        ServiceRecord,
        CommunityRegistration,
        Community,
    ):
        model._base_manager.all()._raw_delete(DEFAULT_DB_ALIAS)  # type: ignore[attr-defined]
