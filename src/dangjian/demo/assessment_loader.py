"""Writes the demo's 督查考评: campaigns, assessments, item results, findings, rectifications.

`supervision.py` decides everything from the plan and the framework library; this module
numbers it and writes plain rows inside the loader's transaction. bulk_create skips the
services, so what they would compute is computed with their own functions: totals,
ratings and "passed" by `services.compute_outcome`, quota ratings (五星) by
`services.quota_labels`, a finding's category as the services inherit it from the
item's section.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.assessments import frameworks, sampling, services
from dangjian.assessments.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    EvidenceFile,
    Finding,
    Framework,
    FrameworkItem,
    ItemResult,
    Rectification,
    RectificationEvidence,
    RectificationStatus,
)
from dangjian.assessments.sampling import Stratum
from dangjian.orgs.models import Organization

from . import bulk, supervision
from .plan import CityPlan

VERIFIER = "gongwei"  # the demo's 工委 administrator closes (销号) rectifications
RESULT_COLUMNS = (
    "created",
    "updated",
    "assessment_id",
    "item_id",
    "result",
    "score",
    "note",
    "methods",
    "from_records",
)


def reset_assessments() -> None:
    """Delete every campaign and what hangs off it (frameworks are reference data: kept).

    Plain DELETEs, children first: the ORM's collector would walk tens of thousands of
    item results one cascade at a time, and TRUNCATE (the activity tables' way) is refused
    on PostgreSQL while rows inserted earlier in the same transaction have deferred key
    checks pending.
    """
    tables = [
        RectificationEvidence._meta.db_table,
        Rectification._meta.db_table,
        Finding._meta.db_table,
        EvidenceFile._meta.db_table,
        ItemResult._meta.db_table,
        Assessment.assessors.through._meta.db_table,
        Assessment._meta.db_table,
        Campaign._meta.db_table,
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - names from the models


def _category(item: FrameworkItem, by_id: dict[int, FrameworkItem]) -> str:
    """The item's problem category, or its nearest section's (as services raise findings)."""
    while item is not None:
        if item.category:
            return item.category
        item = by_id.get(item.parent_id) if item.parent_id else None  # type: ignore[assignment]
    return ""


class Library:
    """The current framework versions, as model objects (for the services' scoring) and
    as the plain specs the planner reads."""

    def __init__(self) -> None:
        frameworks.sync_library()
        self.frameworks = {f.code: f for f in Framework.objects.filter(is_current=True)}
        items: dict[int, list[FrameworkItem]] = {}
        for item in FrameworkItem.objects.filter(
            framework_id__in=[f.pk for f in self.frameworks.values()]
        ).order_by("framework_id", "order", "pk"):
            items.setdefault(item.framework_id, []).append(item)
        self.items = {code: items.get(f.pk, []) for code, f in self.frameworks.items()}
        self.specs = {code: self._spec(f, self.items[code]) for code, f in self.frameworks.items()}

    @staticmethod
    def _spec(f: Framework, items: list[FrameworkItem]) -> supervision.FrameworkSpec:
        by_id = {i.pk: i for i in items}
        return supervision.FrameworkSpec(
            f.pk,
            f.code,
            f.name,
            tuple(
                supervision.ItemSpec(
                    i.pk,
                    i.code,
                    i.text,
                    i.kind,
                    i.max_score,
                    _category(i, by_id),
                    tuple(i.methods or ()),
                    i.rule_id,
                )
                for i in items
                if i.is_assessable
            ),
        )

    def score(
        self, code: str, results: dict[int, tuple[str, Decimal | None]], has_innovation: bool
    ) -> tuple:
        outcome = services.compute_outcome(
            self.frameworks[code], self.items[code], results, has_innovation
        )
        return outcome.total_score, outcome.rating, outcome.passed


def _at(day: dt.date | None, hour: int = 17) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _sampling_plan(
    c: supervision.CampaignPlan, orgs: list[Organization], verifier: User | None
) -> dict:
    """The saved plan in the shape `campaigns.create_campaign` saves (`build_plan`),
    with the demo's org indices turned into ids; drawn a week before the campaign."""
    if c.seed is None:
        return {}
    strata = [
        Stratum(
            s.path,
            orgs[s.unit_id].pk if s.unit_id is not None else None,
            s.unit_name,
            [(path, orgs[i].pk, name) for path, i, name in s.members],
            s.drawn,
        )
        for s in c.strata
    ]
    unit_of = {pk: s for s in strata for _path, pk, _name in s.members}
    drawn = [(orgs[i].path, orgs[i].pk, orgs[i].name) for i in c.targets]
    saved = sampling.build_plan(
        mode=c.selection,
        user=verifier or VERIFIER,
        scope_org=orgs[0],
        target_kinds=list(c.target_kinds),
        strata=strata,
        drawn=drawn,
        unit_of=unit_of,
        seed=c.seed,
        size=c.sample_size,
    )
    saved["drawn_at"] = _at(c.start - dt.timedelta(days=7), 10).isoformat(timespec="seconds")  # type: ignore[union-attr]
    return saved


def write_assessments(
    plan: CityPlan, orgs: list[Organization], staff: list[int], stages
) -> Counter:
    """Every planned campaign with its assessments, results, findings and rectifications."""
    library = Library()
    campaign_plans = supervision.campaigns(plan)
    missing = sorted({c.framework for c in campaign_plans} - set(library.specs))
    if missing:
        raise RuntimeError(f"演示数据：考评模板库缺少 {'、'.join(missing)}。")
    verifier = User.objects.filter(username=VERIFIER).first()
    verifier_id = verifier.pk if verifier else None
    org_pk = [o.pk for o in orgs]
    unit_pk = [org_pk[plan.units[o.unit].org] if o.unit is not None else None for o in plan.orgs]
    root = orgs[0]
    counts: Counter = Counter()
    now = bulk.now_value()
    results = bulk.RowWriter.for_model(ItemResult, RESULT_COLUMNS, batch=10_000)
    through = Assessment.assessors.through._meta
    assessor_rows = bulk.RowWriter(
        through.db_table,
        (through.get_field("assessment").column, through.get_field("user").column),
    )
    with stages.stage("督查考评", len(campaign_plans)) as advance:
        for cp in campaign_plans:
            spec = library.specs[cp.framework]
            planned = supervision.assessments(plan, cp, spec, library.score, len(staff))
            if cp.framework == "star_rating":
                _quota(library.frameworks[cp.framework], plan, planned)
            campaign = Campaign.objects.create(
                name=cp.name,
                campaign_type=cp.campaign_type,
                framework=library.frameworks[cp.framework],
                scope_org=root,
                target_kinds=list(cp.target_kinds),
                period_start=cp.start,
                period_end=cp.end,
                selection=cp.selection,
                sample_size=cp.sample_size,
                seed=cp.seed,
                sampling_plan=_sampling_plan(cp, orgs, verifier),
                status=cp.status,
                results_released=cp.released,
                description=cp.description,
                created_by_id=verifier_id,
            )
            rows = Assessment.objects.bulk_create(
                [
                    Assessment(
                        campaign=campaign,
                        target_id=org_pk[a.target],
                        unit_org_id=unit_pk[a.target],
                        status=a.status,
                        assessor_names=a.assessor_names,
                        assessed_on=a.assessed_on,
                        total_score=a.total,
                        rating=a.rating or "",
                        passed=a.passed,
                        has_innovation=a.has_innovation,
                        summary=a.summary,
                        completed_at=_at(a.assessed_on)
                        if a.status == AssessmentStatus.DONE
                        else None,
                    )
                    for a in planned
                ],
                batch_size=bulk_batch(),
            )
            findings: list[Finding] = []
            answers: list[supervision.FindingPlan] = []
            for row, a in zip(rows, planned, strict=True):
                for s in a.assessors:
                    assessor_rows.add((row.pk, staff[s]))
                results.extend(
                    (
                        now,
                        now,
                        row.pk,
                        r.item_id,
                        r.result,
                        r.score,
                        r.note,
                        json.dumps(list(r.methods)),
                        r.from_records,
                    )
                    for r in a.results
                )
                for f in a.findings:
                    findings.append(
                        Finding(
                            org_id=org_pk[a.target],
                            raised_by_org=root,
                            campaign=campaign,
                            assessment=row,
                            item_id=f.item_id,
                            category=f.category,
                            text=f.text,
                            severity=f.severity,
                            found_on=f.found_on,
                            created_by_id=verifier_id,
                        )
                    )
                    answers.append(f)
            Finding.objects.bulk_create(findings, batch_size=bulk_batch())
            Rectification.objects.bulk_create(
                [
                    _rectification(finding, f, verifier_id)
                    for finding, f in zip(findings, answers, strict=True)
                ],
                batch_size=bulk_batch(),
            )
            counts["campaign"] += 1
            counts["assessment"] += len(rows)
            counts["finding"] += len(findings)
            counts["rectification"] += len(findings)
            advance()
        results.flush()
        assessor_rows.flush()
    counts["itemresult"] = results.count
    return counts


def bulk_batch() -> int:
    # SQLite allows 32,766 parameters per statement; an assessment row has 17 columns.
    return 1000


def _rectification(finding: Finding, f: supervision.FindingPlan, verifier_id) -> Rectification:
    closed = f.status == RectificationStatus.CLOSED
    return Rectification(
        finding=finding,
        org_id=finding.org_id,
        deadline=f.deadline,
        status=f.status,
        measures=f.measures,
        evidence_text=f.evidence,
        submitted_at=_at(f.submitted_on, 10),
        verified_at=_at(f.verified_on, 15),
        verified_by_id=verifier_id if f.verified_on else None,
        verify_note=f.verify_note,
        closed_on=f.verified_on if closed else None,
    )


def _quota(framework: Framework, plan: CityPlan, planned: list[supervision.AssessmentPlan]) -> None:
    """五星 by quota shares over the done assessments, ranked as apply_quota_ratings ranks
    them (score, then target path)."""
    done = [a for a in planned if a.status == AssessmentStatus.DONE and a.total is not None]
    done.sort(key=lambda a: (-a.total, plan.orgs[a.target].path))
    ranked = [SimpleNamespace(total_score=a.total, has_innovation=a.has_innovation) for a in done]
    for a, label in zip(done, services.quota_labels(framework, ranked), strict=True):  # type: ignore[arg-type]
        a.rating = label
