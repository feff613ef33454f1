"""A 支部书记's pages with no load: server time, CPU of the app and of the database (issue 10).

    .venv/bin/python bench/pages.py                    # both databases
    .venv/bin/python bench/pages.py --db postgres --runs 21

The pages a branch secretary opens every week, as the demo's 支部书记 (shuji): the 工作台 `/`,
`/activities/`, `/rules/compliance/`, the reminders inbox `/rules/inbox/`, `/members/` and the
record form `/activities/record/`. Through Django's test client (every middleware, session
auth), each the median of ≥ 5 timed runs after two untimed warm-ups. Target: ≤ 30 ms each.

Beside the wall-clock median, each row gives this process's median CPU time (the app: the
middleware, session, view and template; on SQLite also the SQL) and, on PostgreSQL, the mean
CPU time of the database backend serving the requests (read from /proc, clock ticks, so a
mean over the runs): what one request costs the machine, which the load test's throughput
depends on, and which a shared machine's load does not inflate the way it does wall time.

*Floor:* the page's own SQL, captured from one request and replayed through
`connection.cursor()` (fetched): the database's share of the page with no ORM, session,
view or template work around it. The lists' row-level floors are bench/lists.py's; this one
measures what every page pays besides its rows.

The databases are bench/run.py's (`var/bench/sqlite/`, PostgreSQL `dangjian_bench`), loaded
with the demo city on first use. Prints a Markdown table with the columns of bench/run.py;
`rows_for()` gives bench/run.py the same rows (the `pages` step).
"""

from __future__ import annotations

import os
import re
import statistics
import time

from common import (
    ensure_demo,
    log,
    run_worker,
    setup_django,
    step_main,
    step_table,
    timed,
)

USERNAME, ROLE = "shuji", "支部书记"
# (label, URL name): the 工作台, the lists, the compliance page, the inbox, the record form
PAGES = [
    ("工作台", "web:home"),
    ("组织生活列表", "activities:activity_list"),
    ("落实情况", "rules:compliance"),
    ("我的提醒", "rules:inbox"),
    ("党员列表", "members:member_list"),
    ("记录组织生活", "activities:activity_add"),
]
TARGET_MS = 30.0
SERVER_CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ')


# --- worker (one database, in-process) ------------------------------------------------------


def backend_cpu_ms(connection) -> float | None:
    """CPU time (user + system) so far of the PostgreSQL backend serving `connection`, or None
    elsewhere (SQLite runs in this process; a server on another host has no /proc here)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def worker(runs: int) -> dict:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dangjian.accounts.models import User

    ensure_demo()
    user = User.objects.get(username=USERNAME)
    client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
    client.force_login(user)
    out: dict = {"rows": []}
    for label, url_name in PAGES:
        url = reverse(url_name)
        cpu: list[float] = []
        db_cpu: list[float] = []

        def get(url=url, cpu=cpu, db_cpu=db_cpu, probe=True):
            before = backend_cpu_ms(connection) if probe else None
            start = time.process_time()
            response = client.get(url)
            cpu.append((time.process_time() - start) * 1000)
            after = backend_cpu_ms(connection) if probe else None
            if before is not None and after is not None:
                db_cpu.append(after - before)
            assert response.status_code == 200, (url, response.status_code)
            return response

        get()
        # The page's SQL, as sent (the test client starts each request with an empty log).
        connection.force_debug_cursor = True
        try:
            get(probe=False)
            statements = [q["sql"] for q in connection.queries_log]
        finally:
            connection.force_debug_cursor = False
        median, samples = timed(get, runs)
        cpu_ms = statistics.median(cpu[-runs:])
        db_cpu_ms = statistics.mean(db_cpu[-runs:]) if db_cpu else None
        floor_ms, floor_samples = timed(lambda s=statements: replay(s), runs, warmup=1)
        db_note = f", database CPU {db_cpu_ms:,.1f} ms" if db_cpu_ms is not None else ""
        out["rows"].append(
            {
                "key": url_name,
                "operation": f"{label} `GET {url}` as {ROLE}, no load ({len(statements)} "
                f"queries, app CPU {cpu_ms:,.1f} ms{db_note})",
                "median_ms": median,
                "floor_ms": floor_ms,
                "target_ms": TARGET_MS,
                "samples": samples,
                "cpu_ms": cpu_ms,
                "db_cpu_ms": db_cpu_ms,
                "floor_samples": floor_samples,
            }
        )
        log(f"  {url}: {median:.1f} ms, app CPU {cpu_ms:.1f} ms{db_note} (floor {floor_ms:.1f} ms)")
    return out


def replay(statements: list[str]) -> None:
    """Run the captured statements again (as sent, values inline), fetching what they return;
    BEGIN/COMMIT as they came, so a write is replayed in its transaction. A server-side cursor
    (a form's choices read with .iterator()) is replayed as its plain SELECT."""
    from django.db import connection

    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(SERVER_CURSOR.sub("", sql, count=1))
            if cur.description is not None:
                cur.fetchall()


# --- orchestration (no Django in this process) ---------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"== {label}")
    return run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)


def _target() -> str:
    return f"≤ {TARGET_MS:,.0f} ms"


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """The rows in bench/run.py's format, timed on the database `env` points at."""
    return [
        {
            "operation": r["operation"],
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": _target(),
        }
        for r in run_target(label, env, runs)["rows"]
    ]


def render(rows: list[dict]) -> str:
    return step_table(rows, lambda r: _target())


def main(argv: list[str] | None = None) -> None:
    keys = [name for _label, name in PAGES]
    step_main(
        argv,
        __doc__,
        worker=worker,
        run_target=run_target,
        table=render,
        default_runs=15,
        order=lambda r: (keys.index(r["key"]), r["db"]),
    )


if __name__ == "__main__":
    main()
