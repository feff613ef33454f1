"""The 党内统计 tables of one scope and year, built from `facts` (no query here).

Each table names its source (docs/statistics.md lists them): the 年报's table list (2012)
where the table is one of those, the 党内统计公报's published breakdowns for the bands and
categories. A category the platform does not record (工人, 农牧渔民 …) is shown as "—" with
a note, never as a 0 it cannot know.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dangjian.members.models import Category, Education, ExitKind, Gender, MemberStatus
from dangjian.orgs.models import OrgKind, UnitOrgForm
from dangjian.orgs.termrules import TermStatus

from . import facts as F
from .balance import Balance, check

NOT_RECORDED = "—"

SRC_ANNUAL = "党内统计年报表式（2012年报目录）"
SRC_BULLETIN = "中共中央组织部《党内统计公报》公布口径"
SRC_PLATFORM = "本平台口径"

# 公报's occupations, in its order; the platform's 人员类别 maps onto four of them
# (docs/statistics.md: a 机关 member in service is a 党政机关工作人员).
OCCUPATIONS: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("worker", "工人（工勤技能人员）", None),
    ("farmer", "农牧渔民", None),
    ("professional", "企事业单位、社会组织专业技术人员", None),
    ("manager", "企事业单位、社会组织管理人员", None),
    ("organ", "党政机关工作人员", (Category.IN_SERVICE,)),
    ("student", "学生", (Category.STUDENT,)),
    ("other", "其他职业人员", (Category.UNEMPLOYED, Category.OTHER)),
    ("retired", "离退休人员", (Category.RETIRED,)),
)
OCCUPATION_NOTE = (
    "本平台按“人员类别”归类：在职→党政机关工作人员，离退休→离退休人员，学生→学生，"
    "未就业和其他→其他职业人员；工人、农牧渔民、企事业单位专业技术人员和管理人员本平台不采集，记为“—”。"
)

EDUCATION_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("研究生", (Education.DOCTORATE, Education.MASTER)),
    ("  其中：博士研究生", (Education.DOCTORATE,)),
    ("大学本科", (Education.BACHELOR,)),
    ("大学专科", (Education.COLLEGE,)),
    ("中专/高中", (Education.SECONDARY,)),
    ("初中及以下", (Education.BELOW,)),
    ("未填写学历", ("",)),
)
COLLEGE_AND_ABOVE = (Education.DOCTORATE, Education.MASTER, Education.BACHELOR, Education.COLLEGE)

HAN = "汉族"
TERM_STATUSES = (
    TermStatus.NORMAL,
    TermStatus.DUE_6,
    TermStatus.DUE_3,
    TermStatus.OVERDUE,
    TermStatus.NO_DATA,
)
ORG_KIND_ROWS = (("party_committee", "党委"), ("general_branch", "党总支"), ("branch", "党支部"))


@dataclass
class Table:
    key: str
    title: str
    source: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    total_row: bool = True  # the first row is 合计 (shown bold)


@dataclass
class Report:
    scope: Any
    facts: F.Facts
    balance: Balance
    tables: list[Table] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.facts.has_data

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def cn_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def pct(n: int, total: int) -> str:
    return f"{n * 100 / total:.1f}%" if total else "—"


def _share_rows(pairs: Sequence[tuple[str, int | None]], total: int) -> list[list[Any]]:
    rows: list[list[Any]] = [["合计", total, pct(total, total) if total else "—"]]
    for label, n in pairs:
        rows.append([label, NOT_RECORDED if n is None else n, "—" if n is None else pct(n, total)])
    return rows


def occupation_pairs(by_category: Counter) -> list[tuple[str, int | None]]:
    return [
        (label, None if cats is None else sum(by_category[c] for c in cats))
        for _key, label, cats in OCCUPATIONS
    ]


def _education_pairs(by_education: Counter) -> list[tuple[str, int | None]]:
    return [(label, sum(by_education[c] for c in codes)) for label, codes in EDUCATION_ROWS]


def _ethnicity_pairs(by_ethnicity: Counter) -> list[tuple[str, int | None]]:
    minorities = sorted(
        ((e, n) for e, n in by_ethnicity.items() if e != HAN), key=lambda p: (-p[1], p[0])
    )
    pairs: list[tuple[str, int | None]] = [
        (HAN, by_ethnicity[HAN]),
        ("少数民族", sum(n for _e, n in minorities)),
    ]
    pairs += [(f"  其中：{e or '未填写'}", n) for e, n in minorities]
    return pairs


def member_tables(facts: F.Facts) -> list[Table]:
    roll, total = facts.roll, facts.end_total
    gender, status = F.tally(roll, "gender"), F.tally(roll, "status")
    ethnicity, education = F.tally(roll, "ethnicity"), F.tally(roll, "education")
    age, period, category = (
        F.tally(roll, "age_band"),
        F.tally(roll, "period"),
        F.tally(roll, "category"),
    )
    headers = ["项目", "人数", "占比"]
    college = sum(education[c] for c in COLLEGE_AND_ABOVE)
    minority = total - ethnicity[HAN]
    le35 = age["le30"] + age["31_35"]
    day = cn_date(facts.scope.as_of)
    basics = Table(
        "basics",
        "党员基本情况",
        f"{SRC_ANNUAL}表二；{SRC_BULLETIN}",
        headers,
        _share_rows(
            [
                ("女党员", gender[Gender.FEMALE]),
                ("少数民族党员", minority),
                ("预备党员", status[MemberStatus.PROBATIONARY]),
                ("正式党员", status[MemberStatus.FULL]),
                ("35岁及以下", le35),
                ("大专及以上学历", college),
            ],
            total,
        ),
        note=f"按 {day} 在册党员统计（以组织关系所在党组织为准）。",
    )
    age_pairs = [(label, age[key]) for key, label, _top in F.AGE_BANDS]
    if age[F.AGE_UNKNOWN]:
        age_pairs.append(("未填写出生日期", age[F.AGE_UNKNOWN]))
    boundaries = "；".join(
        f"{label}：{cn_date(until)}前" for _k, label, until in F.PERIODS if until
    )
    return [
        basics,
        Table(
            "gender",
            "党员性别",
            f"{SRC_BULLETIN}（女党员）",
            headers,
            _share_rows([(str(label), gender[code]) for code, label in Gender.choices], total),
        ),
        Table(
            "ethnicity",
            "党员民族",
            f"{SRC_BULLETIN}（少数民族党员）",
            headers,
            _share_rows(_ethnicity_pairs(ethnicity), total),
        ),
        Table(
            "age",
            "党员年龄",
            f"{SRC_BULLETIN}（年龄分组）",
            headers,
            _share_rows(age_pairs, total),
            note=f"年龄按 {day} 的周岁计算。",
        ),
        Table(
            "education",
            "党员学历",
            f"{SRC_ANNUAL}表四；{SRC_BULLETIN}",
            headers,
            _share_rows([("大专及以上", college), *_education_pairs(education)], total),
        ),
        Table(
            "joined_period",
            "党员入党时间",
            f"{SRC_ANNUAL}表三；{SRC_BULLETIN}（入党时间分段）",
            headers,
            _share_rows([(label, period[key]) for key, label, _u in F.PERIODS], total),
            note=f"分段以入党日期（支部大会通过之日）为准，界限日期当天计入后一段：{boundaries}。",
        ),
        Table(
            "occupation",
            "党员职业",
            f"{SRC_BULLETIN}（职业分类）",
            headers,
            _share_rows(occupation_pairs(category), total),
            note=OCCUPATION_NOTE,
        ),
        Table(
            "status",
            "预备党员和正式党员",
            SRC_BULLETIN,
            headers,
            _share_rows(
                [(str(label), status[code]) for code, label in MemberStatus.choices], total
            ),
        ),
    ]


def admission_table(facts: F.Facts) -> Table:
    recorded = [j for j in facts.joiners if j.recorded]
    total = len(recorded)
    category = Counter(j.category for j in recorded)
    young = sum(
        1 for j in recorded if F.age_band_of(j.birth_date, j.joined_on) in ("le30", "31_35")
    )
    education = Counter(j.education for j in recorded)
    pairs: list[tuple[str, int | None]] = [
        ("女", sum(1 for j in recorded if j.gender == Gender.FEMALE)),
        ("少数民族", sum(1 for j in recorded if j.ethnicity != HAN)),
        ("35岁及以下", young),
        ("大专及以上学历", sum(education[c] for c in COLLEGE_AND_ABOVE)),
    ]
    pairs += [(f"职业：{label}", n) for label, n in occupation_pairs(category)]
    unrecorded = len(facts.joiners) - total
    note = (
        "发展党员以发展党员纪实中本年度支部大会讨论接收（第15步）的记录为准；年龄按接收之日计算。"
    )
    if unrecorded:
        note += f"另有 {unrecorded} 名党员入党日期在本年度但没有发展纪实记录，未计入，见平衡检查。"
    return Table(
        "admissions",
        "发展党员",
        f"{SRC_ANNUAL}表十四、表十五；{SRC_BULLETIN}",
        ["项目", "人数", "占比"],
        _share_rows(pairs, total),
        note=note + "；" + OCCUPATION_NOTE,
    )


def conversion_table(facts: F.Facts) -> Table:
    converted = len(facts.conversions)
    extended_first = sum(1 for _pk, months in facts.conversions if months)
    cancelled = sum(1 for _pk, kind in facts.exits if kind == ExitKind.PROBATION_CANCELLED)
    return Table(
        "conversions",
        "预备党员转正",
        f"{SRC_ANNUAL}表十三",
        ["项目", "人数"],
        [
            ["转为正式党员", converted],
            ["  其中：按期转正", converted - extended_first],
            ["  其中：延长预备期后转正", extended_first],
            ["本年度决定延长预备期", facts.extensions],
            ["取消预备党员资格", cancelled],
        ],
        note="以转正日期、延长预备期决定日期和出党记录为准。",
    )


def exit_table(facts: F.Facts) -> Table:
    kinds = Counter(kind for _pk, kind in facts.exits)
    return Table(
        "exits",
        "党员减少（出党和去世）",
        f"{SRC_ANNUAL}表一、表十至表十一",
        ["类别", "人数"],
        [
            ["合计", len(facts.exits)],
            *[[str(label), kinds[code]] for code, label in ExitKind.choices],
        ],
        note="以出党记录的日期为准，计入党员当时所在的党组织。",
    )


def transfer_table(facts: F.Facts) -> Table:
    counts: Counter = Counter()
    for mv in facts.moves:
        if mv.to_in and not mv.from_in:
            counts["in_outside" if not mv.from_system else "in_system"] += 1
        elif mv.from_in and not mv.to_in:
            counts["out_outside" if not mv.to_system else "out_system"] += 1
        else:
            counts["inside"] += 1
    return Table(
        "transfers",
        "组织关系转入转出",
        f"{SRC_ANNUAL}表一（转入、转出）",
        ["项目", "人次"],
        [
            ["转入", counts["in_outside"] + counts["in_system"]],
            ["  其中：从本平台以外转入", counts["in_outside"]],
            ["  其中：从本平台其他党组织转入", counts["in_system"]],
            ["转出", counts["out_outside"] + counts["out_system"]],
            ["  其中：转出到本平台以外", counts["out_outside"]],
            ["  其中：转到本平台其他党组织", counts["out_system"]],
            ["统计范围内党组织之间调动（不计增减）", counts["inside"]],
        ],
        note="以组织关系转接记录的日期为准；转入、转出相对于本统计范围。",
    )


def _org_kind(row: dict) -> str:
    if row["kind"] == OrgKind.UNIT_PARTY:
        form = row["unit_form"] or UnitOrgForm.PARTY_COMMITTEE  # no form: a 机关党委
        return str(form)
    return str(row["kind"])


def org_table(facts: F.Facts) -> Table:
    grid: dict[str, Counter] = {k: Counter() for k, _l in ORG_KIND_ROWS}
    unit_level: Counter = Counter()
    for row in facts.orgs:
        kind = _org_kind(row)
        if kind in grid:
            grid[kind][row["sweep_status"]] += row["n"]
            if row["kind"] == OrgKind.UNIT_PARTY:
                unit_level[kind] += row["n"]
    headers = ["组织类别", "个数", "其中：单位一级机关党组织"] + [
        TermStatus.LABELS[s] for s in TERM_STATUSES
    ]
    rows: list[list[Any]] = []
    for kind, label in ORG_KIND_ROWS:
        c = grid[kind]
        rows.append([label, sum(c.values()), unit_level[kind], *[c[s] for s in TERM_STATUSES]])
    total = [
        "合计",
        *[sum(r[i] for r in rows) for i in range(1, len(headers))],
    ]
    return Table(
        "orgs",
        "基层党组织和换届情况",
        f"{SRC_BULLETIN}（基层党委、总支部、支部）；换届情况为{SRC_PLATFORM}（换届排查）",
        headers,
        [total, *rows],
        note=(
            "机关党委、机关总支、机关支部按其形式分别计入党委、党总支、党支部；"
            "换届情况按统计日当时的届次判断（与换届排查相同）。"
        ),
    )


def balance_table(b: Balance) -> Table:
    return Table(
        "balance",
        "党员数量增减平衡（两年党员数综合比较）",
        f"{SRC_ANNUAL}表一",
        ["项目", "人数"],
        [
            ["上年末党员数", b.start],
            ["增加：发展党员", b.admitted],
            ["增加：转入", b.moved_in],
            ["减少：出党和去世", b.exited],
            ["减少：转出", b.moved_out],
            ["按增减推算的本年末党员数", b.computed_end],
            ["本年末实有党员数", b.end],
            ["差额（实有 − 推算）", b.difference],
            ["增减记录不符的党员", b.mismatch_count],
        ],
        note="上年末 + 发展 + 转入 − 出党和去世 − 转出 = 本年末；不符的党员逐人列出，核对后修正。",
        total_row=False,
    )


def build(scope: Any) -> Report:
    facts = F.collect(scope)
    balance = check(facts)
    report = Report(scope=scope, facts=facts, balance=balance)
    report.tables = [
        balance_table(balance),
        *member_tables(facts),
        admission_table(facts),
        conversion_table(facts),
        exit_table(facts),
        transfer_table(facts),
        org_table(facts),
    ]
    return report
