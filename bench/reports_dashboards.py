"""统计指标 and the overview at demo-city scale on SQLite and PostgreSQL (issue 14).

    .venv/bin/python bench/reports_dashboards.py                 # both databases
    .venv/bin/python bench/reports_dashboards.py --db sqlite --runs 5
    .venv/bin/python bench/reports_dashboards.py --fresh         # drop and reload the databases

As the 工委管理员 (gongwei), the city, the year 2024, through the test client:

- **统计指标, cold**: `GET /reports/?year=2024` and every area's values (`/reports/metrics/
  <area>/`, what the page asks for as each area scrolls into view: this year and last year),
  with every cache emptied before each run — every registered metric computed; target ≤ 1 s;
- **统计指标, warm**: the same requests again (nothing written since): values from the cache;
- **overview, cold / warm**: `GET /reports/overview/?year=2024` (its cards, the compliance
  roll-ups, the terms, the bar charts and the units' table).

*Floor:* the SQL the request ran (captured once), executed again through
`connection.cursor()` and fetched — the database's share without the ORM, Python or templates.

The databases are this benchmark's own (`var/bench/dash-sqlite/`, PostgreSQL
`dangjian_bench_dash`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_dash"
YEAR = 2024
TARGETS = {
    "metrics_cold": 1000.0,
    "metrics_warm": 1000.0,
    "overview_cold": 1000.0,
    "overview_warm": 1000.0,
}


def worker(runs: int) -> dict:
    setup_django()
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.reports.dashboards import areas

    ensure_demo()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="gongwei"))
    metric_urls = [f"{reverse('reports:metrics')}?year={YEAR}"] + [
        f"{reverse('reports:metric_group', args=[g.key])}?year={YEAR}" for g in areas.groups()
    ]
    overview_urls = [f"{reverse('reports:overview')}?year={YEAR}"]
    count = sum(len(g.metrics) for g in areas.groups())

    def empty_caches() -> None:
        for alias in ("default", "rollups", "metrics"):
            caches[alias].clear()

    def get_all(urls):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

    def captured(urls) -> list[tuple[str, object]]:
        with CaptureQueriesContext(connection) as ctx:
            get_all(urls)
        return [(q["sql"], None) for q in ctx.captured_queries]

    def floor(statements) -> None:
        with connection.cursor() as cursor:
            for sql, _ in statements:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute(sql)
                cursor.fetchall()

    rows: list[dict] = []
    for key, urls, label in (
        (
            "metrics",
            metric_urls,
            f"统计指标 `GET /reports/` + its {len(metric_urls) - 1} areas ({count} metrics × 2 years)",
        ),
        ("overview", overview_urls, "数据总览 `GET /reports/overview/`"),
    ):
        get_all(urls)  # templates, URLs, the rule library loaded once, as in a running server
        log(f"  {key}: cold …")

        def cold(urls=urls):
            empty_caches()
            get_all(urls)

        empty_caches()
        cold_sql = captured(urls)
        median, samples = timed(cold, runs, warmup=0)
        floor_ms, _ = timed(lambda s=cold_sql: floor(s), runs, warmup=1)
        rows.append(row(f"{key}_cold", f"{label}, cold (caches empty)", median, floor_ms, samples))
        log(f"  {key}: cold {median:.0f} ms (floor {floor_ms:.0f} ms, {len(cold_sql)} queries)")

        get_all(urls)
        warm_sql = captured(urls)
        median, samples = timed(lambda urls=urls: get_all(urls), runs)
        floor_ms, _ = timed(lambda s=warm_sql: floor(s), runs, warmup=1)
        rows.append(row(f"{key}_warm", f"{label}, warm", median, floor_ms, samples))
        log(f"  {key}: warm {median:.0f} ms (floor {floor_ms:.0f} ms, {len(warm_sql)} queries)")
    return {"rows": rows}


def row(key: str, operation: str, median: float, floor_ms: float, samples: list[float]) -> dict:
    return {
        "key": key,
        "operation": operation,
        "median_ms": median,
        "floor_ms": max(floor_ms, 0.1),
        "target_ms": TARGETS[key],
        "samples": samples,
    }


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: reports dashboards …")
    start = time.perf_counter()
    out = run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)
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
        data_dir=lambda key: VAR / f"dash-{key}",
        default_runs=5,
    )
