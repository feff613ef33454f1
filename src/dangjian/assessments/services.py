"""Assessment, finding and rectification services: atomic, audited, validated.

CONTRACT (implemented by the workflow owner; signatures are relied on by views/API/demo):
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from dangjian.orgs.models import Organization

from .models import (
    Assessment,
    EvidenceFile,
    Finding,
    FrameworkItem,
    Rectification,
    RectificationEvidence,
)


def save_results(user: Any, assessment: Assessment, rows: Iterable[dict[str, Any]]) -> Assessment:
    """Upsert item results. Each row: {"item": item id or code, "result", "score", "note",
    "methods", "from_records"} (missing keys keep the saved value). Validates every row
    first (item in the campaign's framework version, score ≤ max, result allowed for the
    item kind, assessment not locked), then writes in one transaction, recomputes the total
    and rating, and moves planned → in_progress. Raises ValidationError (Chinese)."""
    raise NotImplementedError


def update_assessment(user: Any, assessment: Assessment, **fields: Any) -> Assessment:
    """Edit assessed_on, assessor_names, assessors, summary, has_innovation (not when locked)."""
    raise NotImplementedError


def set_status(user: Any, assessment: Assessment, status: str) -> Assessment:
    """planned → in_progress → in_review → done (locks, computes rating); reopening a done
    assessment needs assessments.change_campaign on the campaign's scope org."""
    raise NotImplementedError


def apply_quota_ratings(user: Any, campaign_id: int) -> int:
    """For frameworks with quota_shares: rank the campaign's done assessments by score and
    assign ratings by share; returns the number rated."""
    raise NotImplementedError


def raise_finding(
    user: Any,
    *,
    text: str,
    org: Organization | None = None,
    assessment: Assessment | None = None,
    item: FrameworkItem | None = None,
    category: str = "",
    severity: str = "general",
    found_on: dt.date | None = None,
    deadline: dt.date | None = None,
    raised_by_org: Organization | None = None,
) -> Finding:
    """A finding (from an assessment item, or free-standing with `org`) and its open
    Rectification (deadline default: found_on + 30 days)."""
    raise NotImplementedError


def submit_rectification(
    user: Any,
    rectification: Rectification,
    *,
    measures: str,
    evidence_text: str = "",
    files: Iterable[UploadedFile] = (),
) -> Rectification:
    """The owner org reports what it did: open/returned → submitted."""
    raise NotImplementedError


def verify_rectification(
    user: Any, rectification: Rectification, *, accept: bool, note: str = ""
) -> Rectification:
    """The raising side closes (销号, needs evidence) or returns (退回, needs a note)."""
    raise NotImplementedError


def add_evidence_file(
    user: Any, assessment: Assessment, upload: UploadedFile, item_id: int | None = None
) -> EvidenceFile:
    raise NotImplementedError


def add_rectification_file(
    user: Any, rectification: Rectification, upload: UploadedFile
) -> RectificationEvidence:
    raise NotImplementedError
