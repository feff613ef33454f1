"""Where reminders come from: one function per source, day → drafts (rule results).

Each source reads its rule results set-based (the sweep, inactivity, deadlines, holidays,
the compliance evaluator) and turns them into `Draft`s: what to say, about which org,
citing which rule. `notifications.py` decides who receives each draft and inserts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dangjian.core.scoping import SYSTEM
from dangjian.dues import alerts as dues_alerts
from dangjian.orgs import termrules
from dangjian.orgs.models import Organization, OrgKind
from dangjian.recruitment import deadlines as recruitment_deadlines

from . import deadlines, evaluator, holidays, inactivity, loader, sweep, switches
from .models_notifications import NotificationKind

K = NotificationKind
S = termrules.TermStatus
MONTHLY_WINDOW_DAYS = 3  # monthly reminders go out on the first run in the month's first days
BIRTHDAY_NAMES_SHOWN = 20

# The permission that makes a user responsible for each kind of reminder.
PERM_TERMS = "orgs.change_term"
PERM_MEMBERS = "members.change_member"
PERM_UNIT = "orgs.change_organization"
PERM_ACTIVITIES = "activities.add_activity"
PERM_RECRUITMENT = "recruitment.change_applicant"


@dataclass
class Draft:
    """One reminder before it is addressed: who receives it is decided by `org_path`."""

    kind: str
    subject: str  # "term:12", "member:34", "org:5"
    period: str  # what makes a repeat distinct: a month, a due date, a start date
    title: str
    body: str
    link: str
    rule_id: str
    citation: str
    org_id: int | None
    org_path: str
    perm: str
    due_on: dt.date | None = None
    exact: bool = False  # address the org's own level only (no nearest-level search)

    def key(self, user_id: int) -> str:
        return f"{user_id}:{self.kind}:{self.subject}:{self.period}"[:160]


# --- links ----------------------------------------------------------------------------

_PLACEHOLDER = 987654321


class Links:
    """URL patterns reversed once per run (not once per reminder)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, name: str, pk: int | None) -> str:
        if pk is None:
            return ""
        if name not in self._cache:
            self._cache[name] = reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
        return self._cache[name].format(pk)


# --- sources --------------------------------------------------------------------------


def term_drafts(day: dt.date, links: Links) -> list[Draft]:
    """6 and 3 months before the due date once each; monthly while overdue or without data."""
    result = sweep.run_sweep(SYSTEM, day)  # the sweep's own selection: both always agree
    month = f"{day:%Y-%m}"
    citation = sweep.citation()
    out = []
    for row in result.rows:
        link = links("orgs:organization_detail", row.org_id)
        number = f"第{row.term_number}届" if row.term_number else "本届"
        common: dict[str, Any] = {
            "link": link,
            "rule_id": sweep.RULE_ID,
            "citation": citation,
            "org_id": row.org_id,
            "org_path": row.path,
            "perm": PERM_TERMS,
            "due_on": row.due_on,
        }
        if row.status in (S.DUE_6, S.DUE_3):
            months = 6 if row.status == S.DUE_6 else 3
            out.append(
                Draft(
                    kind=K.TERM_DUE,
                    subject=f"term:{row.term_id}",
                    period=f"{row.status}:{row.due_on}",
                    title=f"{row.name}将于{row.due_on:%Y年%m月%d日}届满，请做好换届准备",
                    body=(
                        f"{row.name}{number}（{row.started_on:%Y-%m-%d}选举）应于"
                        f"{row.due_on:%Y-%m-%d}换届，距今不足{months}个月（还有{row.days_left}天）。"
                        "请提前谋划换届工作，按程序向上级党组织请示。"
                    ),
                    **common,
                )
            )
        elif row.status == S.OVERDUE:
            out.append(
                Draft(
                    kind=K.TERM_OVERDUE,
                    subject=f"term:{row.term_id}",
                    period=month,
                    title=f"{row.name}换届已超期{row.days_overdue}天",
                    body=(
                        f"{row.name}{number}（{row.started_on:%Y-%m-%d}选举）应于"
                        f"{row.due_on:%Y-%m-%d}换届，已超期{row.days_overdue}天。"
                        "请尽快组织换届选举；确需延期的，应报上级党组织批准，延期一般不超过1年。"
                    ),
                    **common,
                )
            )
        elif row.status == S.NO_DATA:
            out.append(
                Draft(
                    kind=K.TERM_NO_DATA,
                    subject=f"org:{row.org_id}",
                    period=month,
                    title=f"{row.name}缺少届次信息",
                    body=(
                        f"{row.name}没有{day:%Y-%m-%d}当时的届次记录，无法判断是否按期换届。"
                        "请补录本届选举日期。"
                    ),
                    **common,
                )
            )
    return out


