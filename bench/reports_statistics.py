"""党内统计 at demo-city scale on SQLite and PostgreSQL (issue 14).

    .venv/bin/python bench/reports_statistics.py                 # both databases
    .venv/bin/python bench/reports_statistics.py --db sqlite --runs 5
    .venv/bin/python bench/reports_statistics.py --fresh         # drop and reload the databases

Operations, each the median of the timed runs after two untimed warm-ups:

- the tables of the whole city for last year and the balance check
  (`reports.statistics.tables.build` as the operator: ≈ 25,000 members), target ≤ 2 s;
- the page `GET /reports/statistics/?year=…` as the 工委管理员 (gongwei): the same tables
  rendered, scoped to the user, target ≤ 2 s;
- the xlsx download of the same (`&export=xlsx`), target ≤ 2 s.

*Floor:* the same reads through `connection.cursor()` — the year-end roll grouped by every
dimension, the ids on the roll at both ends of the year, the year's joiners, conversions,
exits and transfers, the orgs by kind — with the membership rule simplified to "in the
current org, no transfer after the day" (members.presence also follows each member back
through their transfers, which the floor leaves out: it is a lower bound).

The databases are this benchmark's own (`var/bench/stats-sqlite/`, PostgreSQL
`dangjian_bench_stats`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_stats"
TARGET_MS = 2000.0


def worker(runs: int) -> dict:
    setup_django()
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.models import Organization
    from dangjian.reports.statistics import tables
    from dangjian.reports.statistics.scope import StatScope

    ensure_demo()
    today = timezone.localdate()
    year = today.year - 1
    root = Organization.objects.filter(depth=1).order_by("path").first()
    scope = StatScope(user=SYSTEM, org=root, year=year, today=today)
    built: dict = {}

    def build():
        built["report"] = tables.build(scope)

    rows: list[dict] = []
    median, samples = timed(build, runs)
    floor_ms, _ = timed(lambda: floor(year), runs)
    b = built["report"].balance
    log(
        f"  {year}: start {b.start:,}, admitted {b.admitted}, in {b.moved_in}, exits {b.exited}, "
        f"out {b.moved_out}, end {b.end:,}; {b.mismatch_count} members listed"
    )
    rows.append(
        row(
            "tables",
            f"the city's 党内统计 tables and balance check, {year} ({b.end:,} members)",
            median,
            floor_ms,
            samples,
        )
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="gongwei"))
    url = reverse("reports:statistics")
    for key, params, label in (
        ("page", {"year": year}, "`GET /reports/statistics/` as 工委管理员"),
        ("xlsx", {"year": year, "export": "xlsx"}, "the xlsx download as 工委管理员"),
    ):

        def get(params=params, key=key):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            if key == "xlsx":
                b"".join(response.streaming_content)

        median, samples = timed(get, runs)
        rows.append(row(key, label, median, floor_ms, samples))
    return {"rows": rows}


def row(key: str, operation: str, median: float, floor_ms: float, samples: list[float]) -> dict:
    log(f"  {operation}: {median:,.1f} ms (floor {floor_ms:,.1f} ms)")
    return {
        "key": key,
        "operation": operation,
        "median_ms": median,
        "floor_ms": floor_ms,
        "target_ms": TARGET_MS,
        "samples": samples,
    }


# --- floor ----------------------------------------------------------------------------------

ON_ROLL = (
    "m.joined_on <= %s AND m.membership = 'normal' "
    "AND NOT EXISTS (SELECT 1 FROM members_exit x WHERE x.member_id = m.id AND x.left_on <= %s) "
    "AND NOT EXISTS (SELECT 1 FROM members_transfer t WHERE t.member_id = m.id "
    "AND t.transferred_on > %s)"
)


def floor(year: int) -> None:
    import datetime as dt

    from django.db import connection

    start, end, before = dt.date(year, 1, 1), dt.date(year, 12, 31), dt.date(year - 1, 12, 31)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT m.gender, m.ethnicity, m.status, m.education, m.category, "
            "CASE WHEN m.birth_date IS NULL THEN 'u' WHEN m.birth_date > %s THEN 'a' "
            "WHEN m.birth_date > %s THEN 'b' ELSE 'c' END, "
            "CASE WHEN m.joined_on < %s THEN 'p' WHEN m.joined_on < %s THEN 'q' ELSE 'r' END, "
            f"COUNT(*) FROM members_member m WHERE {ON_ROLL} GROUP BY 1, 2, 3, 4, 5, 6, 7",
            [
                dt.date(year - 31, 12, 31),
                dt.date(year - 61, 12, 31),
                dt.date(1978, 12, 18),
                dt.date(2012, 11, 8),
                end,
                end,
                end,
            ],
        )
        cur.fetchall()
        for day in (before, end):
            cur.execute(f"SELECT m.id FROM members_member m WHERE {ON_ROLL}", [day, day, day])
            cur.fetchall()
        cur.execute(
            "SELECT id, gender, ethnicity, birth_date, education, category, joined_on "
            "FROM members_member WHERE joined_on BETWEEN %s AND %s",
            [start, end],
        )
        cur.fetchall()
        cur.execute(
            "SELECT id FROM members_member WHERE full_member_on BETWEEN %s AND %s", [start, end]
        )
        cur.fetchall()
        cur.execute(
            "SELECT member_id, kind FROM members_exit WHERE left_on BETWEEN %s AND %s", [start, end]
        )
        cur.fetchall()
        cur.execute(
            "SELECT member_id, from_org_id, to_org_id FROM members_transfer "
            "WHERE transferred_on BETWEEN %s AND %s",
            [start, end],
        )
        cur.fetchall()
        cur.execute(
            "SELECT kind, unit_form, COUNT(*) FROM orgs_organization "
            "WHERE kind IN ('unit_party', 'party_committee', 'general_branch', 'branch') "
            "GROUP BY kind, unit_form"
        )
        cur.fetchall()


# --- driver ---------------------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: 党内统计 …")
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
        data_dir=lambda key: VAR / f"stats-{key}",
        default_runs=5,
    )
