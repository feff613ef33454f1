"""Query-count baselines (NetBox query_counts.json style).

`assert_query_count_constant(client, url, add_rows)` loads `url`, adds rows with
`add_rows()`, loads it again and fails if the number of queries grew: a page whose
query count depends on its rows has a per-row query. `check_baseline` also compares the
count with the app's `tests/query_counts.json`, so a regression shows as a diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


def assert_query_count_constant(client, url: str, add_rows: Callable[[], None]) -> int:
    first = count_queries(client, url)
    add_rows()
    second = count_queries(client, url)
    assert second == first, f"{url}: {first} queries before adding rows, {second} after"
    return second


def check_baseline(baseline_file: Path, key: str, count: int) -> None:
    """Fail when `count` exceeds the recorded baseline (lower is fine: record it)."""
    baselines = json.loads(baseline_file.read_text()) if baseline_file.exists() else {}
    assert key in baselines, f"no query-count baseline for {key!r} in {baseline_file}; add {count}"
    assert count <= baselines[key], f"{key}: {count} queries, baseline {baselines[key]}"
