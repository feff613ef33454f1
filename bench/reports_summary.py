"""The annual summary (年度工作总结) of the demo city on SQLite and PostgreSQL (issue 14).

    .venv/bin/python bench/reports_summary.py                 # both databases
    .venv/bin/python bench/reports_summary.py --db sqlite --runs 5

One operation, the median of the timed runs after one untimed warm-up: the .docx of the
whole city for 2024 with the shipped default template (`summary.services.generate`, as
the CLI and the download run it: every figure computed, charts drawn, the document
rendered twice — figures, then the docx — and saved to bytes), target ≤ 5 s.

*Floor:* the metric queries alone — every (metric, year) the document states, computed
through the registry with the same scope, nothing rendered. The docx costs what lies
above it.

The databases are this benchmark's own (`var/bench/summary-sqlite/`, PostgreSQL
`dangjian_bench_summary`), loaded once with `dangjian demo` (city scale).
"""

from __future__ import annotations

import time

from common import (
    POSTGRES_SERVER,
    VAR,
    ensure_demo,
    log,
    run_worker,
    setup_django,
    step_main,
    step_table,
    timed,
)

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_summary"
TARGETS = {"docx": 5000.0}


def worker(runs: int) -> dict:
    setup_django()
    from dangjian.core.metrics import MetricScope, registry
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.models import Organization
    from dangjian.reports.summary import services

    ensure_demo()
    root = Organization.objects.order_by("depth", "path").first()
    made = {}

    def generate():
        made["r"] = services.generate(SYSTEM, 2024, root)

    median, samples = timed(generate, runs, warmup=1)
    figures = made["r"].summary.figures
    wanted = [(f.id, f.year) for f in figures if f.id in registry]

    def floor():
        for metric_id, year in wanted:
            registry.get(metric_id).value(MetricScope(SYSTEM, year, root))

    floor_ms, _ = timed(floor, runs, warmup=1)
    operation = (
        f"annual summary docx, demo city 2024 ({len(figures)} figures, "
        f"{len(made['r'].data) // 1024} KB)"
    )
    log(f"  {operation}: median {median:,.1f} ms, floor {floor_ms:,.1f} ms")
    return {
        "rows": [
            {
                "key": "docx",
                "operation": operation,
                "median_ms": median,
                "floor_ms": floor_ms,
                "target_ms": TARGETS["docx"],
                "samples": samples,
            }
        ]
    }


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: annual summary …")
    start = time.perf_counter()
    out = run_worker(__file__, ["--worker", f"--runs={runs}"], env, label)
    log(f"{label}: done in {time.perf_counter() - start:.0f} s")
    return out


def table(rows: list[dict]) -> str:
    return step_table(rows, lambda r: f"≤ {r['target_ms']:,.0f} ms")


if __name__ == "__main__":
    step_main(
        None,
        __doc__ or "",
        worker=worker,
        run_target=run_target,
        table=table,
        postgres_url=PG_URL,
        data_dir=lambda key: VAR / f"summary-{key}",
        default_runs=5,
    )
