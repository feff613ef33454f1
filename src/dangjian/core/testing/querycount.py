"""Query-count baselines (NetBox query_counts.json style).

`assert_query_count_constant(client, url, add_rows)` loads `url`, adds rows with
`add_rows()`, loads it again and fails if the number of queries changed: a page whose
query count depends on its rows has a per-row query. The check only means something if
the added rows are on the page, so it also counts the rows the page shows (`rows`, by
default the rows of its tables, or the `results` of an API list) and fails unless the
second load shows more of them.

`check_baseline` compares the count with the app's `tests/query_counts.json`: more
queries than recorded fail (a regression); fewer fail too, asking for the lower figure
to be recorded, so an improvement is kept instead of silently absorbed. Run the tests
with DANGJIAN_UPDATE_BASELINES=1 to write the measured counts into the file instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

UPDATE_ENV = "DANGJIAN_UPDATE_BASELINES"

_TBODY = re.compile(r"<tbody\b.*?</tbody>", re.S | re.I)
# A body row, not django-tables2's "no rows" line (a single cell spanning the table).
_ROW = re.compile(r"<tr\b[^>]*>(?!\s*<td colspan)", re.I)


def table_rows(response: Any) -> int:
    """Rows on the page: `results` of an API list (or the list itself), else the `<tr>`
    inside the `<tbody>` of the HTML tables (not counting an empty table's notice)."""
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, list):
            return len(data)
        assert "results" in data, "a JSON answer without `results`: pass `rows=` counting its rows"
        return len(data["results"])
    html = response.content.decode()
    return sum(len(_ROW.findall(body)) for body in _TBODY.findall(html))


def occurrences(marker: str) -> Callable[[Any], int]:
    """Rows counted by a marker each row carries (e.g. a CSS class), for pages without a table."""

    def count(response: Any) -> int:
        return response.content.decode().count(marker)

    return count


def _load(client, url: str, rows: Callable[[Any], int]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries), rows(resp)


def count_queries(client, url: str) -> int:
    return _load(client, url, lambda _resp: 0)[0]


def assert_query_count_constant(
    client, url: str, add_rows: Callable[[], Any], rows: Callable[[Any], int] = table_rows
) -> int:
    """The query count of `url` before and after `add_rows()`; the added rows must show."""
    first, shown_before = _load(client, url, rows)
    add_rows()
    second, shown_after = _load(client, url, rows)
    assert shown_after > shown_before, (
        f"{url}: {shown_before} rows on the page before adding rows, {shown_after} after — "
        "the added rows are not on the page, so the query count proves nothing "
        "(add rows the page shows, or pass `rows=` counting what it shows)"
    )
    assert second == first, f"{url}: {first} queries before adding rows, {second} after"
    return second


def check_baseline(baseline_file: Path, key: str, count: int) -> None:
    """`count` must equal the recorded baseline; DANGJIAN_UPDATE_BASELINES=1 records it."""
    if os.environ.get(UPDATE_ENV) == "1":
        _record(baseline_file, key, count)
        return
    baselines = json.loads(baseline_file.read_text()) if baseline_file.exists() else {}
    assert key in baselines, (
        f"no query-count baseline for {key!r} in {baseline_file}: add {count} "
        f"(or run with {UPDATE_ENV}=1)"
    )
    recorded = baselines[key]
    assert count <= recorded, f"{key}: {count} queries, baseline {recorded} (a regression)"
    assert count == recorded, (
        f"{key}: {count} queries, fewer than the baseline {recorded}: lower the baseline "
        f"in {baseline_file.name} to {count} (or run with {UPDATE_ENV}=1)"
    )


def _record(baseline_file: Path, key: str, count: int) -> None:
    # Parallel test workers may record into the same file: read-modify-write under a lock.
    with open(baseline_file, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        text = fh.read()
        baselines = json.loads(text) if text.strip() else {}
        baselines[key] = count
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(baselines, indent=2, ensure_ascii=False) + "\n")