def inactivity_drafts(day: dt.date, links: Links) -> list[Draft]:
    """Once per member and level for each spell of inactivity (keyed by its start)."""
    out = []
    citation = inactivity.citation()
    for m in inactivity.find_inactive(SYSTEM, day):
        alert = m.level == inactivity.ALERT
        months = inactivity.ALERT_MONTHS if alert else inactivity.WARNING_MONTHS
        since = (
            f"最后一次参加组织生活为{m.last_attended:%Y-%m-%d}"
            if m.last_attended
            else "没有参加组织生活的记录"
        )
        tail = (
            "按党章第九条，党员没有正当理由连续六个月不参加党的组织生活，就被认为是自行脱党，请及时核实处理。"
            if alert
            else "请及时谈心谈话、了解情况，督促其参加组织生活。"
        )
        out.append(
            Draft(
                kind=K.INACTIVITY_ALERT if alert else K.INACTIVITY_WARNING,
                subject=f"member:{m.member_id}",
                period=f"{m.level}:{m.inactive_since}",
                title=f"{m.name}（{m.org_name}）已{months}个月以上未参加组织生活",
                body=(
                    f"{m.name}{since}，自{m.inactive_since:%Y-%m-%d}起已满{months}个月。{tail}"
                    "确有正当理由（年老体弱、长期外出等）的，请登记免于参加组织生活。"
                ),
                link=links("members:member_detail", m.member_id),
                rule_id=inactivity.RULE_ID,
                citation=citation,
                org_id=m.org_id,
                org_path=m.org_path,
                perm=PERM_MEMBERS,
            )
        )
    return out


def probation_drafts(day: dt.date, links: Links) -> list[Draft]:
    """Once before the end (the notice window), then monthly while 转正 is not recorded."""
    citation = deadlines.citation(deadlines.PROBATION_RULE_ID, deadlines.PROBATION_CITATION)
    ending, overdue = deadlines.probation_due(SYSTEM, day)
    month = f"{day:%Y-%m}"

    def draft(m: Any, kind: str, period: str, title: str, body: str) -> Draft:
        return Draft(
            kind=kind,
            subject=f"member:{m.member_id}",
            period=period,
            title=title,
            body=body,
            link=links("members:member_detail", m.member_id),
            rule_id=deadlines.PROBATION_RULE_ID,
            citation=citation,
            org_id=m.org_id,
            org_path=m.org_path,
            perm=PERM_MEMBERS,
            due_on=m.on,
        )

    late = [
        draft(
            m,
            K.PROBATION_OVERDUE,
            month,
            f"{m.name}（{m.org_name}）预备期已于{m.on:%Y年%m月%d日}届满，尚未办理转正",
            f"预备党员{m.name}于{m.joined_on:%Y-%m-%d}经支部大会通过，"
            + (f"预备期延长{m.extension_months}个月，" if m.extension_months else "")
            + f"预备期已于{m.on:%Y-%m-%d}届满（已过{(day - m.on).days}天），系统中尚无转正记录。"
            "请及时召开支部大会讨论其转正问题并报上级党委审批；已转正的，请登记转正日期。",
        )
        for m in overdue
    ]
    return late + [
        draft(
            m,
            K.PROBATION_END,
            str(m.on),
            f"{m.name}（{m.org_name}）预备期将于{m.on:%Y年%m月%d日}届满",
            f"预备党员{m.name}于{m.joined_on:%Y-%m-%d}经支部大会通过，预备期将于"
            f"{m.on:%Y-%m-%d}届满（还有{(m.on - day).days}天）。请督促本人提交转正申请，"
            "按期召开支部大会讨论其转正问题，并报上级党委审批。",
        )
        for m in ending
    ]


