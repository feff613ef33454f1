"""The inbox's display side: filters, groups and digests over the user's own reminders.

A secretary has a few dozen reminders; the 工委 and a unit admin have hundreds (every
unit's digests, every branch's 换届 and 整改). So the inbox shows them grouped — by kind
and org, or for the upper levels one line per unit — and each group is read, drilled into
or marked read as a whole. Every figure comes from one aggregate query over the user's
own rows (`Notification.objects.for_user`), never a query per group; marking a group read
is one UPDATE over the same filtered rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core.bounds import parse_id
from dangjian.core.db import path_prefix_q
from dangjian.core.scoping import scope_paths
from dangjian.orgs.models import Organization

from .loader import get_library
from .models_notifications import Notification, NotificationKind

STEP = Organization.steplen
# Every org role carries it (docs/rules.md): the depth of a user's top org, whatever the role.
ROLE_PERM = "rules.view_compliance"

PERIODS: dict[str, tuple[str, int]] = {
    "week": ("近一周", 7),
    "month": ("近一个月", 31),
    "quarter": ("近三个月", 92),
    "year": ("近一年", 366),
}
STATUSES = {"unread": "未读", "read": "已读"}
VIEWS = {"digest": "按单位汇总", "groups": "按类型和组织分组", "list": "逐条列出"}


@dataclass
class Filters:
    """The inbox's filters, parsed and checked; a bad value is dropped with a message."""

    kind: str = ""
    org: Organization | None = None
    period: str = ""
    status: str = ""
    exact: bool = False  # the org itself (or no org), not its subtree: a group's reminders
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.kind or self.org or self.period or self.status or self.exact)

    def params(self, **override: Any) -> dict[str, Any]:
        """Query parameters that reproduce these filters (with `override` applied)."""
        values: dict[str, Any] = {
            "kind": self.kind,
            "org": self.org.pk if self.org else "",
            "period": self.period,
            "status": self.status,
            "exact": 1 if self.exact else "",
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}

    def query(self, **override: Any) -> str:
        return urlencode(self.params(**override))


def parse_filters(user: Any, data: Mapping[str, str]) -> Filters:
    """`kind`, `org` (an org the user can view: its whole subtree), `period`, `status`."""
    f = Filters()
    kind = data.get("kind", "")
    if kind:
        if kind in NotificationKind.values:
            f.kind = kind
        else:
            f.errors.append("提醒类型无效，已显示全部类型。")
    raw_org = data.get("org", "")
    if raw_org:
        pk = parse_id(raw_org)
        org = (
            Organization.objects.restrict(user, "view").filter(pk=pk).first()
            if pk is not None
            else None
        )
        if org is None:
            f.errors.append("未找到该党组织，已显示全部组织的提醒。")
        f.org = org
    period = data.get("period", "")
    if period:
        if period in PERIODS:
            f.period = period
        else:
            f.errors.append("时间范围无效，已显示全部时间。")
    f.exact = data.get("exact") == "1"
    status = data.get("status", "") or ("unread" if data.get("unread") == "1" else "")
    if status:
        if status in STATUSES:
            f.status = status
        else:
            f.errors.append("阅读状态无效，已显示全部提醒。")
    return f


def filtered(user: Any, f: Filters, now: dt.datetime | None = None):
    """The user's own reminders that match `f` (a queryset; nothing evaluated yet)."""
    qs = Notification.objects.for_user(user)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.exact:
        qs = qs.filter(org=f.org) if f.org is not None else qs.filter(org__isnull=True)
    elif f.org is not None:
        qs = qs.filter(path_prefix_q("org__path", f.org.path))
    if f.period:
        qs = qs.filter(
            created__gte=(now or timezone.now()) - dt.timedelta(days=PERIODS[f.period][1])
        )
    if f.status == "unread":
        qs = qs.unread()
    elif f.status == "read":
        qs = qs.filter(read_at__isnull=False)
    return qs


def top_depth(user: Any) -> int | None:
    """Depth of the user's highest org (1 = the 工委, 2 = a unit); 0 for the whole tree."""
    paths = scope_paths(user, ROLE_PERM)
    if not paths:
        return None
    return min(len(p) for p in paths) // STEP


def default_view(user: Any) -> str:
    """The 工委 and unit admins start from the digest; everyone else from the groups."""
    depth = top_depth(user)
    return "digest" if depth is not None and depth <= 2 else "groups"


