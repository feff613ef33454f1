"""自动取证 (减负): each item linked to a rule shows the org's compliance for the period.

CONTRACT (implemented by the workflow owner):
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Assessment


@dataclass
class Suggestion:
    item_id: int
    rule_id: str
    rule_title: str
    citation: str
    compliant: int  # periods compliant (e.g. months)
    total: int  # periods judged (exempt / not applicable excluded)
    text: str  # e.g. "支委会：12 个月中 11 个月达标"
    result: str  # suggested ResultValue
    score: object | None  # suggested score (Decimal) for score items


def suggestions(assessment: Assessment) -> dict[int, Suggestion]:
    """One suggestion per rule-linked item, computed set-based for the assessment's target
    org and the campaign period (one evaluator call, not one per item)."""
    raise NotImplementedError
