"""Test helpers: activities, members and exemptions created directly (no services needed)."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.activities.models import Activity, AgendaItem
from dangjian.members.models import Member
from dangjian.rules.models import RuleExemption

_seq = itertools.count(1)


def act(org, kind: str, day: dt.date, *, first_topic: bool | None = None) -> Activity:
    activity = Activity.objects.create(org=org, kind=kind, title=f"{kind} {day}", held_on=day)
    if first_topic is not None:
        AgendaItem.objects.create(activity=activity, title="议题", is_first_topic=first_topic)
    return activity


def member(
    org, *, full_on: dt.date | None, joined_on: dt.date = dt.date(2010, 7, 1), **fields
) -> Member:
    n = next(_seq)
    fields.setdefault("status", "full" if full_on else "probationary")
    m = Member(
        org=org,
        name=f"测试党员{n:04d}",
        gender="male",
        joined_on=joined_on,
        full_member_on=full_on,
        **fields,
    )
    m.save()
    return m


def exempt(
    org, rule_id: str, starts_on: dt.date, ends_on: dt.date | None = None, **fields
) -> RuleExemption:
    fields.setdefault("reason", "机构改革")
    fields.setdefault("approved_by", "市直机关工委")
    return RuleExemption.objects.create(
        org=org, rule_id=rule_id, starts_on=starts_on, ends_on=ends_on, **fields
    )
