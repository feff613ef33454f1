"""The rules a step must keep, checked without writing (`check_step`): the order of the
25 steps and every time rule of `timerules.yaml`, each refusal ending with its citation.

`services.record_step` calls it; a form may call it first to show which rules a step
breaks (and which of them allow an approved exception).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db.models import Q
from django.utils import timezone

from dangjian.core.scoping import holds
from dangjian.core.services import ErrorCollector
from dangjian.members.models import Member, MembershipState, MemberStatus
from dangjian.orgs.termrules import add_months, add_years

from . import timerules as tr
from .models import VOTE_STEPS, Applicant, PartyProbation, RecruitmentStep, Step

EXCEPTION_HINT = "如确有特殊情况，请作为经批准的例外登记，写明例外原因和批准人。"
MAX_TEXT = 2000
REVEAL_APPLICANT = "recruitment.reveal_applicant"
REVEAL_MEMBER = "members.reveal_member"


def cite(rule_id: str) -> str:
    return tr.rule(rule_id).cite()


def today() -> dt.date:
    return timezone.localdate()


@dataclass(frozen=True)
class Breach:
    """A rule a step would break: the rule, the field the message belongs to, the message
    (ending with the citation), and whether an approved exception may allow it."""

    rule_id: str
    field: str
    message: str
    exceptable: bool


@dataclass
class StepInput:
    """A step as a caller gives it (plain values), normalized by `record_step`."""

    step: int
    done_on: dt.date | None
    note: str = ""
    talkers: Sequence[Member] = ()
    talker_names: Sequence[str] = ()
    contacts: Sequence[Member] = ()
    introducers: Sequence[Member] = ()
    training_days: int | None = None
    training_hours: int | None = None
    expected: int | None = None
    present: int | None = None
    votes_yes: int | None = None
    votes_no: int | None = None
    votes_abstain: int | None = None
    political_review: str | None = None


def _full_member_problems(
    people: Sequence[Member], on: dt.date, applicant: Applicant, user: Any
) -> list[tuple[Member, str]]:
    """Why each person cannot act as a full member (contact, introducer) on `on`.

    Whether a member record carries the applicant's own ID number is compared only for a
    user who may reveal both (decisions/0008): the answer would confirm a hidden number.
    """
    problems = []
    compare = user is not None and holds(user, REVEAL_APPLICANT, applicant.org.path)
    barred = set(
        PartyProbation.objects.filter(member__in=people, decided_on__lte=on)
        .filter(Q(restored_on__isnull=True) | Q(restored_on__gt=on))
        .values_list("member_id", flat=True)
    )
    for m in people:
        same_id = (
            compare
            and bool(applicant.id_number_blind)
            and m.id_number_blind == applicant.id_number_blind
            and holds(user, REVEAL_MEMBER, m.org.path)
        )
        if same_id or m.pk == applicant.member_id:
            problems.append((m, "是申请人本人"))
        elif m.membership != MembershipState.NORMAL:
            problems.append((m, f"党籍状态为“{m.get_membership_display()}”"))
        elif m.status != MemberStatus.FULL or (m.full_member_on and m.full_member_on > on):
            problems.append((m, "是预备党员，不是正式党员"))
        elif m.joined_on and m.joined_on > on:
            problems.append((m, "当时尚未入党"))
        elif m.pk in barred:
            problems.append((m, "正受留党察看处分、尚未恢复党员权利"))
    return problems


def _existing(applicant: Applicant) -> dict[int, list[dt.date]]:
    dates: dict[int, list[dt.date]] = {}
    for step, done_on in (
        RecruitmentStep.objects.filter(applicant=applicant)
        .order_by("step", "done_on")
        .values_list("step", "done_on")
    ):
        dates.setdefault(step, []).append(done_on)
    return dates


def check_step(
    applicant: Applicant, data: StepInput, user: Any = None
) -> tuple[list[Breach], dict[str, list[str]]]:
    """Every rule `data` would break for `applicant`, without writing (`user`: who asks).

    Returns (breaches of cited rules, plain input errors). Forms may call it to show which
    rules a step breaks before asking for an exception; `record_step` calls it.
    """
    errors = ErrorCollector()
    breaches: list[Breach] = []

    def breach(rule_id: str, field: str, text: str) -> None:
        rule = tr.rule(rule_id)
        hint = EXCEPTION_HINT if rule.exceptable else ""
        breaches.append(Breach(rule_id, field, f"{text}{hint}（{rule.cite()}）", rule.exceptable))

    step, on = data.step, data.done_on
    if isinstance(step, bool) or not isinstance(step, int) or not 2 <= step <= 25:
        errors.add("step", "步骤应为第2至第25步（第1步递交入党申请书在登记申请人时记录）。")
        return breaches, errors.by_field
    label = Step(step).label
    if applicant.closed_on:
        errors.add("step", f"该申请人已于{applicant.closed_on:%Y-%m-%d}终止发展，不能再登记步骤。")
    if on is None:
        errors.add("done_on", f"请填写“{label}”的日期。")
    if len(data.note or "") > MAX_TEXT:
        errors.add("note", f"情况说明不超过{MAX_TEXT}字。")
    if errors:
        return breaches, errors.by_field
    assert on is not None
    done = _existing(applicant)
    last = max(done)
    latest = max(d for dates in done.values() for d in dates)

    # Order (the 25 steps one after another; 培养教育考察 once per half year).
    if step in done and step != Step.REVIEW:
        breach(tr.ORDER, "step", f"“{label}”已于{done[step][0]:%Y-%m-%d}登记，不能重复登记。")
    elif step == Step.REVIEW and last not in (Step.CONTACTS, Step.REVIEW):
        if last < Step.CONTACTS:
            breach(tr.ORDER, "step", f"请先登记第{Step.CONTACTS}步“{Step.CONTACTS.label}”。")
        else:
            breach(tr.ORDER, "step", "已确定为发展对象，培养教育考察不能再登记。")
    elif step != Step.REVIEW and step != last + 1:
        if step <= last:
            breach(tr.ORDER, "step", f"已登记到第{last}步，不能补登之前的“{label}”。")
        else:
            missing = Step(last + 1)
            breach(
                tr.ORDER,
                "step",
                f"不能跳过步骤：请先登记第{missing.value}步“{missing.label}”，再登记“{label}”。",
            )
    if on > today():
        breach(tr.ORDER, "done_on", f"“{label}”的日期不能晚于今天。")
    elif on < latest:
        breach(
            tr.ORDER,
            "done_on",
            f"“{label}”的日期不能早于上一步骤的日期（{latest:%Y-%m-%d}）。",
        )

    # The step's own rules.
    first = lambda s: done.get(s, [None])[0]  # noqa: E731 — tiny local accessor
    if step == Step.TALK:
        months = tr.rule(tr.TALK)["within_months"]
        due = add_months(applicant.applied_on, months)
        if on > due:
            breach(
                tr.TALK,
                "done_on",
                f"应在收到入党申请书后{months}个月内（最迟{due:%Y-%m-%d}）派人谈话，已超过期限。",
            )
    if step == Step.CONTACTS:
        rule = tr.rule(tr.CONTACTS)
        lo, hi = rule["min_people"], rule["max_people"]
        if not lo <= len(data.contacts) <= hi:
            breach(tr.CONTACTS, "contacts", f"培养联系人应为{lo}至{hi}名正式党员。")
        for m, why in _full_member_problems(data.contacts, on, applicant, user):
            breach(tr.CONTACTS, "contacts", f"{m.name}{why}，不能作培养联系人。")
    if step == Step.CANDIDATE and first(Step.ACTIVIST):
        years = tr.rule(tr.ACTIVIST_YEAR)["min_years"]
        since = first(Step.ACTIVIST)
        assert since is not None
        if on < add_years(since, years):
            breach(
                tr.ACTIVIST_YEAR,
                "done_on",
                f"自确定为入党积极分子（{since:%Y-%m-%d}）起满{years}年"
                f"（{add_years(since, years):%Y-%m-%d}）方可确定为发展对象。",
            )
    if step == Step.CANDIDATE and first(Step.ACTIVIST):
        every = tr.rule(tr.REVIEW)["every_months"]
        chain = [*done.get(Step.ACTIVIST, []), *done.get(Step.REVIEW, []), on]
        for prev, nxt in pairwise(chain):
            if nxt > add_months(prev, every):
                breach(
                    tr.REVIEW,
                    "done_on",
                    f"培养教育考察应每{every}个月一次：{prev:%Y-%m-%d}之后"
                    f"{add_months(prev, every):%Y-%m-%d}前没有考察记录。",
                )
                break
    if step == Step.INTRODUCERS:
        count = tr.rule(tr.INTRODUCERS)["people"]
        if len(data.introducers) != count:
            breach(tr.INTRODUCERS, "introducers", f"入党介绍人应为{count}名正式党员。")
        for m, why in _full_member_problems(data.introducers, on, applicant, user):
            breach(tr.INTRODUCERS, "introducers", f"{m.name}{why}，不能作入党介绍人。")
    if step == Step.TRAINING:
        rule = tr.rule(tr.TRAINING)
        days, hours = data.training_days, data.training_hours
        for name, value in (("training_days", days), ("training_hours", hours)):
            if value is not None and (isinstance(value, bool) or not 0 <= value <= 999):
                errors.add(name, "请填写0至999之间的整数。")
        if days is None and hours is None:
            errors.add("training_days", "请填写集中培训的天数或学时。")
        elif (days or 0) < rule["min_days"] and (hours or 0) < rule["min_hours"]:
            breach(
                tr.TRAINING,
                "training_days",
                f"集中培训时间不少于{rule['min_days']}天（或不少于{rule['min_hours']}个学时）。",
            )
    if step == Step.FORM and not applicant.application_form_number:
        breach(
            tr.FORM_NUMBER,
            "step",
            "该申请人还没有入党志愿书编号：请上级党委从本年度编号段发放编号后再填写志愿书。",
        )
    if step in VOTE_STEPS:
        _check_votes(data, breach, errors)
    if step == Step.APPROVAL and first(Step.ADMISSION):
        rule = tr.rule(tr.APPROVAL)
        admitted = first(Step.ADMISSION)
        assert admitted is not None
        soon, latest_ok = (
            add_months(admitted, rule["within_months"]),
            add_months(admitted, rule["max_months"]),
        )
        if on > latest_ok:
            breaches.append(
                Breach(
                    tr.APPROVAL,
                    "done_on",
                    f"上级党委审批最长不超过支部大会后{rule['max_months']}个月"
                    f"（最迟{latest_ok:%Y-%m-%d}），已超过，应重新履行接收手续（{rule.cite()}）。",
                    False,
                )
            )
        elif on > soon:
            breach(
                tr.APPROVAL,
                "done_on",
                f"上级党委应在支部大会后{rule['within_months']}个月内（最迟{soon:%Y-%m-%d}）审批。",
            )
    if step in (Step.CONVERSION_MEETING, Step.CONVERSION_APPROVAL):
        member = applicant.member
        if member is None:
            errors.add("step", "该申请人没有党员档案，不能讨论转正。")
        elif member.membership != MembershipState.NORMAL:
            errors.add(
                "step", f"该党员党籍状态为“{member.get_membership_display()}”，不能办理转正。"
            )
        elif member.status != MemberStatus.PROBATIONARY:
            errors.add("step", "该党员已是正式党员。")
        elif (
            step == Step.CONVERSION_MEETING
            and member.probation_ends_on
            and on < member.probation_ends_on
        ):
            breach(
                tr.PROBATION,
                "done_on",
                f"预备期至{member.probation_ends_on:%Y-%m-%d}届满，期满后方可讨论转正。",
            )
    if step == Step.CONVERSION_APPROVAL and first(Step.CONVERSION_MEETING):
        months = tr.rule(tr.CONVERSION)["approval_within_months"]
        meeting = first(Step.CONVERSION_MEETING)
        assert meeting is not None
        if on > add_months(meeting, months):
            breach(
                tr.CONVERSION,
                "done_on",
                f"上级党委应在支部大会讨论转正后{months}个月内"
                f"（最迟{add_months(meeting, months):%Y-%m-%d}）审批。",
            )
    if data.political_review is not None and len(data.political_review) > MAX_TEXT:
        errors.add("political_review", f"政治审查结论不超过{MAX_TEXT}字。")
    return breaches, errors.by_field


def _check_votes(data: StepInput, breach, errors: ErrorCollector) -> None:
    """应到/实到/赞成/反对/弃权 and the quorum (第二十条、第二十一条)."""
    names = ("expected", "present", "votes_yes", "votes_no", "votes_abstain")
    values = {n: getattr(data, n) for n in names}
    for name, value in values.items():
        if value is None:
            errors.add(name, "请填写表决情况（应到、实到、赞成、反对、弃权人数）。")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9999:
            errors.add(name, "请填写0至9999之间的整数。")
    if errors:
        return
    expected, present = values["expected"], values["present"]
    if expected == 0:
        errors.add("expected", "应到人数不能为0。")
        return
    if present > expected:
        errors.add("present", "实到人数不能多于应到人数。")
    if values["votes_yes"] + values["votes_no"] + values["votes_abstain"] > present:
        errors.add("votes_yes", "赞成、反对、弃权人数之和不能多于实到人数。")
    if present * 2 <= expected:
        breach(
            tr.QUORUM,
            "present",
            f"到会人数（{present}人）须超过应到会有表决权人数（{expected}人）的半数，会议不能作出决定。",
        )
    if values["votes_yes"] * 2 <= expected:
        breach(
            tr.QUORUM,
            "votes_yes",
            f"赞成人数（{values['votes_yes']}人）须超过应到会有表决权人数（{expected}人）的半数，决议未通过。",
        )


def exception_errors(
    breaches: list[Breach], rules: Sequence[str], reason: str, approved_by: str
) -> tuple[ErrorCollector, list[str]]:
    """Which breaches stay refused; the excepted rule ids actually used."""
    errors = ErrorCollector()
    known = set(tr.get_rules())
    rules = list(dict.fromkeys(rules or ()))
    for rule_id in rules:
        if rule_id not in known or not tr.rule(rule_id).exceptable:
            errors.add("exception_rules", "所选例外规则不存在，或该规则不允许例外。")
            break
    excepted = {b.rule_id for b in breaches if b.exceptable and b.rule_id in rules}
    if excepted:
        if not reason:
            errors.add("exception_reason", "作为例外登记时，请写明例外原因。")
        if not approved_by:
            errors.add("exception_approved_by", "作为例外登记时，请填写批准人。")
    for b in breaches:
        if b.rule_id not in excepted or not b.exceptable:
            errors.add(b.field, b.message)
    return errors, sorted(excepted)
