"""The metrics a summary template may name: the registry's, plus the seed's planned ids.

A template names a metric by id. An id the registry knows is computed; an id of the seed's
figures (`../shared/docs/seed-figures.md`) whose module is not built yet is *known* but not
available: the document says so (〔不可用〕) instead of inventing a figure. Any other id is a
mistake in the template and refused on upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.core.metrics import registry

# The seed's figures (seed-figures.md, rows 1–19): id, label, unit, the seed's own figure.
SEED_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("orgs.unit_party_count", "市直机关党组织数", "个", "85"),
    ("orgs.grassroots_count", "基层党组织数", "个", "1050"),
    ("study.observed_units", "理论学习中心组列席旁听单位数", "家", "14"),
    ("supervision.study_review_units", "理论学习中心组抽查调阅单位数", "家", "40"),
    ("study.seminar_count", "中心组党纪学习教育研讨次数", "次", "538"),
    ("training.secretaries_trained", "党纪学习教育集中培训基层党组织书记数", "名", "1200余"),
    ("evaluation.model_organ_passed", "达到模范机关建设标准单位数", "家", "6"),
    ("evaluation.excellent_cases", "市直工委优秀案例数", "项", "12"),
    ("evaluation.provincial_case_awards", "省直工委创新成果获奖数", "项", "2"),
    ("honors.excellent_members", "优秀共产党员", "名", "97"),
    ("honors.excellent_party_workers", "优秀党务工作者", "名", "50"),
    ("honors.advanced_orgs", "先进基层党组织", "个", "50"),
    ("supervision.basic_system_reviewed_orgs", "基础制度落实抽查调阅组织数", "个", "954"),
    ("supervision.negative_list", "负面清单问题类别数", "类", "—"),
    ("terms.renewal_sweep", "换届情况拉网排查次数", "次", "2"),
    ("supervision.unannounced_units", "纪律作风明察暗访抽查单位数", "家", "30"),
    ("integrity.risk_points", "排查廉政风险点数", "个", "1800余"),
    ("integrity.measures", "制定整改措施数", "个", "2000余"),
    ("integrity.institutions", "建立完善制度数", "项", "574"),
)
SEED_IDS = tuple(row[0] for row in SEED_FIGURES)
_PLANNED = {row[0]: (row[1], row[2]) for row in SEED_FIGURES}


@dataclass(frozen=True)
class Known:
    id: str
    label: str
    unit: str
    available: bool  # registered (its module is built)


def lookup(metric_id: str) -> Known | None:
    """What the id names, or None for an id nobody registers or plans."""
    if metric_id in registry:
        metric = registry.get(metric_id)
        return Known(metric.id, metric.label, metric.unit, True)
    planned = _PLANNED.get(metric_id)
    if planned is None:
        return None
    return Known(metric_id, planned[0], planned[1], False)


def with_prefix(prefix: str) -> list[Known]:
    """Every known metric whose id starts with `prefix` (a group of rates, a family)."""
    ids = {m.id for m in registry.all() if m.id.startswith(prefix)}
    ids |= {i for i in _PLANNED if i.startswith(prefix)}
    return [k for k in (lookup(i) for i in sorted(ids)) if k is not None]
