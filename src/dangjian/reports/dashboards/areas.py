"""Metric areas: a metric's id prefix (`dues.collected` → `dues`) names its area.

Apps that land later register metrics under their own prefix; a prefix named here gets its
Chinese heading and its place, any other prefix is shown under 其他指标 — a new metric is
never left off the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.core.metrics import Metric, registry

# In the order of the annual summary's parts (组织建设 first, then 队伍, 学习, 督查, 考评).
AREAS: tuple[tuple[str, str], ...] = (
    ("orgs", "党组织建设"),
    ("terms", "换届选举"),
    ("members", "党员队伍"),
    ("recruitment", "发展党员"),
    ("dues", "党费收缴"),
    ("study", "理论学习"),
    ("training", "教育培训"),
    ("compliance", "制度落实"),
    ("supervision", "督查检查"),
    ("evaluation", "考评创建"),
    ("honors", "评先评优"),
    ("cases", "典型案例"),
    ("integrity", "廉政风险防控"),
    ("volunteers", "志愿服务"),
)
OTHER = "other"
NAMES = {**dict(AREAS), OTHER: "其他指标"}
ORDER = {key: i for i, (key, _name) in enumerate((*AREAS, (OTHER, "")))}


def area_of(metric_id: str) -> str:
    prefix = metric_id.split(".", 1)[0]
    return prefix if prefix in NAMES and prefix != OTHER else OTHER


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    metrics: tuple[Metric, ...]


def groups() -> list[Group]:
    """Every registered metric, by area, in the areas' order (ids sorted within)."""
    found: dict[str, list[Metric]] = {}
    for m in registry.all():
        found.setdefault(area_of(m.id), []).append(m)
    return [
        Group(key, NAMES[key], tuple(found[key])) for key in sorted(found, key=ORDER.__getitem__)
    ]


def group(key: str) -> Group | None:
    return next((g for g in groups() if g.key == key), None)