def recruitment_drafts(day: dt.date, links: Links) -> list[Draft]:
    """发展党员 items (recruitment.deadlines): once when a dated item comes due (keyed by its
    due date), then monthly while it is overdue or (training) missing."""
    month = f"{day:%Y-%m}"
    try:
        links("recruitment:applicant_detail", 1)
        has_page = True
    except NoReverseMatch:  # the pages may not be installed; the reminder still goes out
        has_page = False
    out = []
    for i in recruitment_deadlines.due(SYSTEM, day):
        rule = i.rule
        late = i.overdue or i.on is None
        kind = K.RECRUITMENT_OVERDUE if i.overdue else K.RECRUITMENT_DUE
        body = f"{i.name}（{i.org_name}）：{i.title(day)}。{rule.description}"
        out.append(
            Draft(
                kind=kind,
                subject=f"applicant:{i.applicant_id}:{i.kind}",
                period=month if late else str(i.on),
                title=f"发展党员·{i.label}：{i.title(day)}",
                body=body,
                link=links("recruitment:applicant_detail", i.applicant_id) if has_page else "",
                rule_id=rule.id,
                citation=rule.cite(),
                org_id=i.org_id,
                org_path=i.org_path,
                perm=PERM_RECRUITMENT,
                due_on=i.on,
            )
        )
    return out


PERM_DUES = "dues.add_duespayment"


def dues_drafts(day: dt.date, links: Links) -> list[Draft]:
    """党费 (dues.alerts), monthly in the month's first days: 3 months unpaid to the
    secretary; 6 months without a recorded reason flagged citing 党章 第九条 (people decide);
    bases not yet reviewed this year (from March); a pay change the base does not follow. The ledger's months are generated first."""
    if day.day > MONTHLY_WINDOW_DAYS:
        return []
    dues_alerts.prepare(day)
    month, out = f"{day:%Y-%m}", []
    for r in dues_alerts.unpaid_runs(SYSTEM, day):
        lapse = r.lapse
        out.append(
            Draft(
                kind=K.DUES_LAPSE if lapse else K.DUES_UNPAID,
                subject=f"member:{r.member_id}",
                period=month,
                title=f"{r.name}（{r.org_name}）已连续{r.months}个月未交党费",
                body=(
                    f"{r.name}自{r.since:%Y年%m月}起未交党费，合计{r.total}元。"
                    + (
                        "已满6个月且未登记正当理由：请尽快了解情况、登记原因，由党组织研究处理。"
                        if lapse
                        else "请及时提醒本人交纳，或了解原因并在台账中登记。"
                    )
                ),
                link=links("dues:member_ledger", r.member_id),
                rule_id="",
                citation=dues_alerts.LAPSE_CITATION if lapse else dues_alerts.PAYMENT_CITATION,
                org_id=r.org_id,
                org_path=r.org_path,
                perm=PERM_DUES,
            )
        )
    if day.month >= dues_alerts.BASE_REVIEW_FROM_MONTH:
        out.extend(
            Draft(
                kind=K.DUES_BASE,
                subject=f"org:{b.org_id}",
                period=month,
                title=f"{b.org_name}有{b.members}名党员{day.year}年党费基数未核定",
                body="每年初应核定党员当年的党费基数和月交纳数额；工资变动的，从领取新工资的月份起调整。",
                link="",
                rule_id="",
                citation="《关于中国共产党党费收缴、使用和管理的规定》第十条（已核实）",
                org_id=b.org_id,
                org_path=b.org_path,
                perm=PERM_DUES,
            )
            for b in dues_alerts.bases_not_reviewed(SYSTEM, day.year)
        )
    out.extend(
        Draft(
            kind=K.DUES_STALE,
            subject=f"member:{s.member_id}",
            period=month,
            title=f"{s.name}（{s.org_name}）的党费基数可能需要调整",
            body=f"{s.reason}。请核实其工资收入；如有变化，从领取新工资的当月起调整党费基数。",
            link=links("dues:member_ledger", s.member_id),
            rule_id="",
            citation=dues_alerts.CHANGE_CITATION,
            org_id=s.org_id,
            org_path=s.org_path,
            perm=PERM_DUES,
        )
        for s in dues_alerts.stale_bases(SYSTEM, day)
    )
    return out


