"""Totals, band ratings, pass/fail and quota ratings of assessments (DESIGN §7).

Pure functions over loaded rows (`compute_outcome`, `band_rating`, `quota_labels`, also
used by the demo loader so its data is what the services would write), plus the two
that read the database: `outcome_from_db` and the audited `apply_quota_ratings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import services as core_services

from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    Framework,
    FrameworkItem,
    ItemKind,
    ItemResult,
    ResultValue,
)

A = AssessmentStatus
R = ResultValue


@dataclass
class Outcome:
    total_score: Decimal | None
    rating: str | None  # None: not computed from bands (left as it is, e.g. a quota rating)
    passed: bool | None


def band_rating(framework: Framework, total: Decimal | None, has_innovation: bool) -> str | None:
    """The highest rating band the total reaches whose requirements are met.

    A band is {"min_score": 90, "label": "五星", "requires": ["innovation"]}; the only
    requirement known is "innovation" (the assessment's has_innovation). A framework
    without bands returns None (its rating is not score-based).
    """
    bands = framework.rating_bands or []
    if not bands:
        return None
    if total is None:
        return ""
    met = {"innovation": has_innovation}
    for band in sorted(bands, key=lambda b: Decimal(str(b.get("min_score", 0))), reverse=True):
        if total < Decimal(str(band.get("min_score", 0))):
            continue
        if all(met.get(req, False) for req in band.get("requires") or ()):
            return str(band.get("label", ""))
    return ""


def compute_outcome(
    framework: Framework,
    items: Iterable[FrameworkItem],
    results: dict[int, tuple[str, Decimal | None]],
    has_innovation: bool,
) -> Outcome:
    """Total (score items, N/A left out), band rating and passed, from {item id: (result, score)}.

    passed: total ≥ the framework's pass_score when it has one; otherwise, for a framework
    judged item by item (pass/fail items, no scores), "no nonconforming item" once any item
    has a result; otherwise None.
    """
    items = list(items)
    score_items = [i for i in items if i.kind == ItemKind.SCORE]
    scores: list[Decimal] = []
    for i in score_items:
        result, score = results.get(i.pk, ("", None))
        if result != R.NOT_APPLICABLE and score is not None:
            scores.append(score)
    total = sum(scores, Decimal(0)) if scores else None
    rating = band_rating(framework, total, has_innovation)
    passed: bool | None = None
    if framework.pass_score is not None:
        passed = None if total is None else total >= framework.pass_score
    elif not score_items and any(i.kind == ItemKind.PASS_FAIL for i in items):
        answered = [results[i.pk][0] for i in items if i.pk in results and results[i.pk][0]]
        if answered:
            passed = R.NONCONFORMING not in answered
    return Outcome(total, rating, passed)


def outcome_from_db(a: Assessment) -> Outcome:
    """The outcome of the results saved for `a` (its campaign's framework loaded)."""
    items = list(FrameworkItem.objects.filter(framework_id=a.campaign.framework_id))
    results = {
        item_id: (result, score)
        for item_id, result, score in ItemResult.objects.filter(assessment=a).values_list(
            "item_id", "result", "score"
        )
    }
    return compute_outcome(a.campaign.framework, items, results, a.has_innovation)


def apply_outcome(a: Assessment, outcome: Outcome) -> list[str]:
    """Set the outcome on `a` (not saved); the names of the fields set."""
    a.total_score = outcome.total_score
    a.passed = outcome.passed
    names = ["total_score", "passed"]
    if outcome.rating is not None:
        a.rating = outcome.rating
        names.append("rating")
    return names


def quota_labels(framework: Framework, ranked: list[Assessment]) -> list[str]:
    """Labels for assessments ranked best first, by the framework's quota shares.

    quota_shares: [{"label": "五星", "share": 0.1}, {"label": "四星", "share": 0.3}, …] best
    first ("share" a fraction, or "percent"). An entry may add "min_score" and/or
    "requires": ["innovation"]; a rating band with the same label adds its own (五星 needs
    ≥ 90 and an innovation project even within the top 10%). The rules, so that the
    result never depends on row order:
    - the k-th label covers ranks below round-half-up(cumulative share × N);
    - equal scores share the better label (competition ranking "1224": a tie at a quota
      boundary lets that label exceed its share rather than split equal scores);
    - an assessment that does not meet a label's min_score/requires gets the next label
      whose conditions it meets; the slot it left is not passed down;
    - ranks beyond the shares' total (shares summing below 100%) get no label.
    The caller orders ties by target path so the ranking itself is stable too.
    """
    shares = framework.quota_shares or []
    n = len(ranked)
    caps: list[int] = []
    cumulative = Decimal(0)
    for entry in shares:
        share = entry.get("share")
        if share is None and entry.get("percent") is not None:
            share = Decimal(str(entry["percent"])) / 100
        cumulative += Decimal(str(share or 0))
        caps.append(int((cumulative * n).quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    bands = {str(b.get("label")): b for b in framework.rating_bands or []}

    def meets(condition: dict, a: Assessment) -> bool:
        floor = condition.get("min_score")
        if floor is not None and (a.total_score is None or a.total_score < Decimal(str(floor))):
            return False
        met = {"innovation": a.has_innovation}
        return all(met.get(req, False) for req in condition.get("requires") or ())

    def qualifies(entry: dict, a: Assessment) -> bool:
        band = bands.get(str(entry.get("label")), {})
        return meets(entry, a) and meets(band, a)

    labels: list[str] = []
    rank = 0
    for position, a in enumerate(ranked):
        if position == 0 or a.total_score != ranked[position - 1].total_score:
            rank = position
        start = next((k for k, cap in enumerate(caps) if rank < cap), None)
        label = ""
        if start is not None:
            for entry in shares[start:]:
                if qualifies(entry, a):
                    label = str(entry.get("label", ""))
                    break
        labels.append(label)
    return labels


def apply_quota_ratings(user: Any, campaign_id: int) -> int:
    """For frameworks with quota_shares: rank the campaign's done assessments by score and
    assign ratings by share; returns the number rated (see `quota_labels` for ties)."""
    campaign = (
        Campaign.objects.restrict(user, "change")
        .select_related("framework")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise core_services.OutOfScope("对象不在您的管辖范围内。")
    if not campaign.framework.quota_shares:
        raise ValidationError(f"《{campaign.framework.name}》没有按比例评定等次的设置。")
    with transaction.atomic():
        ranked = list(
            Assessment.objects.select_for_update(of=("self",))
            .filter(campaign=campaign, status=A.DONE, total_score__isnull=False)
            .order_by("-total_score", "target__path", "pk")
        )
        labels = quota_labels(campaign.framework, ranked)
        changed = []
        for a, label in zip(ranked, labels, strict=True):
            if a.rating != label:
                a.rating = label
                changed.append(a)
        if changed:
            Assessment.objects.bulk_update(changed, ["rating"])
        counts: dict[str, int] = {}
        for label in labels:
            counts[label or "—"] = counts.get(label or "—", 0) + 1
        core_services.emit("update", campaign, quota_ratings=counts, changed=len(changed))
    return sum(1 for label in labels if label)