def digest_depth(user: Any) -> int:
    """The level a digest groups by: units for the 工委, the level below for a unit admin."""
    depth = top_depth(user) or 1
    return max(depth + 1, 2)


def digest_label(user: Any) -> str:
    return "按单位汇总" if digest_depth(user) == 2 else "按下级组织汇总"


# --- groups by kind and org ------------------------------------------------------------


@dataclass
class Group:
    kind: str
    org_id: int | None
    org_name: str
    total: int
    unread: int
    latest: dt.datetime
    latest_title: str
    drill: str = ""  # query string of the list of this group's reminders

    @property
    def kind_label(self) -> str:
        return str(NotificationKind(self.kind).label)


def groups(qs) -> list[Group]:
    """One row per (kind, org) of `qs`: counts, newest time and title — one query."""
    newest = qs.filter(kind=OuterRef("kind"), org_id=OuterRef("org_id")).order_by("-created", "-id")
    rows = (
        qs.values("kind", "org_id", "org__name")
        .annotate(
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            latest=Max("created"),
            latest_title=Subquery(newest.values("title")[:1]),
        )
        .order_by("-unread", "-latest", "kind", "org_id")
    )
    return [
        Group(
            r["kind"],
            r["org_id"],
            r["org__name"] or "",
            r["total"],
            r["unread"],
            r["latest"],
            r["latest_title"] or "",
        )
        for r in rows
    ]


# --- the digest by unit ----------------------------------------------------------------


@dataclass
class Digest:
    org_id: int | None
    name: str
    total: int = 0
    unread: int = 0
    latest: dt.datetime | None = None
    kinds: list[tuple[str, int, int]] = field(default_factory=list)  # (label, total, unread)
    own: bool = False  # reminders about the level itself, not an org below it
    drill: str = ""  # query string of this row's groups


def digests(qs, depth: int, top: Organization | None = None) -> list[Digest]:
    """One row per org at `depth` (its subtree's reminders), per-kind counts — two queries.

    Reminders about an org above `depth` (the unit itself, the 工委) form a row of their
    own; those without an org one more. Rows with unread reminders first, then the newest.
    """
    cut = depth * STEP
    rows = (
        qs.annotate(bucket=Substr("org__path", 1, cut))
        .values("bucket", "kind")
        .annotate(
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            latest=Max("created"),
        )
        .order_by()
    )
    by_bucket: dict[str | None, Digest] = {}
    for r in rows:
        bucket = r["bucket"] or None
        d = by_bucket.setdefault(bucket, Digest(None, ""))
        d.total += r["total"]
        d.unread += r["unread"]
        d.latest = max(d.latest, r["latest"]) if d.latest else r["latest"]
        d.kinds.append((str(NotificationKind(r["kind"]).label), r["total"], r["unread"]))
    paths = [b for b in by_bucket if b]
    names = {
        path: (pk, name)
        for path, pk, name in Organization.objects.filter(path__in=paths).values_list(
            "path", "pk", "name"
        )
    }
    for bucket, d in by_bucket.items():
        d.kinds.sort(key=lambda k: (-k[2], -k[1], k[0]))
        if bucket is None:
            d.name = "未关联党组织"
            continue
        d.org_id, d.name = names.get(bucket, (None, "已撤销的党组织"))
        d.own = len(bucket) < cut
    return sorted(
        by_bucket.values(),
        key=lambda d: (
            d.unread == 0,
            -(d.latest.timestamp() if d.latest else 0),
            d.name,
        ),
    )


# --- items -----------------------------------------------------------------------------


def with_rule_titles(items: Iterable[Notification]) -> list[Notification]:
    """Give each reminder the title of the rule it cites (users never see a rule id)."""
    library = get_library()
    out = list(items)
    for n in out:
        title = library.get(n.rule_id).title if n.rule_id and n.rule_id in library else ""
        n.rule_title = title  # type: ignore[attr-defined]  # display only, not a field
    return out


def mark_read(user: Any, f: Filters, *, kind: str = "", org_id: int | None = None, exact=False):
    """Mark the user's unread reminders matching `f` (and a group) read: one UPDATE.

    `exact`: the group is one org (`org_id`, or no org when it is None); otherwise `f.org`
    (a digest row is passed as that filter) covers its subtree.
    """
    qs = filtered(user, f).unread()
    if kind:
        qs = qs.filter(kind=kind)
    if exact:
        qs = qs.filter(org__isnull=True) if org_id is None else qs.filter(org_id=org_id)
    return qs.update(read_at=timezone.now())
