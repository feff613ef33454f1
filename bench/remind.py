"""Benchmark `dangjian remind` for one day over the whole demo city (issue 3: ≤ 5 s).

    .venv/bin/python bench/remind.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/remind.py --db sqlite --runs 7 --date 2026-11-02

Uses the persistent bench databases of `bench/run.py` (`var/bench/sqlite`, PostgreSQL
`dangjian_bench`), loading the demo city first if they are empty. For each database one
child process (this script with `--worker`) times, as medians of ≥ 5 runs:

- **first run of the day**: `notifications.run(day)` on a database without notifications
  (emptied untimed inside a transaction that is rolled back after each run), so each run
  computes every source and inserts every row;
- **repeat run**: the same day once its notifications exist (the idempotent re-run);
- **SQL floor**: hand-written SQL doing the same database work through
  `connection.cursor()`: the sweep (orgs LEFT JOIN their current term), last attendance
  per member, probation ends and birthdays, the role assignments, the month's activity
  counts per org and kind, and inserting the same number of notification rows.

The default day is the 1st of the current month: the heaviest kind of day, when the
monthly sources (compliance gaps, political birthdays) run beside the daily ones.
Prints a Markdown table (same columns as bench/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from common import (
    SHARED_POSTGRES_URL,
    TABLE_HEADER,
    VAR,
    Rollback,
    bench_databases,
    ensure_demo,
    log,
    run_worker,
    setup_django,
)

TARGET_MS = 5000


# --- the worker (one database, in-process) ----------------------------------------------


def worker(day: dt.date, runs: int) -> dict:
    setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from dangjian.rules import notifications
    from dangjian.rules.models import Notification

    ensure_demo()

    def first_run() -> tuple[float, notifications.RunResult]:
        """One full run on a database without notifications (emptied, then rolled back)."""
        try:
            with transaction.atomic():
                Notification.objects.all().delete()  # not timed
                start = time.perf_counter()
                result = notifications.run(day)
                elapsed = (time.perf_counter() - start) * 1000
                raise Rollback
        except Rollback:
            return elapsed, result

    first_run()  # warm-up (imports, library, caches)
    samples, result = [], None
    for _ in range(runs):
        elapsed, result = first_run()
        samples.append(elapsed)
    with CaptureQueriesContext(connection) as ctx:
        first_run()
    queries = len(ctx.captured_queries) - 1  # without the untimed DELETE

    with transaction.atomic():
        notifications.run(day)
        repeat = []
        for _ in range(runs):
            start = time.perf_counter()
            again = notifications.run(day)
            repeat.append((time.perf_counter() - start) * 1000)
        assert again.total_created == 0
        transaction.set_rollback(True)

    created = result.total_created if result else 0
    floor = [sql_floor(connection, day, created) for _ in range(runs)]
    return {
        "day": day.isoformat(),
        "first_ms": statistics.median(samples),
        "first_samples": samples,
        "repeat_ms": statistics.median(repeat),
        "floor_ms": statistics.median(floor),
        "queries": queries,
        "created": created,
        "drafts": dict(result.drafts) if result else {},
    }


def sql_floor(connection, day: dt.date, rows: int) -> float:
    """The same reads and inserts in hand-written SQL (rolled back); milliseconds."""
    from django.db import transaction

    month_start = day.replace(day=1)
    last_month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    year_ago = day.replace(year=day.year - 1)
    statements = [
        (
            "SELECT o.id, o.path, t.id, COALESCE(t.extended_to, t.planned_end_on) "
            "FROM orgs_organization o LEFT JOIN orgs_term t ON t.org_id = o.id "
            "AND t.started_on <= %s AND (t.ended_on IS NULL OR t.ended_on > %s) "
            "WHERE o.kind IN ('unit_party', 'party_committee', 'general_branch', 'branch')",
            [day, day],
        ),
        (
            "SELECT m.id, m.org_id, MAX(a.held_on) FROM members_member m "
            "LEFT JOIN activities_participation p ON p.member_id = m.id AND p.status = 'attended' "
            "LEFT JOIN activities_activity a ON a.id = p.activity_id AND a.held_on <= %s "
            "WHERE m.membership = 'normal' GROUP BY m.id, m.org_id",
            [day],
        ),
        (
            "SELECT id, org_id, joined_on FROM members_member WHERE membership = 'normal' "
            "AND status = 'probationary' AND joined_on BETWEEN %s AND %s",
            [year_ago, year_ago + dt.timedelta(days=31)],
        ),
        (
            "SELECT id, org_id, joined_on FROM members_member WHERE membership = 'normal' "
            "AND joined_on < %s",
            [day.replace(month=1, day=1)],
        ),
        (
            "SELECT r.user_id, o.path FROM accounts_roleassignment r "
            "JOIN orgs_organization o ON o.id = r.org_id",
            [],
        ),
        (
            "SELECT org_id, kind, COUNT(*) FROM activities_activity "
            "WHERE held_on >= %s AND held_on < %s GROUP BY org_id, kind",
            [last_month_start, month_start],
        ),
    ]
    user_id = None
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()
            cur.execute("SELECT id FROM accounts_user ORDER BY id LIMIT 1")
            user_id = cur.fetchone()[0]
            now = dt.datetime.now(dt.UTC)
            values = [
                (user_id, "term_overdue", f"t{i}", "b", "", "", "", None, None, f"floor:{i}", now)
                for i in range(rows)
            ]
            cur.executemany(
                "INSERT INTO rules_notification (user_id, kind, title, body, link, rule_id, "
                "citation, org_id, due_on, dedupe_key, created) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                values,
            )
        transaction.set_rollback(True)
    return (time.perf_counter() - start) * 1000


# --- the driver -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--date", default=None, help="the day (default: 1st of this month)")
    parser.add_argument("--sqlite-dir", default=str(VAR / "sqlite"), help="DANGJIAN_DATA_DIR")
    parser.add_argument("--postgres-url", default=SHARED_POSTGRES_URL)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5 (medians of ≥ 5 runs)")
    day = (
        dt.date.fromisoformat(args.date)
        if args.date
        else dt.datetime.now().astimezone().date().replace(day=1)
    )
    if args.worker:
        print(json.dumps(worker(day, args.runs)))
        return
    lines = [
        f"`dangjian remind` for {day} (medians of {args.runs} runs)",
        "",
        *TABLE_HEADER,
    ]
    sqlite_dir = Path(args.sqlite_dir)
    databases = bench_databases(
        args.db, args.postgres_url, lambda key: sqlite_dir if key == "sqlite" else VAR / key
    )
    for label, env in databases:
        log(f"== {label}")
        worker_args = ["--worker", f"--date={day}", f"--runs={args.runs}"]
        r = run_worker(__file__, worker_args, env, label)
        log(f"   drafts per source: {r['drafts']}")
        ok = "✓" if r["first_ms"] <= TARGET_MS else "✗"
        lines.append(
            f"| remind, first run of the day ({r['created']:,} notifications, "
            f"{r['queries']} queries) | {label} | {r['first_ms']:,.0f} | {r['floor_ms']:,.0f} | "
            f"{r['first_ms'] / r['floor_ms']:.1f}× | ≤ {TARGET_MS:,} ms {ok} |"
        )
        lines.append(
            f"| remind, repeat run (adds nothing) | {label} | {r['repeat_ms']:,.0f} | "
            f"{r['floor_ms']:,.0f} | {r['repeat_ms'] / r['floor_ms']:.1f}× | ≤ {TARGET_MS:,} ms |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
