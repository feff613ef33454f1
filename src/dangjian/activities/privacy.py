"""Who may read who was away, and why.

A leave or absence reason ("病假", "年老体弱") is about one member's life: it is shown to
those who manage the activity's org (they recorded it) and to the member it is about —
never to the other members or read-only viewers of the org, on a page or through the API.
The list of who attended is shown to those who may view the org's attendance (not the 党员
role, decisions/0011); a member always sees their own row.
"""

from __future__ import annotations

from typing import Any

from dangjian.core.scoping import holds
from dangjian.members.ownership import own_member

MANAGE = "activities.change_participation"
LIST = "activities.view_participation"


def manages(user: Any, org_path: str) -> bool:
    """Does `user` manage the activities of the org at `org_path` (no query)?"""
    return holds(user, MANAGE, org_path)


def shown_reason(user: Any, participation: Any, org_path: str) -> str:
    """The reason of `participation` as `user` may see it: in full, or empty."""
    if not participation.reason:
        return ""
    if manages(user, org_path):
        return participation.reason
    me = own_member(user)
    return participation.reason if me is not None and me.pk == participation.member_id else ""


def listed_rows(user: Any, rows: list[Any], org_path: str) -> list[Any]:
    """The attendance rows of one activity `user` may see listed: all of them for those
    who may view the org's attendance, else only the user's own."""
    if holds(user, LIST, org_path):
        return rows
    me = own_member(user)
    return [p for p in rows if me is not None and p.member_id == me.pk]
