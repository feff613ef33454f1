"""The 我的 page's own sections: reminders, upcoming meetings, organizational life.

Every query here starts from the member handed in — the one linked to the signed-in account
(members.ownership) — so the page can show nothing of anybody else (decisions/0011).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Subquery

from dangjian.activities import history
from dangjian.activities.models import Activity, NoticeReceipt, Participation
from dangjian.core.scoping import holds
from dangjian.dues.me import my_dues
from dangjian.honors.me import my_honors
from dangjian.members.models import Member, MemberStatus
from dangjian.orgs.termrules import add_years
from dangjian.rules.deadlines import anniversary, notice_days, probation_end
from dangjian.training.me import my_hours
from dangjian.volunteers.panels import my_volunteering

from .sections import Section, register

UPCOMING_SHOWN = 10
WEEKDAYS = "一二三四五六日"
RECENT_SHOWN = 5


def party_age(member: Member, day: dt.date) -> int | None:
    """党龄: whole years since becoming a full member (GLOSSARY), None while probationary."""
    since = member.full_member_on
    if since is None or member.status != MemberStatus.FULL or since > day:
        return None
    years = day.year - since.year
    return years - 1 if add_years(since, years) > day else years


def reminders(member: Member, day: dt.date, user: Any) -> dict | None:
    """政治生日 this month and the end of probation (预备期满); None when neither applies."""
    items = []
    if member.joined_on.month == day.month and member.joined_on.year < day.year:
        on = anniversary(member.joined_on, day.year)
        items.append(
            {
                "kind": "birthday",
                "title": "政治生日",
                "text": f"{on.month} 月 {on.day} 日是您入党 {on.year - member.joined_on.year} 周年的政治生日。",
                "on": on,
            }
        )
    if member.status == MemberStatus.PROBATIONARY:
        end = probation_end(member.joined_on)
        left = (end - day).days
        if left < 0:
            text = f"您的预备期已于 {end:%Y年%m月%d日} 满一年，请与党支部联系办理转正。"
        elif left <= notice_days():
            text = f"您的预备期将于 {end:%Y年%m月%d日} 满一年（还有 {left} 天），请按时向党支部提出转正申请。"
        else:
            text = f"您的预备期至 {end:%Y年%m月%d日} 满一年。"
        items.append({"kind": "probation", "title": "预备期满", "text": text, "on": end})
    return {"items": items} if items else None


def upcoming(member: Member, day: dt.date, user: Any) -> dict:
    """The notices of meetings the member is expected at (their receipts), soonest first."""
    read_at = NoticeReceipt.objects.filter(activity=OuterRef("pk"), member=member).values(
        "read_at"
    )[:1]
    notices = list(
        Activity.objects.notices_for(member, day)
        .select_related("org")
        .only(
            "kind",
            "title",
            "planned_on",
            "starts_at",
            "ends_at",
            "place",
            "org__name",
            "org__path",
        )
        .annotate(read_at=Subquery(read_at))[:UPCOMING_SHOWN]
    )
    for notice in notices:
        notice.weekday = WEEKDAYS[notice.planned_on.weekday()]
        # The link only where the member may open the activity page (their org's records).
        notice.openable = holds(user, "activities.view_activity", notice.org.path)
    return {"notices": notices}


def organizational_life(member: Member, day: dt.date, user: Any) -> dict:
    """学时 and attendance per year, and the latest activities, from the member's own rows."""
    mine = Participation.objects.filter(member=member)
    recent = list(history.rows(mine)[:RECENT_SHOWN])
    for p in recent:
        p.openable = holds(user, "activities.view_activity", p.activity.org.path)
    return {"years": history.years(mine), "recent": recent}


register(Section("reminders", "我的提醒", "selfservice/_reminders.html", reminders, order=10))
register(Section("upcoming", "近期会议", "selfservice/_upcoming.html", upcoming, order=20))
register(Section("life", "我的组织生活", "selfservice/_life.html", organizational_life, order=30))
register(Section("dues", "我的党费", "dues/_me.html", my_dues, order=40))
register(Section("volunteers", "我的志愿服务", "volunteers/_me.html", my_volunteering, order=60))
register(Section("hours", "我的学时", "training/_hours.html", my_hours, order=35))
register(Section("honors", "我的荣誉", "honors/_me.html", my_honors, order=50))
