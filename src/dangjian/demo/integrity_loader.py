"""廉政风险排查 in the demo city (issue 13), shaped to seed-figures rows 17–19.

2024: the 工委's round (linked to its 警示教育大会 of that year), every unit submitted — two
after the deadline — with 1,862 risk points, 2,094 measures and exactly 574 institutions
across the 85 units (scaled by the number of units at other scales). Every point has at
least one measure; some measures guard two points of the same unit. 2025: a round still
open, about half the units submitted, some others with a draft, the showcase unit's draft
for the demo's 单位管理员 to finish. Text is fictional. Deterministic from plan.seed; bulk
inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dangjian.integrity.models import (
    Institution,
    InstitutionKind,
    Measure,
    RiskPoint,
    RiskReview,
    RiskSubmission,
)
from dangjian.orgs.models import Organization, OrgKind

from .plan import CityPlan

CITY_UNITS = 85
POINTS_2024, MEASURES_2024, INSTITUTIONS_2024 = 1862, 2094, 574
LATE_2024 = 2
BATCH = 1000

# post → (具体岗位, [(risk description, category, level weights H/M/L)], [measures])
_POSTS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "leader": (
        ("党组书记", "局长"),
        (
            ("“三重一大”事项未经集体研究，个人说了算", "system"),
            ("插手干预工程项目、政府采购或干部选拔任用", "duty"),
            ("对班子成员和下属疏于教育监督，履行主体责任不到位", "duty"),
        ),
        (
            "严格执行“三重一大”集体决策制度，会议记录完整存档备查",
            "落实领导干部插手干预重大事项记录报告制度，每季度报告",
            "每年与班子成员开展廉政谈话，签订党风廉政建设责任书",
        ),
    ),
    "deputy": (
        ("分管副局长", "副主任"),
        (
            ("分管领域审批把关不严，对下属违规行为失察", "duty"),
            ("利用分管权力为亲友经商办企业提供便利", "moral"),
            ("落实“一岗双责”不到位，分管领域廉政风险底数不清", "duty"),
        ),
        (
            "建立分管领域廉政风险清单，每半年专题研究一次",
            "严格执行领导干部配偶、子女经商办企业报告规定",
            "分管领导对分管科室负责人每年至少开展一次廉政提醒谈话",
        ),
    ),
    "middle": (
        ("综合科科长", "业务科科长", "办公室主任"),
        (
            ("对业务办理中的“吃拿卡要”现象放任不管", "moral"),
            ("科室内部分工不明，关键环节一人说了算", "system"),
            ("执行上级决策打折扣，搞选择性执行", "duty"),
        ),
        (
            "科室事项实行AB岗和限时办结，办理情况每月公开",
            "关键环节实行“两人以上经办、分级审核”",
            "科室负责人履职情况纳入年度考核和述责述廉",
        ),
    ),
    "finance": (
        ("财务科会计", "财务科出纳", "财务科科长"),
        (
            ("报销审核把关不严，存在虚列支出、套取资金的风险", "process"),
            ("现金和银行账户管理不规范，存在挪用公款的风险", "process"),
            ("违规发放津贴补贴或超标准列支公务接待费用", "system"),
        ),
        (
            "严格执行财务审批“一支笔”和大额支出集体研究制度",
            "实行钱账分管，出纳与会计岗位分离，每月银行对账",
            "公务接待实行公函、清单、发票“三单”审核，每季度公开",
        ),
    ),
    "procurement": (
        ("采购专员", "装备科科长"),
        (
            ("采购需求设置倾向性条款，排斥潜在供应商", "process"),
            ("化整为零规避公开招标", "process"),
            ("验收走过场，与供应商串通以次充好", "external"),
        ),
        (
            "采购需求由两人以上共同拟定，经法律顾问审核后公开",
            "年度采购计划统一编制，同一品目合并采购，纪检全程监督",
            "验收实行使用科室、财务、纪检三方共同签字",
        ),
    ),
    "personnel": (
        ("人事科科长", "干部专员"),
        (
            ("干部选拔任用程序不规范，搞“带病提拔”", "process"),
            ("招录考试、职称评审中泄露信息或暗箱操作", "process"),
            ("档案审核把关不严，存在“三龄两历”造假风险", "duty"),
        ),
        (
            "选拔任用全程纪实，严格执行“凡提四必”",
            "招录和评审实行回避制度，评委随机抽取、结果公示",
            "干部人事档案专审，发现问题按程序认定并记录",
        ),
    ),
    "approval": (
        ("审批科科员", "政务服务窗口"),
        (
            ("审批时限随意延长，故意刁难办事群众和企业", "process"),
            ("违规受理不符合条件的申请，收受好处", "moral"),
            ("审批自由裁量权过大，标准不统一", "system"),
        ),
        (
            "审批事项全部进入政务服务平台，全程留痕、超时预警",
            "实行“好差评”和办事回访，差评件逐件核查",
            "制定审批标准和裁量基准，对外公开",
        ),
    ),
    "enforcement": (
        ("执法大队队员", "稽查科科长"),
        (
            ("执法检查选择性执法，“人情案”“关系案”", "duty"),
            ("行政处罚自由裁量权行使不规范", "system"),
            ("与检查对象不当接触，通风报信", "external"),
        ),
        (
            "推行“双随机、一公开”，检查对象和人员随机抽取",
            "严格执行行政处罚裁量基准，重大案件集体审议",
            "执法全过程记录，执法人员定期轮岗交流",
        ),
    ),
    "project": (
        ("项目科科长", "工程管理员"),
        (
            ("工程变更签证把关不严，虚增工程量", "process"),
            ("项目验收不严，质量问题“放水”", "duty"),
            ("与施工单位存在利益输送", "external"),
        ),
        (
            "工程变更实行分级审批，超过限额须集体研究并报备",
            "竣工验收邀请第三方参与，结果公示",
            "项目管理人员签订廉洁承诺，实行项目廉政“双合同”",
        ),
    ),
    "assets": (
        ("资产管理员", "后勤服务中心"),
        (
            ("国有资产出租出借、处置未经评估，低价转让", "process"),
            ("公车、办公用房使用管理不规范", "system"),
            ("资产台账不清，账实不符", "duty"),
        ),
        (
            "资产处置一律评估后进场交易，结果报备",
            "公车使用实行派车单和轨迹管理，每月通报",
            "每年开展一次资产清查，账实核对后签字确认",
        ),
    ),
    "funds": (
        ("专项资金管理员", "计划财务科"),
        (
            ("专项资金分配不公开，优亲厚友", "process"),
            ("资金拨付后跟踪问效不到位，被挤占挪用", "duty"),
            ("申报材料审核不严，存在虚报冒领风险", "process"),
        ),
        (
            "专项资金分配方案集体研究并向社会公示",
            "建立资金拨付台账，开展绩效评价和跟踪检查",
            "申报材料实行初审、复审两级审核，必要时实地核查",
        ),
    ),
    "office": (
        ("办公室文秘", "机要员", "综合科科员"),
        (
            ("公文处理、印章使用管理不严，存在违规用印风险", "system"),
            ("会议、培训经费超标准列支", "process"),
            ("违反中央八项规定精神，公款吃喝、违规收送礼品礼金", "moral"),
        ),
        (
            "用印实行登记审批，印章专人保管",
            "会议培训实行计划管理，费用按标准结算并公开",
            "节假日前开展廉政提醒，公开监督举报方式",
        ),
    ),
    "staff": (
        ("科员", "业务经办人"),
        (
            ("廉洁自律意识淡薄，接受服务对象宴请", "moral"),
            ("泄露工作秘密和内部信息", "duty"),
            ("受社会不良风气影响，参与违规经商活动", "external"),
        ),
        (
            "每季度开展一次警示教育，观看警示片、学习典型案例",
            "签订保密承诺书，定期开展保密检查",
            "开展个人有关事项自查，发现问题及时纠正",
        ),
    ),
}
_LEVELS = (("high", 0.22), ("medium", 0.48), ("low", 0.30))
_INSTITUTIONS = (
    "“三重一大”事项集体决策实施办法",
    "机关财务管理办法",
    "公务接待管理规定",
    "政府采购内部控制规程",
    "公务用车使用管理办法",
    "国有资产管理办法",
    "干部选拔任用工作纪实办法",
    "行政审批事项办理规程",
    "行政处罚自由裁量基准",
    "专项资金管理办法",
    "印章管理规定",
    "会议和培训经费管理办法",
    "领导干部廉政谈话制度",
    "党风廉政建设责任制实施办法",
    "廉政风险防控工作规程",
    "工程项目管理办法",
    "内部审计工作规定",
    "岗位轮换交流实施办法",
    "保密工作管理制度",
    "办公用房管理办法",
)


def _level(rng: random.Random) -> str:
    x = rng.random()
    for level, share in _LEVELS:
        if x < share:
            return level
        x -= share
    return "low"


def _split(rng: random.Random, total: int, parts: int, least: int) -> list[int]:
    """`total` split into `parts` uneven shares of at least `least`, summing exactly."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    spare = max(0, total - least * parts)
    shares = [least + int(spare * w / sum(weights)) for w in weights]
    for i in rng.sample(range(parts), total - sum(shares)):
        shares[i] += 1
    return shares


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


