"""What the 发展党员 pages show, built set-based: the pipeline's counts per stage, its list of
people with their next step and its due date, and the yearly 发展 figures per unit.

A page costs a fixed number of queries whatever the number of people: one aggregate for
the counts, one page of applicants (with their org and member), and the deadlines' one
query (`recruitment.deadlines.due`) for the people due or overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from . import deadlines
from .models import Applicant, RecruitmentStep, Stage, Step

# A person with nothing due whose last step is older than this reads as stuck (停滞): the
# branch should look at them (a forgotten record, or someone who should be closed).
STUCK_DAYS = 365
PER_PAGE = 30
OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


@dataclass
class StageCount:
    code: str
    label: str
    count: int


def converted_since(day: dt.date) -> Exists:
    """An applicant whose 转正 was approved (step 24) on or after `day`."""
    return Exists(
        RecruitmentStep.objects.filter(
            applicant=OuterRef("pk"), step=Step.CONVERSION_APPROVAL, done_on__gte=day
        )
    )


def stage_counts(qs: Any, today: dt.date) -> list[StageCount]:
    """Open people per stage, and those who became full members this year (one query)."""
    converted = converted_since(dt.date(today.year, 1, 1))
    open_q = Q(closed_on__isnull=True)
    figures = qs.order_by().aggregate(
        **{code: Count("pk", filter=open_q & Q(stage=code)) for code in OPEN_STAGES},
        full=Count("pk", filter=Q(stage=Stage.FULL) & Q(converted)),
    )
    out = [StageCount(code, str(Stage(code).label), figures[code] or 0) for code in OPEN_STAGES]
    out.append(StageCount(Stage.FULL, "本年转正", figures["full"] or 0))
    return out


def next_steps(last_step: int) -> list[int]:
    """The steps that may be recorded after `last_step`: the next one, and while the person
    is an activist with contacts, another half-yearly 培养教育考察 as well."""
    if last_step >= Step.ARCHIVED:
        return []
    if last_step in (Step.CONTACTS, Step.REVIEW):
        return [Step.REVIEW, Step.CANDIDATE]
    return [last_step + 1]


@dataclass
class PipelineRow:
    applicant: Applicant
    next_step: int | None
    due_on: dt.date | None
    due_label: str
    overdue: bool
    soon: bool
    stuck: bool

    @property
    def last_label(self) -> str:
        return str(Step(self.applicant.last_step).label)

    @property
    def next_label(self) -> str:
        return str(Step(self.next_step).label) if self.next_step else ""


def due_by_applicant(user: Any, today: dt.date, within: Any) -> dict[int, deadlines.DueItem]:
    """The most pressing dated item of each person (one query for the whole scope)."""
    found: dict[int, deadlines.DueItem] = {}
    for item in deadlines.due(user, today, within, ahead_days=3650):
        known = found.get(item.applicant_id)
        if known is None or (item.on is not None and (known.on is None or item.on < known.on)):
            found[item.applicant_id] = item
    return found


def pipeline_rows(
    applicants: list[Applicant], due: dict[int, deadlines.DueItem], today: dt.date
) -> list[PipelineRow]:
    """Each applicant of a page with the next step, its due date and the warnings (no query:
    the applicants come with their member, the due items from `due_by_applicant`)."""
    soon_day = today + dt.timedelta(days=deadlines.AHEAD_DAYS)
    rows = []
    for a in applicants:
        steps = next_steps(a.last_step) if not a.closed_on else []
        nxt = steps[-1] if steps else None
        item = due.get(a.pk)
        due_on: dt.date | None = None
        label = ""
        if item is not None:
            due_on, label = item.on, item.label
            if item.kind == deadlines.REVIEW:
                nxt = Step.REVIEW
        elif a.member is not None and a.last_step < Step.CONVERSION_MEETING:
            # 预备期满 (extension included) is when 转正 is discussed (第三十一条).
            due_on, label = a.member.probation_ends_on, "预备期满讨论转正"
        overdue = due_on is not None and due_on < today and not a.closed_on
        last_on = a.last_step_on or a.applied_on
        stuck = (
            not a.closed_on
            and nxt is not None
            and item is None
            and a.member is None
            and (today - last_on).days > STUCK_DAYS
        )
        rows.append(
            PipelineRow(
                applicant=a,
                next_step=nxt,
                due_on=due_on,
                due_label=label,
                overdue=overdue,
                soon=not overdue and due_on is not None and due_on <= soon_day,
                stuck=stuck,
            )
        )
    return rows


@dataclass
class PlanRow:
    unit_id: int | None
    name: str
    applied: int = 0
    admitted: int = 0
    converted: int = 0


def yearly_by_unit(user: Any, year: int, within: Any = None) -> list[PlanRow]:
    """Per 机关单位 (the unit of the applicant's org), in the user's scope: applications
    received, people admitted (支部大会) and converted (转正审批) in `year` — one grouped
    query."""
    steps = RecruitmentStep.objects.restrict(user, "view").filter(
        done_on__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        step__in=(Step.APPLICATION, Step.ADMISSION, Step.CONVERSION_APPROVAL),
    )
    if within is not None:
        steps = steps.within(within)
    rows: dict[int | None, PlanRow] = {}
    field = {Step.APPLICATION: "applied", Step.ADMISSION: "admitted"}
    for step, unit_id, unit_name, n in (
        steps.values_list("step", "applicant__org__unit_id", "applicant__org__unit__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = rows.setdefault(unit_id, PlanRow(unit_id, unit_name or "未关联单位"))
        name = field.get(step, "converted")
        setattr(row, name, getattr(row, name) + n)
    return sorted(rows.values(), key=lambda r: (-r.admitted, r.name))
