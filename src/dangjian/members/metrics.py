"""Member metrics: members on the roll at the year's end and exits in the year.

Both count through `scope.restrict` (the member's org) and read membership on a date from
`members.presence`, the rule every other membership count uses.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.core.metrics import Metric, MetricScope, metric, registry

from . import presence
from .models import Exit, ExitKind, Member


def _on_roll(scope: MetricScope):
    """Members on the roll on 31 December of the year (or today, for the current year)."""
    end = min(dt.date(scope.year, 12, 31), timezone.localdate())
    return scope.restrict(Member.objects.filter(presence.present_q(end)))


@metric(
    "members.count",
    "党员人数",
    "人",
    drilldown=_on_roll,
    description="年末在册党员（当年尚未结束时为今日）；已出党、已转出的自离开之日起不计。",
)
def member_count(scope: MetricScope) -> int:
    return _on_roll(scope).count()


def _exits(scope: MetricScope, **filters):
    year = (dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31))
    return scope.restrict(Exit.objects.filter(left_on__range=year, **filters))


@metric(
    "members.exits",
    "出党/减少人数",
    "人",
    drilldown=_exits,
    description="当年去世、退党、除名、开除党籍和取消预备党员资格的党员人数（明细可按类别查看）。",
)
def exit_count(scope: MetricScope) -> int:
    return _exits(scope).count()


def _register_by_kind(kind: ExitKind) -> None:
    """`members.exits.<kind>`: the year's exits of one kind (去世, 退党 …)."""

    def drilldown(scope: MetricScope):
        return _exits(scope, kind=kind)

    registry.register(
        Metric(
            f"members.exits.{kind.value}",
            f"{kind.label}人数",
            "人",
            lambda scope: drilldown(scope).count(),
            drilldown,
            f"当年{kind.label}的党员人数。",
        )
    )


for _kind in ExitKind:
    _register_by_kind(_kind)