class _Register:
    """The rows of one unit's register, built in memory, written in bulk later."""

    def __init__(self, sub: RiskSubmission) -> None:
        self.sub = sub
        self.points: list[RiskPoint] = []
        self.measures: list[tuple[Measure, list[int]]] = []  # (measure, point indexes)
        self.institutions: list[Institution] = []


def _fill(
    rng: random.Random,
    reg: _Register,
    points: int,
    measures: int,
    institutions: int,
    year: int,
    unmeasured: int = 0,
) -> None:
    posts = list(_POSTS)
    for i in range(points):
        post = posts[0] if i == 0 else rng.choice(posts)  # every unit rates its 一把手's post
        titles, risks, _measures = _POSTS[post]
        text, category = rng.choice(risks)
        reg.points.append(
            RiskPoint(
                submission=reg.sub,
                code=f"FX-{i + 1:02d}",
                post=post,
                post_title=rng.choice(titles),
                description=text,
                category=category,
                level=_level(rng),
            )
        )
    measured = points - unmeasured
    owners = list(range(measured)) + [rng.randrange(measured) for _ in range(measures - measured)]
    for idx in owners:
        post = reg.points[idx].post
        linked = [idx]
        if rng.random() < 0.08 and measured > 1:  # one measure guarding two points
            linked.append(rng.choice([j for j in range(measured) if j != idx]))
        deadline = None if rng.random() < 0.4 else dt.date(year, rng.choice((6, 9, 12)), 30)
        reg.measures.append(
            (
                Measure(
                    submission=reg.sub,
                    description=rng.choice(_POSTS[post][2]),
                    responsible=rng.choice(_POSTS[post][0]),
                    deadline=deadline,
                ),
                linked,
            )
        )
    short = reg.sub.org.name.removesuffix("机关党委").removesuffix("机关总支")
    names = rng.sample(_INSTITUTIONS, min(institutions, len(_INSTITUTIONS)))
    for n in range(institutions):
        name = names[n] if n < len(names) else f"{rng.choice(_INSTITUTIONS)}（补充规定）"
        reg.institutions.append(
            Institution(
                submission=reg.sub,
                kind=InstitutionKind.ESTABLISHED
                if rng.random() < 0.45
                else InstitutionKind.REVISED,
                name=f"{short}{name}",
                issued_on=dt.date(year, rng.randint(2, 11), rng.randint(1, 28)),
                document_number=f"{short[:2]}党发〔{year}〕{n + 1}号",
            )
        )


