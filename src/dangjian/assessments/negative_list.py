"""负面清单: findings grouped by category and item, with counts, share of orgs and examples.

CONTRACT (implemented by the workflow owner):
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NegativeListRow:
    category: str
    item_code: str
    item_text: str
    count: int  # findings
    orgs: int  # distinct orgs with this problem
    share: float  # orgs / orgs assessed in the selection (0..1)
    examples: list[str] = field(default_factory=list)  # up to 3 finding texts


@dataclass
class NegativeList:
    title: str
    assessed_orgs: int
    total_findings: int
    rows: list[NegativeListRow]


def build(
    user: Any, *, year: int | None = None, campaign_id: int | None = None, within: Any = None
) -> NegativeList:
    """Set-based (a fixed number of queries); scoped by restrict(user, "view")."""
    raise NotImplementedError


def to_xlsx(nl: NegativeList) -> bytes:
    raise NotImplementedError


def to_docx(nl: NegativeList) -> bytes:
    raise NotImplementedError
