"""What is due or overdue in 发展党员, within a user's scope — one query.

For each open applicant (not closed) the stored `last_step` says which step comes next;
the dates the rules count from (积极分子, the latest 培养考察, 支部大会, 支部大会讨论转正)
are read in the same query as conditional aggregates over the steps. Python then applies
the cited time rules (timerules.yaml) with the same calendar functions as the services:

- **talk** (第七条): the talk is due one month after the application (step 2 missing);
- **review** (第十一条): 培养教育考察 every six months from the 积极分子 date or the latest
  review, while the person is an activist (steps 3–6 recorded, step 7 not);
- **training** (第十七条): a 发展对象 (step 7–10) without the 集中培训 that must precede the
  预审 — no date, shown until recorded;
- **approval**: the higher committee's approval (step 17) within three months of the
  支部大会 (step 15), six at most;
- **conversion**: the approval of 转正 (step 24) within three months of the 支部大会讨论转正
  (step 23).

Probation ending and overdue (with its one extension) are the members' deadlines
(`rules.deadlines.probation_due`), not repeated here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q

from dangjian.orgs.termrules import add_months

from . import timerules as tr
from .models import Applicant, Step

AHEAD_DAYS = 30  # a dated item shows from this many days before it is due

TALK, REVIEW, TRAINING, APPROVAL, CONVERSION = (
    "talk",
    "review",
    "training",
    "approval",
    "conversion",
)
LABELS = {
    TALK: "入党谈话",
    REVIEW: "培养考察",
    TRAINING: "集中培训",
    APPROVAL: "接收审批",
    CONVERSION: "转正审批",
}
RULES = {
    TALK: tr.TALK,
    REVIEW: tr.REVIEW,
    TRAINING: tr.TRAINING,
    APPROVAL: tr.APPROVAL,
    CONVERSION: tr.CONVERSION,
}
# The last recorded steps at which each item is open.
_OPEN_AT = {
    TALK: (Step.APPLICATION,),
    REVIEW: (Step.ACTIVIST, Step.ACTIVIST_FILED, Step.CONTACTS, Step.REVIEW),
    TRAINING: (Step.CANDIDATE, Step.CANDIDATE_FILED, Step.INTRODUCERS, Step.POLITICAL_REVIEW),
    APPROVAL: (Step.ADMISSION, Step.HIGHER_TALK),
    CONVERSION: (Step.CONVERSION_MEETING,),
}
_WATCHED = sorted({s for steps in _OPEN_AT.values() for s in steps})


@dataclass(frozen=True)
class DueItem:
    kind: str
    applicant_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    on: dt.date | None  # due date; None for training (due before the 预审, no date)
    since: dt.date  # the date the rule counts from
    overdue: bool

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def rule(self) -> tr.TimeRule:
        return tr.rule(RULES[self.kind])

    def title(self, today: dt.date) -> str:
        if self.on is None:
            return f"{self.name}已确定为发展对象，尚无集中培训记录（预审前须完成）"
        what = {
            TALK: "入党谈话",
            REVIEW: "半年一次的培养考察",
            APPROVAL: "上级党委审批接收预备党员",
            CONVERSION: "上级党委审批转正",
        }[self.kind]
        if self.overdue:
            return (
                f"{self.name}的{what}已超期 {(today - self.on).days} 天（期限{self.on:%Y-%m-%d}）"
            )
        return f"{self.name}的{what}最迟应于{self.on:%Y年%m月%d日}完成"


def _due_on(kind: str, row: dict[str, Any]) -> tuple[dt.date | None, dt.date] | None:
    """(due date, counted from) of `kind` for one applicant row, or None if not open."""
    if row["last_step"] not in _OPEN_AT[kind]:
        return None
    if kind == TALK:
        since = row["applied_on"]
        return add_months(since, tr.rule(tr.TALK)["within_months"]), since
    if kind == REVIEW:
        since = max(d for d in (row["activist_on"], row["review_on"]) if d is not None)
        return add_months(since, tr.rule(tr.REVIEW)["every_months"]), since
    if kind == TRAINING:
        return None, row["candidate_on"]
    if kind == APPROVAL:
        since = row["admitted_on"]
        return add_months(since, tr.rule(tr.APPROVAL)["within_months"]), since
    since = row["meeting_on"]
    return add_months(since, tr.rule(tr.CONVERSION)["approval_within_months"]), since


def open_applicants(user: Any, within: Any = None):
    """Open applicants the user may view whose last step leaves something due, with the
    dates the rules count from (one query when evaluated)."""
    qs = Applicant.objects.restrict(user, "view").filter(
        closed_on__isnull=True, last_step__in=_WATCHED
    )
    if within is not None:
        qs = qs.within(within)

    def at(*steps: int) -> Max:
        return Max("steps__done_on", filter=Q(steps__step__in=steps))

    return qs.annotate(
        activist_on=at(Step.ACTIVIST),
        review_on=at(Step.REVIEW),
        candidate_on=at(Step.CANDIDATE),
        admitted_on=at(Step.ADMISSION),
        meeting_on=at(Step.CONVERSION_MEETING),
    ).values(
        "pk",
        "name",
        "org_id",
        "org__name",
        "org__path",
        "applied_on",
        "last_step",
        "activist_on",
        "review_on",
        "candidate_on",
        "admitted_on",
        "meeting_on",
    )


def due(
    user: Any, today: dt.date, within: Any = None, ahead_days: int = AHEAD_DAYS
) -> list[DueItem]:
    """Items due within `ahead_days` of `today`, overdue ones, and missing trainings;
    overdue first (longest first), then by due date."""
    horizon = today + dt.timedelta(days=ahead_days)
    out: list[DueItem] = []
    for row in open_applicants(user, within).order_by():
        for kind in _OPEN_AT:
            found = _due_on(kind, row)
            if found is None:
                continue
            on, since = found
            if on is not None and on > horizon:
                continue
            out.append(
                DueItem(
                    kind=kind,
                    applicant_id=row["pk"],
                    name=row["name"],
                    org_id=row["org_id"],
                    org_name=row["org__name"],
                    org_path=row["org__path"],
                    on=on,
                    since=since,
                    overdue=on is not None and on < today,
                )
            )
    far = dt.date.max
    out.sort(key=lambda i: (not i.overdue, i.on or far, i.org_path, i.name, i.applicant_id))
    return out
