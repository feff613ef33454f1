"""党建+巡察: the 巡前征询 one-page profile of a unit's party-building records.

CONTRACT (implemented by the workflow owner):
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.orgs.models import Organization


def unit_profile(user: Any, unit: Organization, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Compliance summary, term status of its grassroots orgs, assessments, findings and
    rectifications for the unit's subtree in the period; scoped; set-based."""
    raise NotImplementedError


def profile_docx(profile: dict[str, Any]) -> bytes:
    raise NotImplementedError
