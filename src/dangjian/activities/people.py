"""Labels that tell members of the same name apart on the activity pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def distinct_labels(members: Iterable[Any], home: Any = None) -> dict[int, str]:
    """Per member id, the name — and, for a name shared by several in `members`, what tells
    them apart: the 党小组 (or org) they belong to, unless it is `home`, and the birth year
    (shown to every role, decisions/0008). Needs `org` and `birth_date` loaded."""
    members = list(members)
    counts = Counter(m.name for m in members)
    labels: dict[int, str] = {}
    for m in members:
        if counts[m.name] < 2:
            labels[m.pk] = m.name
            continue
        parts = []
        org = getattr(m, "org", None)
        if org is not None and getattr(home, "pk", None) != m.org_id:
            parts.append(org.name)
        year = getattr(m, "birth_date", None)
        parts.append(f"{year.year}年生" if year else f"编号{m.pk}")
        labels[m.pk] = f"{m.name}（{'，'.join(parts)}）"
    return labels
