"""Honor figures of a year (seed-figures rows 10–12): honors of a title decided in the year,
in the asker's scope; the drill-down lists the Honor rows."""

from __future__ import annotations

from dangjian.core.metrics import MetricScope, metric

from . import titles
from .models import Honor


def _honors(code: str):
    def rows(scope: MetricScope):
        return scope.restrict(Honor.objects.filter(title=code, year=scope.year)).select_related(
            "org", "member"
        )

    return rows


_excellent_members = _honors(titles.EXCELLENT_MEMBER)
_party_workers = _honors(titles.EXCELLENT_PARTY_WORKER)
_advanced_orgs = _honors(titles.ADVANCED_ORG)


@metric(
    "honors.excellent_members",
    "表彰优秀共产党员",
    "名",
    drilldown=_excellent_members,
    description="当年决定表彰的“优秀共产党员”人数（各级表彰合计，含上级表彰的录入）。",
)
def excellent_members(scope: MetricScope) -> int:
    return _excellent_members(scope).count()


@metric(
    "honors.excellent_party_workers",
    "表彰优秀党务工作者",
    "名",
    drilldown=_party_workers,
    description="当年决定表彰的“优秀党务工作者”人数（各级表彰合计）。",
)
def excellent_party_workers(scope: MetricScope) -> int:
    return _party_workers(scope).count()


@metric(
    "honors.advanced_orgs",
    "表彰先进基层党组织",
    "个",
    drilldown=_advanced_orgs,
    description="当年决定表彰的“先进基层党组织”个数（各级表彰合计）。",
)
def advanced_orgs(scope: MetricScope) -> int:
    return _advanced_orgs(scope).count()