def _write(registers: list[_Register]) -> dict[str, int]:
    points = [p for r in registers for p in r.points]
    RiskPoint.objects.bulk_create(points, batch_size=BATCH)
    measures = [m for r in registers for m, _ in r.measures]
    Measure.objects.bulk_create(measures, batch_size=BATCH)
    through = Measure.risk_points.through
    links = [
        through(measure_id=m.pk, riskpoint_id=r.points[i].pk)
        for r in registers
        for m, linked in r.measures
        for i in linked
    ]
    through.objects.bulk_create(links, batch_size=BATCH)
    institutions = [i for r in registers for i in r.institutions]
    Institution.objects.bulk_create(institutions, batch_size=BATCH)
    return {"points": len(points), "measures": len(measures), "institutions": len(institutions)}


def _warning_activity(root: Organization, year: int) -> Any:
    from dangjian.activities.models import Activity, ActivityKind

    return (
        Activity.objects.filter(org=root, kind=ActivityKind.WARNING_EDUCATION)
        .filter(Q(held_on__year=year) | Q(planned_on__year=year))
        .order_by("held_on", "planned_on", "pk")
        .first()
    )


def _user(username: str) -> Any:
    from dangjian.accounts.models import User

    return User.objects.filter(username=username).first()


def write_integrity(
    plan: CityPlan, orgs: list[Organization], staff: list[int], branch: Organization
) -> dict:
    """Write the register for the plan; returns counts by name."""
    rng = random.Random(f"{plan.seed}-integrity")
    root = orgs[0]
    units = sorted((o for o in orgs if o.kind == OrgKind.UNIT_PARTY), key=lambda o: o.path)
    showcase = next((u for u in units if branch.path.startswith(u.path)), None)
    danwei = _user("danwei")
    scale = len(units) / CITY_UNITS

    review24 = RiskReview.objects.create(
        org=root,
        year=2024,
        title="2024年度廉政风险排查",
        opens_on=dt.date(2024, 3, 1),
        due_on=dt.date(2024, 4, 30),
        closed=True,
        warning_activity=_warning_activity(root, 2024),
        note="各单位按岗位逐项排查廉政风险点，评定风险等级，制定防控措施，建立完善相关制度。",
    )
    late = set(rng.sample(range(len(units)), min(LATE_2024, len(units))))
    subs24 = RiskSubmission.objects.bulk_create(
        [
            RiskSubmission(
                review=review24,
                org=u,
                submitted_at=_aware(
                    dt.date(2024, 5, rng.randint(6, 20))
                    if i in late
                    else dt.date(2024, 4, rng.randint(8, 29)),
                    rng.randint(9, 17),
                ),
                submitted_by=danwei if u == showcase else None,
            )
            for i, u in enumerate(units)
        ]
    )
    n = len(units)
    point_counts = _split(rng, round(POINTS_2024 * scale), n, 8)
    measure_counts = _split(rng, round(MEASURES_2024 * scale) - sum(point_counts), n, 0)
    institution_counts = _split(rng, round(INSTITUTIONS_2024 * scale), n, 2)
    registers = []
    for sub, p, extra, inst in zip(
        subs24, point_counts, measure_counts, institution_counts, strict=True
    ):
        reg = _Register(sub)
        _fill(rng, reg, p, p + extra, inst, 2024)
        registers.append(reg)
    counts = _write(registers)
    result = {
        "integrity_reviews": 1,
        "integrity_points_2024": counts["points"],
        "integrity_measures_2024": counts["measures"],
        "integrity_institutions_2024": counts["institutions"],
    }

    if plan.today < dt.date(2025, 3, 1):
        return result
    review25 = RiskReview.objects.create(
        org=root,
        year=2025,
        title="2025年度廉政风险排查",
        opens_on=dt.date(2025, 3, 1),
        due_on=dt.date(2025, 4, 30),
        closed=False,
        warning_activity=_warning_activity(root, 2025),
        note="在上年排查基础上动态更新风险点和防控措施，重点关注新增职能和关键岗位。",
    )
    subs25 = []
    states = []
    last = min(plan.today, dt.date(2025, 11, 30))
    for u in units:
        state = (
            "draft"
            if u == showcase
            else rng.choices(("submitted", "draft", "empty"), (0.55, 0.2, 0.25))[0]
        )
        day = dt.date(2025, 4, 1) + dt.timedelta(
            days=rng.randint(0, max(0, (last - dt.date(2025, 4, 1)).days))
        )
        subs25.append(
            RiskSubmission(
                review=review25,
                org=u,
                submitted_at=_aware(day, rng.randint(9, 17)) if state == "submitted" else None,
            )
        )
        states.append(state)
    RiskSubmission.objects.bulk_create(subs25)
    registers = []
    for sub, state in zip(subs25, states, strict=True):
        if state == "empty":
            continue
        reg = _Register(sub)
        p = rng.randint(12, 30)
        if state == "submitted":
            _fill(rng, reg, p, p + rng.randint(0, 6), rng.randint(1, 8), 2025)
        else:  # a draft: some points still without a measure, no institutions yet
            _fill(rng, reg, p, p - 3, 0, 2025, unmeasured=3)
        registers.append(reg)
    counts25 = _write(registers)
    result.update(
        integrity_reviews=2,
        integrity_submitted_2025=states.count("submitted"),
        integrity_points_2025=counts25["points"],
    )
    return result


def reset_integrity() -> None:
    """Delete what write_integrity wrote (before the members and orgs it names)."""
    Measure.risk_points.through.objects.all().delete()
    Measure.objects.all().delete()
    RiskPoint.objects.all().delete()
    Institution.objects.all().delete()
    RiskSubmission.objects.all().delete()
    RiskReview.objects.all().delete()
