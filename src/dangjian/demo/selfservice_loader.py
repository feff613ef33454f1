"""The demo's member self-service (issue 9): accounts linked to member records, and notices.

- The branch-level demo accounts are linked to the member records whose names they carry:
  `dangyuan` (an ordinary member), `shuji` (the branch's 书记), `zuzhi` (its 组织委员).
- Every other member on the roll of shuji's branch and its 党小组 gets a member account
  (党员 at the member's own org; username from `selfservice.services`: pinyin initials + the
  member's id, e.g. zw1234; the published demo password, hashed once for all of them).
- shuji's branch has meeting notices in the coming weeks (a 党小组会, a 支部党员大会, a 党课),
  each with its agenda and a receipt for every member expected that day.

Rows are written in bulk inside the loader's transaction; its `demo_load` event covers them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from dangjian.accounts.models import PasswordHistory, RoleAssignment, User
from dangjian.accounts.roles import ROLES
from dangjian.activities.attendance import expected_attendees
from dangjian.activities.models import Activity, ActivityKind, AgendaItem, NoticeReceipt
from dangjian.members.models import Member, MembershipState
from dangjian.orgs.models import Organization, OrgKind
from dangjian.selfservice.services import free_usernames

MEMBER_ROLE = "party_member"
USERNAME_PATTERN = "姓名拼音首字母加党员编号"


@dataclass(frozen=True)
class NoticePlan:
    days_ahead: int
    kind: str
    title: str
    starts_at: dt.time
    ends_at: dt.time
    place: str
    agenda: tuple[str, ...]
    in_group: bool = False  # held by the branch's first 党小组


NOTICES = (
    NoticePlan(
        4,
        ActivityKind.GROUP_MEETING,
        "党小组会：交流学习体会",
        dt.time(16, 0),
        dt.time(17, 0),
        "小会议室",
        ("交流近期学习体会", "开展批评和自我批评"),
        in_group=True,
    ),
    NoticePlan(
        9,
        ActivityKind.MEMBER_ASSEMBLY,
        "支部党员大会",
        dt.time(14, 30),
        dt.time(16, 30),
        "机关三楼党员活动室",
        ("传达学习上级会议精神", "通报支部近期工作", "讨论下阶段工作安排"),
    ),
    NoticePlan(
        16,
        ActivityKind.PARTY_LECTURE,
        "书记讲党课",
        dt.time(15, 0),
        dt.time(16, 30),
        "机关三楼党员活动室",
        ("书记讲党课：加强党性修养",),
    ),
)


def link_accounts(links: dict[int, int]) -> None:
    """Member id → user id for the demo's own accounts (dangyuan, shuji, zuzhi)."""
    members = list(Member.objects.filter(pk__in=links).only("pk"))
    for m in members:
        m.account_id = links[m.pk]
    Member.objects.bulk_update(members, ["account"])


def open_member_accounts(branch: Organization, hashed: str) -> list[User]:
    """A member account for every member on the roll of `branch`'s subtree without one."""
    members = list(
        Member.objects.filter(
            org__path__startswith=branch.path,
            membership=MembershipState.NORMAL,
            account__isnull=True,
        )
        .select_related("org")
        .only("pk", "name", "name_initials", "org__path")
        .order_by("org__path", "name", "pk")
    )
    now = timezone.now()
    users = [
        User(username=name, display_name=m.name, password=hashed, password_changed_at=now)
        for m, name in zip(members, free_usernames(members), strict=True)
    ]
    User.objects.bulk_create(users)
    PasswordHistory.objects.bulk_create(PasswordHistory(user=u, password=hashed) for u in users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=MEMBER_ROLE, org_id=m.org_id)
        for u, m in zip(users, members, strict=True)
    )
    for m, u in zip(members, users, strict=True):
        m.account_id = u.pk
    Member.objects.bulk_update(members, ["account"], batch_size=500)
    return users


def write_notices(branch: Organization, today: dt.date, recorded_by: User | None) -> int:
    """The branch's notices in the coming weeks, with their agenda and receipts."""
    group = (
        Organization.objects.filter(
            path__startswith=branch.path, depth=branch.depth + 1, kind=OrgKind.PARTY_GROUP
        )
        .order_by("path")
        .first()
    )
    written = 0
    for n in NOTICES:
        org = group if n.in_group and group is not None else branch
        if n.in_group and group is None:
            continue
        day = today + dt.timedelta(days=n.days_ahead)
        notice = Activity.objects.create(
            org=org,
            kind=n.kind,
            title=f"{day.year}年{day.month}月{n.title}",
            planned_on=day,
            starts_at=n.starts_at,
            ends_at=n.ends_at,
            place=n.place,
            recorded_by=recorded_by,
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(activity=notice, order=i, title=t, is_first_topic=i == 1)
            for i, t in enumerate(n.agenda, start=1)
        )
        NoticeReceipt.objects.bulk_create(
            NoticeReceipt(activity=notice, member=e.member)
            for e in expected_attendees(org, n.kind, day)
            if not e.exempt
        )
        written += 1
    return written


def summary_row(branch: Organization, users: list[User], password: str) -> dict:
    """The line the demo prints for the member accounts (beside the named demo accounts)."""
    example = users[0].username if users else ""
    return {
        "username": f"{example} 等 {len(users)} 个" if users else "（无）",
        "display_name": f"其他党员（用户名为{USERNAME_PATTERN}）",
        "role": MEMBER_ROLE,
        "role_label": ROLES[MEMBER_ROLE].label,
        "org": branch.name,
        "password": password,
    }


def existing_member_accounts(branch: Organization, exclude: tuple[str, ...]) -> list[User]:
    """The member accounts of `branch`'s subtree as they exist now (printing a skipped load)."""
    return list(
        User.objects.filter(
            member__org__path__startswith=branch.path, role_assignments__role=MEMBER_ROLE
        )
        .exclude(username__in=exclude)
        .order_by("member__org__path", "member__name", "pk")
        .distinct()
    )


def linked_member_accounts():
    """Accounts linked to a member record holding nothing but the 党员 role: what a reset
    deletes with the members (a linked admin account is the deployment's, not the demo's)."""
    others = [code for code in ROLES if code != MEMBER_ROLE]
    return User.objects.filter(member__isnull=False).exclude(Q(role_assignments__role__in=others))
