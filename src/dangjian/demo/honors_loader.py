"""评选表彰 in the demo city (issue 13), shaped to seed-figures rows 10–12.

The 工委's 2024 “七一” round: quotas per unit in proportion to its members, nominations
from 3 to 14 June, a few returned (事迹 too thin, a dues arrear found by the check) and
replaced, 公示 from 19 to 25 June, the decision on 28 June — exactly 97 优秀共产党员,
50 优秀党务工作者 (from the branch officers) and 50 先进基层党组织 (fewer only where a
tiny demo has fewer grassroots orgs). The showcase branch gets one of each: its 书记, an
ordinary member (the `dangyuan` account) and the branch itself. Plus a few honors from
above (市, 省; other titles or years, so the 2024 figures stay the seed's). All text is
fictional. Deterministic from plan.seed; bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from dangjian.honors import titles
from dangjian.honors.models import (
    Honor,
    HonorLevel,
    HonorRound,
    Nomination,
    NominationStatus,
    RoundQuota,
)
from dangjian.members.models import Exit, Member, MembershipState
from dangjian.orgs.models import CommitteePost, Organization, OrgKind
from dangjian.recruitment.models import PartyProbation

from .plan import CityPlan

EM, PW, AO = titles.EXCELLENT_MEMBER, titles.EXCELLENT_PARTY_WORKER, titles.ADVANCED_ORG
TARGETS = {EM: 97, PW: 50, AO: 50}
RETURN_SHARE = 0.08  # nominations the 工委 sends back (then replaced by the unit)
NOMINATION = (dt.date(2024, 6, 3), dt.date(2024, 6, 14))
REVIEWED = (dt.date(2024, 6, 15), dt.date(2024, 6, 18))
PUBLICITY = (dt.date(2024, 6, 19), dt.date(2024, 6, 25))
DECIDED_ON = dt.date(2024, 6, 28)
DOCUMENT = "直工发〔2024〕18号"
GRASSROOTS = (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)
OFFICER_POSTS = (
    CommitteePost.Post.SECRETARY,
    CommitteePost.Post.DEPUTY_SECRETARY,
    CommitteePost.Post.ORGANIZATION,
)

_ROLES_MEMBER = ("业务骨干", "科室负责人", "青年党员", "窗口服务岗工作人员", "一级主任科员")
_ROLES_WORKER = ("党支部书记", "党支部组织委员", "党支部副书记")
_DEEDS = (
    "牵头承担年度重点改革任务，带领团队按期完成各项目标",
    "在防汛救灾一线连续值守二十余天，带头转移群众、排查隐患",
    "主动认领“我为群众办实事”项目，推动解决群众反映的多项难题",
    "扎根政务服务窗口，推行“一次告知、限时办结”，全年零投诉",
    "带头开展调查研究，形成的调研报告获单位主要负责同志批示",
    "在营商环境专项行动中走访企业百余家，协调解决企业诉求",
    "坚持学思用贯通，在支部讲党课、谈体会，发挥示范带动作用",
    "严守纪律规矩，廉洁自律，在急难险重任务中冲锋在前",
)
_WORKER_DEEDS = (
    "认真落实“三会一课”制度，支部组织生活规范有序、质量较高",
    "创新开展主题党日活动，推动党建与业务工作同谋划、同部署、同落实",
    "建立党员积分管理台账，党员教育管理做到精准、规范",
    "抓好发展党员工作，严格程序、严把质量，材料规范完整",
    "按时足额收缴党费，支部党费台账清晰、公开透明",
)
_ORG_DEEDS = (
    "支部班子团结有力，“三会一课”、主题党日等制度落实到位",
    "坚持党建引领业务，把支部建在项目上，在重点任务中发挥战斗堡垒作用",
    "打造支部党建品牌，与结对社区常态化开展共建活动",
    "党员教育管理规范，党员队伍整体素质和先锋意识明显增强",
    "围绕中心工作设立党员先锋岗，服务对象满意度持续提升",
)
_RESULTS = (
    "所在处室年度考核被评为优秀",
    "工作经验被上级部门转发推广",
    "服务对象送来锦旗表示感谢",
    "连续两年年度考核为优秀等次",
    "得到干部群众的一致认可",
)
_RETURNED = {
    EM: (
        "事迹材料过于简略，未能体现先进性，请充实后另行推荐。",
        "经核对，该同志2024年有欠交党费记录，请核实后另行推荐。",
    ),
    PW: (
        "事迹材料以业务工作为主，党务工作成效体现不足，请另行推荐。",
        "经核对，该同志2024年参加组织生活记录偏少，请另行推荐。",
    ),
    AO: ("经核对，该支部2024年组织生活记录不完整，请另行推荐。",),
}
# Honors from above: other titles or other years, so the 2024 figures stay the round's.
_FROM_ABOVE = (
    (EM, HonorLevel.PROVINCE, 2023, "中共某省委", dt.date(2023, 6, 29), "某发〔2023〕15号"),
    (EM, HonorLevel.PROVINCE, 2023, "中共某省委", dt.date(2023, 6, 29), "某发〔2023〕15号"),
    (
        "model_branch",
        HonorLevel.CITY,
        2024,
        "中共某市委组织部",
        dt.date(2024, 7, 12),
        "某组发〔2024〕31号",
    ),
    (
        "model_branch",
        HonorLevel.CITY,
        2024,
        "中共某市委组织部",
        dt.date(2024, 7, 12),
        "某组发〔2024〕31号",
    ),
    (
        "model_branch",
        HonorLevel.CITY,
        2024,
        "中共某市委组织部",
        dt.date(2024, 7, 12),
        "某组发〔2024〕31号",
    ),
    ("pioneer_post", HonorLevel.CITY, 2024, "中共某市委", dt.date(2024, 9, 20), "某委〔2024〕57号"),
    (AO, HonorLevel.PROVINCE, 2021, "中共某省委", dt.date(2021, 6, 28), "某发〔2021〕11号"),
)


def _day(rng: random.Random, span: tuple[dt.date, dt.date]) -> dt.date:
    return span[0] + dt.timedelta(days=rng.randint(0, (span[1] - span[0]).days))


def _apportion(total: int, weights: dict[str, int], caps: dict[str, int]) -> dict[str, int]:
    """Split `total` over the units by weight (largest remainders, ties by path), no unit
    above its cap (what it has to nominate from)."""
    out = dict.fromkeys(weights, 0)
    left = min(total, sum(caps.values()))
    while left > 0:
        open_ = {u: w for u, w in weights.items() if out[u] < caps[u]}
        weight = sum(open_.values()) or 1
        shares = {u: left * w / weight for u, w in open_.items()}
        given = 0
        for u, share in shares.items():
            n = min(int(share), caps[u] - out[u])
            out[u] += n
            given += n
        left -= given
        if left and not given:
            for u in sorted(open_, key=lambda u: (-(shares[u] % 1), u))[:left]:
                out[u] += 1
                left -= 1
    return out


def _unit_path(path: str, unit_paths: set[str]) -> str | None:
    for end in range(Organization.steplen, len(path) + 1, Organization.steplen):
        if path[:end] in unit_paths:
            return path[:end]
    return None


def write_honors(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    if plan.today <= DECIDED_ON:  # a demo dated before the decision: no round to show yet
        return {"honor_rounds": 0, "nominations": 0, "honors": 0}
    rng = random.Random(f"{plan.seed}-honors")
    root = orgs[0]
    orgs = sorted(orgs, key=lambda o: o.path)  # the same draw whatever order they come in
    units = {o.path: o for o in orgs if o.kind == OrgKind.UNIT_PARTY}
    unit_paths = set(units)
    by_id = {o.pk: o for o in orgs}
    reviewer = staff[0] if staff else None

    # Who may be put forward: members on the roll without discipline or exit; officers
    # (书记, 副书记, 组织委员) for 优秀党务工作者; grassroots orgs for 先进基层党组织.
    flagged = set(PartyProbation.objects.values_list("member_id", flat=True)) | set(
        Exit.objects.values_list("member_id", flat=True)
    )
    members: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for pk, org_id, name in (
        Member.objects.filter(membership=MembershipState.NORMAL)
        .order_by("pk")
        .values_list("pk", "org_id", "name")
    ):
        unit = _unit_path(by_id[org_id].path, unit_paths) if org_id in by_id else None
        if unit is not None and pk not in flagged:
            members[unit].append((pk, org_id, name))
    member_org = {pk: org_id for ms in members.values() for pk, org_id, _name in ms}
    officer_ids = set(
        CommitteePost.objects.filter(
            post__in=OFFICER_POSTS, dismissed_on__isnull=True, term__ended_on__isnull=True
        ).values_list("member_id", flat=True)
    )
    officers = {u: [m for m in ms if m[0] in officer_ids] for u, ms in members.items()}
    grassroots: dict[str, list[Organization]] = defaultdict(list)
    for o in orgs:
        unit = _unit_path(o.path, unit_paths)
        if o.kind in GRASSROOTS and unit is not None:
            grassroots[unit].append(o)

    # The showcase branch: its 书记 (PW), an ordinary member (EM, the dangyuan account) and
    # the branch itself (AO) are among the honored.
    show_unit = _unit_path(branch.path, unit_paths)
    branch_posts = dict(
        CommitteePost.objects.filter(
            term__org=branch, term__ended_on__isnull=True, dismissed_on__isnull=True
        ).values_list("post", "member_id")
    )
    ordinary = (
        Member.objects.filter(org__path__startswith=branch.path)
        .exclude(committee_posts__term__org=branch)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    forced = {
        EM: {ordinary} - {None},
        PW: {branch_posts.get(CommitteePost.Post.SECRETARY)} - {None},
        AO: {branch.pk},
    }

    pools = {
        EM: {u: [m for m in ms if m[0] not in forced[PW]] for u, ms in members.items()},
        PW: officers,
        AO: {u: [(o.pk, o.pk, o.name) for o in os] for u, os in grassroots.items()},
    }
    weights = {u: max(1, len(members.get(u, []))) for u in units}
    taken: set[int] = set()  # a member is honored once per round
    rounds = HonorRound.objects.create(
        org=root,
        year=2024,
        title="2024年“七一”表彰",
        level=HonorLevel.COMMITTEE,
        titles=[EM, PW, AO],
        nomination_starts=NOMINATION[0],
        nomination_ends=NOMINATION[1],
        material_asked=(
            "1. 推荐对象事迹材料（1500字以内，突出2023年7月以来的先进事迹）；\n"
            "2. 推荐审批表（经单位党组织会议研究，加盖公章）；\n"
            "3. 推荐对象近三年年度考核情况。"
        ),
        publicity_starts=PUBLICITY[0],
        publicity_ends=PUBLICITY[1],
        decided_on=DECIDED_ON,
        document_number=DOCUMENT,
    )
    quotas: list[RoundQuota] = []
    nominations: list[Nomination] = []
    honored: list[Nomination] = []
    for code in (EM, PW, AO):
        pool = {u: list(pool) for u, pool in pools[code].items()}
        for u in pool:
            rng.shuffle(pool[u])
            # the showcase's own candidates first, so they are among the honored
            pool[u].sort(key=lambda c: c[0] not in forced[code])
            if code != AO:
                pool[u] = [c for c in pool[u] if c[0] not in taken]
        caps = {u: len(pool.get(u, [])) for u in units}
        target = min(TARGETS[code], sum(caps.values()))
        returned_total = min(round(target * RETURN_SHARE), sum(caps.values()) - target)
        spare = dict(caps)
        allotted = _apportion(target, weights, caps)
        for u, n in allotted.items():
            spare[u] -= n
        if show_unit in allotted and allotted[show_unit] == 0 and caps.get(show_unit):
            donor = max(allotted, key=lambda u: (allotted[u], u))
            allotted[donor] -= 1
            allotted[show_unit] = 1
            spare[donor] += 1
            spare[show_unit] -= 1
        returns: dict[str, int] = defaultdict(int)
        with_spare = sorted(u for u in units if spare[u] > 0 and allotted[u] > 0)
        for _ in range(returned_total):
            if not with_spare:
                break
            u = rng.choice(with_spare)
            returns[u] += 1
            spare[u] -= 1
            if spare[u] == 0:
                with_spare.remove(u)
        for u in sorted(units):
            n, back = allotted.get(u, 0), returns.get(u, 0)
            if n == 0:
                continue
            extra = 1 if rng.random() < 0.25 and spare[u] > 0 else 0  # a place left unused
            quotas.append(RoundQuota(round=rounds, org=units[u], title=code, quota=n + extra))
            chosen = pool[u][: n + back]
            # the returned ones are taken from the end: the showcase's stay honored
            for i, (pk, org_id, name) in enumerate(chosen):
                returned = i >= n
                nomination = Nomination(
                    round=rounds,
                    org=units[u],
                    title=code,
                    member_id=None if code == AO else pk,
                    recipient_org_id=pk if code == AO else None,
                    material=_material(rng, code, name, by_id.get(org_id)),
                    status=NominationStatus.RETURNED if returned else NominationStatus.DECIDED,
                    nominated_on=_day(rng, NOMINATION),
                    nominated_by_id=None,
                    review_note=rng.choice(_RETURNED[code]) if returned else "同意推荐。",
                    reviewed_on=_day(rng, REVIEWED),
                    reviewed_by_id=reviewer,
                )
                nominations.append(nomination)
                if not returned:
                    honored.append(nomination)
                if code != AO:
                    taken.add(pk)
    RoundQuota.objects.bulk_create(quotas)
    Nomination.objects.bulk_create(nominations, batch_size=1000)
    honors = [
        Honor(
            title=n.title,
            level=HonorLevel.COMMITTEE,
            member_id=n.member_id,
            org_id=member_org[n.member_id] if n.member_id is not None else n.recipient_org_id or 0,
            year=2024,
            issuer=root.name[:64],
            decided_on=DECIDED_ON,
            document_number=DOCUMENT,
            recorded_by_org=root,
            nomination=n,
        )
        for n in honored
    ]
    honors += _from_above(rng, root, members, grassroots, taken)
    Honor.objects.bulk_create(honors, batch_size=1000)
    return {
        "honor_rounds": 1,
        "nominations": len(nominations),
        "honors": len(honors),
    }


def _material(rng: random.Random, code: str, name: str, org: Organization | None) -> str:
    where = org.name if org is not None else ""
    if code == AO:
        first, second = rng.sample(_ORG_DEEDS, 2)
        return f"{name}{first}；{second}。{rng.choice(_RESULTS).replace('所在处室', '支部')}。"
    if code == PW:
        role = rng.choice(_ROLES_WORKER)
        first, second = rng.sample(_WORKER_DEEDS, 2)
    else:
        role = rng.choice(_ROLES_MEMBER)
        first, second = rng.sample(_DEEDS, 2)
    return f"{name}同志，{where}{role}。{first}；{second}，{rng.choice(_RESULTS)}。"


def _from_above(rng, root, members, grassroots, taken) -> list[Honor]:
    people = sorted(
        (m for ms in members.values() for m in ms if m[0] not in taken), key=lambda m: m[0]
    )
    branches = sorted((o for os in grassroots.values() for o in os), key=lambda o: o.path)
    out = []
    for code, level, year, issuer, decided_on, document in _FROM_ABOVE:
        title = titles.get(code)
        if title is not None and title.for_member:
            if not people:
                continue
            pk, org_id, _name = people.pop(rng.randrange(len(people)))
            out.append(
                Honor(
                    title=code,
                    level=level,
                    member_id=pk,
                    org_id=org_id,
                    year=year,
                    issuer=issuer,
                    decided_on=decided_on,
                    document_number=document,
                    recorded_by_org=root,
                )
            )
        elif branches:
            org = branches.pop(rng.randrange(len(branches)))
            out.append(
                Honor(
                    title=code,
                    level=level,
                    org=org,
                    year=year,
                    issuer=issuer,
                    decided_on=decided_on,
                    document_number=document,
                    recorded_by_org=root,
                )
            )
    return out


def reset_honors() -> None:
    """Delete what write_honors wrote (before the members and orgs it names)."""
    Honor.objects.all().delete()
    Nomination.objects.all().delete()
    RoundQuota.objects.all().delete()
    HonorRound.objects.all().delete()
