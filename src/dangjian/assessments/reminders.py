"""整改逾期提醒: overdue rectifications as a source of the rules app's daily reminders.

Registered from `AssessmentsConfig.ready()` (rules sits below assessments and cannot
import it). A rectification is overdue while it is 待整改 or 退回 after its deadline; one
submitted for 销号 waits for the raising side, not for the owner, so it is not reminded.

- The owner org's users who may answer it (`assessments.change_rectification`, found by
  the rules app's nearest-level rule: the branch secretary and the unit's admins) get one
  reminder per rectification and month while it stays overdue.
- The raising side (holders of `assessments.verify_rectification` at the raising org
  itself) gets one digest per month listing its overdue rectifications.
The dedupe key (user, kind, subject, month) makes a second run for the same day add nothing.
"""

from __future__ import annotations

import datetime as dt

from django.urls import NoReverseMatch

from dangjian.rules.models_notifications import NotificationKind
from dangjian.rules.reminder_sources import Draft, Links, register_source

from .models import Rectification, RectificationStatus

SOURCE = "rectifications"
LABEL = "整改逾期"
RULE_ID = ""
CITATION = "整改时限由提出问题的一方确定（默认自发现问题之日起30日内），逾期未整改的应督促落实。"
PERM_OWNER = "assessments.change_rectification"
PERM_RAISER = "assessments.verify_rectification"
DIGEST_SHOWN = 5


def _link(links: Links, name: str, pk: int) -> str:
    try:
        return links(name, pk)
    except NoReverseMatch:  # the assessment pages are not wired
        return ""


def overdue(day: dt.date):
    """Rectifications overdue on `day` (one query with their orgs and findings)."""
    return (
        Rectification.objects.overdue(day)
        .select_related("org", "finding__raised_by_org")
        .order_by("deadline", "pk")
    )


def overdue_drafts(day: dt.date, links: Links) -> list[Draft]:
    month = f"{day:%Y-%m}"
    out: list[Draft] = []
    by_raiser: dict[int, list[Rectification]] = {}
    for r in overdue(day):
        days = (day - r.deadline).days
        finding = r.finding
        status = "被退回后仍未重新提交" if r.status == RectificationStatus.RETURNED else "尚未提交"
        out.append(
            Draft(
                kind=NotificationKind.RECTIFICATION_OVERDUE,
                subject=f"rectification:{r.pk}",
                period=month,
                title=f"{r.org.name}的整改已逾期{days}天：{finding.text[:30]}",
                body=(
                    f"{finding.raised_by_org.name}于{finding.found_on:%Y-%m-%d}指出的问题"
                    f"（{finding.category}）：{finding.text[:200]}。整改时限为{r.deadline:%Y-%m-%d}，"
                    f"已逾期{days}天，整改情况{status}。请抓紧整改，并报送整改措施和佐证材料。"
                ),
                link=_link(links, "assessments:rectification_detail", r.pk),
                rule_id=RULE_ID,
                citation=CITATION,
                org_id=r.org_id,
                org_path=r.org.path,
                perm=PERM_OWNER,
                due_on=r.deadline,
            )
        )
        by_raiser.setdefault(finding.raised_by_org_id, []).append(r)
    for items in by_raiser.values():
        raiser = items[0].finding.raised_by_org
        shown = "；".join(
            f"{r.org.name}（时限{r.deadline:%m月%d日}）{r.finding.text[:20]}"
            for r in items[:DIGEST_SHOWN]
        )
        more = f"……共{len(items)}项" if len(items) > DIGEST_SHOWN else ""
        out.append(
            Draft(
                kind=NotificationKind.RECTIFICATION_OVERDUE,
                subject=f"raised:{raiser.pk}",
                period=month,
                title=f"{raiser.name}提出的问题中有{len(items)}项整改已逾期",
                body=f"截至{day:%Y-%m-%d}，以下整改已超过时限仍未提交：{shown}{more}。请督促整改责任组织落实。",
                link="",
                rule_id=RULE_ID,
                citation=CITATION,
                org_id=raiser.pk,
                org_path=raiser.path,
                perm=PERM_RAISER,
                exact=True,
            )
        )
    return out


def register() -> None:
    register_source(SOURCE, LABEL, overdue_drafts)
