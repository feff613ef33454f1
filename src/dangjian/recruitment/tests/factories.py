"""Helpers for recruitment tests: an applicant walked to a given step through the services,
on a calendar chosen by the test (every date explicit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.scoping import SYSTEM
from dangjian.members.tests.factories import MemberFactory, make_id_number
from dangjian.recruitment import services
from dangjian.recruitment.models import Applicant, ApplicationFormPool, Step

BIRTH = dt.date(1995, 5, 20)


def new_applicant(user: Any, org, applied_on=dt.date(2022, 1, 10), **fields: Any) -> Applicant:
    birth = fields.pop("birth_date", BIRTH)
    values = {
        "org": org,
        "name": fields.pop("name", "王小明"),
        "gender": "male",
        "birth_date": birth,
        "id_number": make_id_number(birth, male=True),
        "phone": "13900001111",
        "applied_on": applied_on,
    }
    values.update(fields)
    return services.create_applicant(user, **values)


def full_members(org, n: int = 2):
    return [MemberFactory(org=org, joined_on=dt.date(2010, 1, 1)) for _ in range(n)]


VOTE = {"expected": 9, "present": 8, "votes_yes": 8, "votes_no": 0, "votes_abstain": 0}

# A calendar keeping every rule: application 2022-01-10 … 转正 2024-06.
CALENDAR: dict[int, dt.date] = {
    2: dt.date(2022, 2, 10),
    3: dt.date(2022, 3, 1),
    4: dt.date(2022, 3, 5),
    5: dt.date(2022, 3, 6),
    6: dt.date(2022, 9, 1),
    7: dt.date(2023, 3, 1),
    8: dt.date(2023, 3, 5),
    9: dt.date(2023, 3, 6),
    10: dt.date(2023, 3, 20),
    11: dt.date(2023, 4, 10),
    12: dt.date(2023, 4, 20),
    13: dt.date(2023, 5, 10),
    14: dt.date(2023, 5, 20),
    15: dt.date(2023, 6, 1),
    16: dt.date(2023, 6, 10),
    17: dt.date(2023, 7, 1),
    18: dt.date(2023, 7, 10),
    19: dt.date(2023, 7, 11),
    20: dt.date(2023, 7, 12),
    21: dt.date(2023, 12, 1),
    22: dt.date(2024, 5, 20),
    23: dt.date(2024, 6, 1),
    24: dt.date(2024, 6, 20),
    25: dt.date(2024, 7, 1),
}


def step_kwargs(step: int, people: list, applicant: Applicant) -> dict[str, Any]:
    """What the services need besides the date for a step that keeps every rule."""
    if step == Step.CONTACTS:
        return {"contacts": people[:1]}
    if step == Step.INTRODUCERS:
        return {"introducers": people[:2]}
    if step == Step.TRAINING:
        return {"training_days": 3}
    if step in (Step.COMMITTEE_REVIEW, Step.ADMISSION, Step.CONVERSION_MEETING):
        return dict(VOTE)
    if step == Step.POLITICAL_REVIEW:
        return {"political_review": "政治审查合格"}
    return {}


def pool_for(applicant: Applicant, year: int) -> ApplicationFormPool:
    """The year's pool at the applicant's parent org (the unit's 党委), made once."""
    parent = applicant.org.get_parent()
    prefix = "" if parent.name.startswith("甲") else f"{parent.pk}-"  # codes unique city-wide
    pool, _ = ApplicationFormPool.objects.get_or_create(
        org=parent, year=year, defaults={"first": 1, "last": 999, "prefix": prefix}
    )
    return pool


def walk(user: Any, applicant: Applicant, to: int, *, people=None, calendar=None, issuer=SYSTEM):
    """Record steps last_step+1..`to` on `calendar` (default CALENDAR); the 志愿书 number is
    issued before step 14 by `issuer` (the unit's 党委 in real life) from `pool_for`."""
    calendar = {**CALENDAR, **(calendar or {})}
    people = people if people is not None else full_members(applicant.org)
    for step in range(applicant.last_step + 1, to + 1):
        if step == Step.FORM and not applicant.application_form_number:
            pool = pool_for(applicant, calendar[13].year)
            services.issue_form_number(issuer, applicant, pool, issued_on=calendar[13])
        services.record_step(
            user, applicant, step, calendar[step], **step_kwargs(step, people, applicant)
        )
        applicant.refresh_from_db()
    return applicant