def birthday_drafts(day: dt.date, links: Links) -> list[Draft]:
    """The month's political birthdays, one reminder per branch, in the month's first days.

    The ceremony is the branch's: members of a 党小组 are listed under its branch.
    """
    if day.day > MONTHLY_WINDOW_DAYS:
        return []
    by_path: dict[str, list[deadlines.MemberDate]] = {}
    for m in deadlines.birthdays_in_month(SYSTEM, day.year, day.month):
        path = (
            m.org_path[: -Organization.steplen] if m.org_kind == OrgKind.PARTY_GROUP else m.org_path
        )
        by_path.setdefault(path, []).append(m)
    orgs = {
        path: (pk, name)
        for path, pk, name in Organization.objects.filter(path__in=list(by_path)).values_list(
            "path", "pk", "name"
        )
    }
    out = []
    citation = deadlines.citation(deadlines.BIRTHDAY_RULE_ID, deadlines.BIRTHDAY_CITATION)
    for path, members in by_path.items():
        org_id, org_name = orgs[path]
        members.sort(key=lambda m: (m.on, m.name, m.member_id))
        shown = "；".join(
            f"{m.name}（{m.on:%m月%d日}，入党{m.party_years}周年）"
            for m in members[:BIRTHDAY_NAMES_SHOWN]
        )
        more = f"等{len(members)}人" if len(members) > BIRTHDAY_NAMES_SHOWN else ""
        out.append(
            Draft(
                kind=K.POLITICAL_BIRTHDAY,
                subject=f"org:{org_id}",
                period=f"{day:%Y-%m}",
                title=f"{org_name}本月有{len(members)}名党员过政治生日",
                body=(
                    f"{day:%Y年%m月}过政治生日的党员：{shown}{more}。"
                    "可组织过政治生日、重温入党誓词等活动。"
                ),
                link=links("orgs:organization_detail", org_id),
                rule_id=deadlines.BIRTHDAY_RULE_ID,
                citation=citation,
                org_id=org_id,
                org_path=path,
                perm=PERM_MEMBERS,
            )
        )
    return out


def holiday_drafts(day: dt.date, links: Links) -> list[Draft]:
    """节前提醒 / 节后检查 to every unit-level org, and once to the 工委 level."""
    due = holidays.due_reminders(day)
    if not due:
        return []
    targets = list(
        Organization.objects.filter(
            sweep.existing_on(day), kind__in=(OrgKind.UNIT_PARTY, OrgKind.COMMITTEE)
        ).values_list("pk", "path")
    )
    out: list[Draft] = []
    citation = holidays.citation()
    for which, period in due:
        before = which == holidays.BEFORE
        if before:
            title = f"节前提醒：{period.name}将于{period.starts_on:%m月%d日}起放假"
            body = (
                f"{period.name}放假安排：{period.starts_on:%Y-%m-%d}至{period.ends_on:%Y-%m-%d}，"
                f"共{period.days}天（来源：{period.source_label}）。请在节前开展廉洁过节提醒，"
                "严格落实中央八项规定精神，安排好节日值班和安全检查。"
            )
        else:
            title = f"节后检查：{period.name}假期已结束"
            body = (
                f"{period.name}假期（{period.starts_on:%Y-%m-%d}至{period.ends_on:%Y-%m-%d}）已结束，"
                f"{period.first_workday:%Y-%m-%d}为节后第一个工作日。请开展节后检查，"
                "了解到岗履职和纪律作风情况，发现问题及时整改。"
            )
        out.extend(
            Draft(
                kind=K.HOLIDAY_BEFORE if before else K.HOLIDAY_AFTER,
                subject=f"org:{pk}",
                period=f"{period.starts_on}",
                title=title,
                body=body,
                link=links("orgs:organization_detail", pk),
                rule_id=holidays.RULE_ID,
                citation=citation,
                org_id=pk,
                org_path=path,
                perm=PERM_UNIT,
                due_on=period.starts_on if before else period.first_workday,
                exact=True,
            )
            for pk, path in targets
        )
    return out


