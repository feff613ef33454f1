"""Assessment, finding and rectification services: atomic, audited, validated.

Every write validates everything first and raises `ValidationError` with Chinese messages
saying what to fix (nothing is written then), or `OutOfScope` when the user may not act.

Split by concept: `scoring` (totals, band and quota ratings), `results` (item results,
the assessment's own fields and status), `findings` (findings and rectifications),
`files` (evidence and rectification proof). Callers use the names re-exported here.

Who may do what is each model's `write_sides` (decisions/0007), checked through
`obj.allows(user, action)` — the row-level twin of `restrict(user, action)`:
- fill in and move an assessment, add its evidence: the checking side, the campaign's
  scope org. The checked org sees its released results but never edits them, although
  its roles hold the same permissions over its own subtree;
- reopen a done assessment: a change of the campaign (its scope org);
- raise, change, delete a finding: the raising org's side (the campaign's scope org for
  a finding from an assessment);
- answer a rectification and add its proof: the owner org's side;
- close (销号) or return (退回) it: the raising side, so a unit's own admins cannot close
  what the 工委 found in it.
"""

from .common import OutOfScope
from .files import add_evidence_file, add_rectification_file, delete_file
from .findings import (
    DEFAULT_DEADLINE_DAYS,
    FindingExists,
    can_verify,
    delete_finding,
    existing_finding,
    raise_finding,
    submit_rectification,
    update_finding,
    verify_rectification,
)
from .results import (
    TRANSITIONS,
    can_assess,
    recompute,
    save_results,
    set_status,
    update_assessment,
)
from .scoring import (
    Outcome,
    apply_quota_ratings,
    band_rating,
    compute_outcome,
    outcome_from_db,
    quota_labels,
)

__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "TRANSITIONS",
    "FindingExists",
    "OutOfScope",
    "Outcome",
    "add_evidence_file",
    "add_rectification_file",
    "apply_quota_ratings",
    "band_rating",
    "can_assess",
    "can_verify",
    "compute_outcome",
    "delete_file",
    "delete_finding",
    "existing_finding",
    "outcome_from_db",
    "quota_labels",
    "raise_finding",
    "recompute",
    "save_results",
    "set_status",
    "submit_rectification",
    "update_assessment",
    "update_finding",
    "verify_rectification",
]
