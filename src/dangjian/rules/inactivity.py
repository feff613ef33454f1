"""Members who have not taken part in organizational life for months (党章 第九条).

A member's clock starts at the latest of: the last activity they attended (status
出席, in whichever branch), the day they joined the party, the day they last arrived from
outside the system (a transfer in with no source org in the tree: 组织关系转入), and the
end of their last exemption (免于参加: 年老体弱, 长期外出 …) — time covered by an exemption,
or spent before they were ours, is not time "without organizational life". A move between
two orgs of the tree does not restart it: the six months are the member's, not the branch's. A member under an
exemption on the day is not flagged at all. ≥ 4 months → warning, ≥ 6 months → alert.

One query for the whole scope: the member rows with correlated MAX() subqueries (the
(member, activity) index of Participation serves them); no query per member.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

from dangjian.activities.models import Participation, ParticipationStatus
from dangjian.core.db import path_prefix_q
from dangjian.members import presence
from dangjian.members.models import Exemption, Member, Transfer
from dangjian.orgs.models import Organization
from dangjian.orgs.termrules import add_months

from . import loader
from .models import RuleExemption

WARNING_MONTHS = 4
ALERT_MONTHS = 6

WARNING = "warning"
ALERT = "alert"
LEVEL_LABELS = {WARNING: "4个月以上未参加组织生活", ALERT: "6个月以上未参加组织生活"}
LEVEL_BADGES = {WARNING: "bg-yellow-lt", ALERT: "bg-red-lt"}

# regulations.md §F, `member.inactive.six_months`: 党章 第九条, verified.
RULE_ID = "member.inactive.six_months"
CITATION = (
    "《中国共产党章程》第九条：“党员如果没有正当理由，连续六个月不参加党的组织生活，"
    "或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。”（已核实）"
)


def citation() -> str:
    try:
        return loader.get_rule(RULE_ID).citation.text()
    except LookupError:
        return CITATION


def thresholds() -> tuple[int, int]:
    """(warning, alert) months: the rule's params, else 4 and 6."""
    try:
        params = loader.get_rule(RULE_ID).params
    except LookupError:
        return WARNING_MONTHS, ALERT_MONTHS
    return (
        int(params.get("warn_after_months", WARNING_MONTHS)),
        int(params.get("alert_after_months", ALERT_MONTHS)),
    )


def months_before(day: dt.date, months: int) -> dt.date:
    """The latest start from which `months` months have passed by `day`.

    Counting forward with month-end clamping (31 December + 6 months = 30 June), so on
    the last day of a month every later day of the start month qualifies too.
    """
    cutoff = add_months(day, -months)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        cutoff = cutoff.replace(day=calendar.monthrange(cutoff.year, cutoff.month)[1])
    return cutoff


def _latest(queryset, column: str) -> Subquery:
    """MAX(column) of `queryset` per outer member, as a correlated scalar subquery."""
    return Subquery(
        queryset.order_by().values("member_id").annotate(latest=Max(column)).values("latest"),
        output_field=DateField(),
    )


def inactive_members(
    user: Any,
    day: dt.date,
    within: Organization | None = None,
    months: int | None = None,
):
    """Members in scope inactive for at least `months` on `day`, annotated `inactive_since`.

    Only members on the roll on `day` (`members.presence`); members
    under an exemption covering `day` (免于参加, or a `RuleExemption` of this rule for the
    member or their org) are left out. `months` defaults to the warning threshold.
    """
    if months is None:
        months = thresholds()[0]
    attended = Participation.objects.filter(
        member_id=OuterRef("pk"),
        status=ParticipationStatus.ATTENDED,
        activity__held_on__lte=day,
    )
    exemption_ended = Exemption.objects.filter(member_id=OuterRef("pk"), ends_on__lt=day)
    # Arrivals from outside only; an internal move keeps the member's clock (党章 第九条).
    transferred_in = Transfer.objects.filter(
        member_id=OuterRef("pk"),
        from_org__isnull=True,
        to_org__isnull=False,
        transferred_on__lte=day,
    )
    exempt_now = Exemption.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        member_id=OuterRef("pk"),
        starts_on__lte=day,
    )
    rule_exempt_now = RuleExemption.objects.filter(
        Q(member_id=OuterRef("pk")) | Q(member__isnull=True, org_id=OuterRef("org_id")),
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        Q(expires_on__isnull=True) | Q(expires_on__gte=day),
        rule_id=RULE_ID,
        starts_on__lte=day,
    )
    # On the roll on `day` (members.presence: a member who left later is still judged on
    # a day before, one who arrived from outside later is not yet), in `within` on that day.
    subtree = None
    if within is not None:
        subtree = Organization.objects.filter(path_prefix_q("path", within.path)).values("pk")
    qs = Member.objects.restrict(user, "view").filter(presence.present_q(day, subtree))
    joined = F("joined_on")
    return (
        qs.annotate(last_attended=_latest(attended, "activity__held_on"))
        .annotate(
            inactive_since=Greatest(
                Coalesce("last_attended", joined),
                Coalesce(_latest(exemption_ended, "ends_on"), joined),
                Coalesce(_latest(transferred_in, "transferred_on"), joined),
                output_field=DateField(),
            ),
        )
        .filter(inactive_since__lte=months_before(day, months))
        .exclude(Exists(exempt_now))
        .exclude(Exists(rule_exempt_now))
    )


@dataclass
class InactiveMember:
    member_id: int
    name: str
    org_id: int
    org_name: str
    org_path: str
    last_attended: dt.date | None
    inactive_since: dt.date
    level: str

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def level_badge(self) -> str:
        return LEVEL_BADGES[self.level]


def level_for(inactive_since: dt.date, day: dt.date) -> str | None:
    """ALERT at ≥ 6 months, WARNING at ≥ 4 months, else None (month arithmetic, not days)."""
    warn, alert = thresholds()
    if inactive_since <= months_before(day, alert):
        return ALERT
    if inactive_since <= months_before(day, warn):
        return WARNING
    return None


def find_inactive(
    user: Any, day: dt.date, within: Organization | None = None
) -> list[InactiveMember]:
    """Warning and alert rows for `day`, longest inactive first (one query)."""
    warn, alert = thresholds()
    alert_cutoff = months_before(day, alert)
    rows = (
        inactive_members(user, day, within, warn)
        .order_by("inactive_since", "org__path", "name", "pk")
        .values("pk", "name", "org_id", "org__name", "org__path", "last_attended", "inactive_since")
    )
    return [
        InactiveMember(
            member_id=r["pk"],
            name=r["name"],
            org_id=r["org_id"],
            org_name=r["org__name"],
            org_path=r["org__path"],
            last_attended=r["last_attended"],
            inactive_since=r["inactive_since"],
            level=ALERT if r["inactive_since"] <= alert_cutoff else WARNING,
        )
        for r in rows
    ]