def compliance_drafts(day: dt.date, links: Links) -> list[Draft]:
    """Last month's non-compliant cells (periods that ended with it), in the month's first days.

    One evaluation (the evaluator's set-based queries) of the year the last month belongs
    to; a cell is reported once per org, rule and period.
    """
    if day.day > MONTHLY_WINDOW_DAYS:
        return []
    last_month_end = day.replace(day=1) - dt.timedelta(days=1)
    result = evaluator.evaluate(SYSTEM, last_month_end.year, today=day)
    rules = {r.id: r for r in result.rules}
    try:
        cell_url = reverse("rules:compliance_cell")
    except NoReverseMatch:  # the compliance pages are not wired
        cell_url = ""
    out = []
    for cell in result.cells:
        if cell.status != evaluator.Status.NONCOMPLIANT or cell.period.end != last_month_end:
            continue
        org = result.orgs[cell.org_id]
        rule = rules[cell.rule_id]
        out.append(
            Draft(
                kind=K.COMPLIANCE_GAP,
                subject=f"org:{org.id}:{rule.id}",
                period=cell.period.key,
                title=f"{org.name}{cell.period.label}未达标：{rule.title}",
                body=(
                    f"{cell.period.label}（{cell.period.start:%Y-%m-%d}至{cell.period.end:%Y-%m-%d}）"
                    f"应至少{cell.required}次，实际记录{cell.count}次。已开展但未录入的，请补录；"
                    "确因特殊情况无法开展的，可按程序申请豁免。"
                ),
                link=(
                    f"{cell_url}?org={org.id}&year={cell.period.year}"
                    f"&month={cell.period.last_month}&rule={rule.id}"
                    if cell_url
                    else links("orgs:organization_detail", org.id)
                ),
                rule_id=rule.id,
                citation=rule.citation.text(),
                org_id=org.id,
                org_path=org.path,
                perm=PERM_ACTIVITIES,
                due_on=cell.period.end,
            )
        )
    return out


SOURCES: dict[str, Callable[[dt.date, Links], list[Draft]]] = {
    "terms": term_drafts,
    "inactivity": inactivity_drafts,
    "probation": probation_drafts,
    "birthdays": birthday_drafts,
    "holidays": holiday_drafts,
    "compliance": compliance_drafts,
    "recruitment": recruitment_drafts,
    "dues": dues_drafts,
}
SOURCE_LABELS = {
    "terms": "换届",
    "inactivity": "党员未参加组织生活",
    "probation": "预备期满",
    "birthdays": "政治生日",
    "holidays": "节前提醒/节后检查",
    "compliance": "组织生活落实情况",
    "recruitment": "发展党员期限",
    "dues": "党费",
}

# Local rules (switchable per deployment) that gate a whole source.
SOURCE_SWITCHES = {
    "terms": sweep.REMINDER_RULE_ID,
    "probation": deadlines.PROBATION_RULE_ID,
    "birthdays": deadlines.BIRTHDAY_RULE_ID,
    "holidays": holidays.RULE_ID,
}


def register_source(
    name: str,
    label: str,
    func: Callable[[dt.date, Links], list[Draft]],
    switch_rule_id: str | None = None,
) -> None:
    """Add a reminder source from an app above rules (which rules must not import).

    Called from that app's `AppConfig.ready()`, e.g. assessments' overdue rectifications;
    registering the same name again replaces it (ready() may run more than once in tests).
    """
    SOURCES[name] = func
    SOURCE_LABELS[name] = label
    if switch_rule_id:
        SOURCE_SWITCHES[name] = switch_rule_id


def switched_off(source: str) -> str:
    """Why `source` is off (its local rule is switched off), or "" when it runs."""
    rule_id = SOURCE_SWITCHES.get(source)
    if rule_id is None:
        return ""
    try:
        rule = loader.get_rule(rule_id)
    except LookupError:
        return ""
    if switches.is_enabled(rule):
        return ""
    return f"地方性规则“{rule.title}”（{rule.id}）已停用。"
