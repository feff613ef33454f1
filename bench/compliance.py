"""The compliance page (制度落实情况) by role at demo-city scale (issue 10, Deliver 4).

    .venv/bin/python bench/compliance.py                  # PostgreSQL (and SQLite: --db)
    .venv/bin/python bench/compliance.py --db sqlite,postgres --runs 9
    .venv/bin/python bench/compliance.py --fresh          # drop and reload the database

`GET /rules/compliance/` through Django's test client (every middleware, session auth) as
the demo's 工委管理员 (gongwei: the city, one row per unit, target ≤ 100 ms), 单位党组织管理员
(danwei: every level of the unit) and 支部书记 (shuji: the branch, target ≤ 30 ms), on
today's year, each the median of `--runs` runs after two warm-ups, in three states of the
roll-up cache (rules/rollup.py, docs/decisions/0013):
- **warm** — nothing written since the last view (what most views are);
- **after a write** — one activity recorded in the user's unit just before each view (for
  the 工委 in one of the 85 units; for the secretary in another branch of her unit): that
  unit's token changes, so its part is judged again and the others come from the cache;
- **cold** — the global token changed before each view (as after a change to the tree or
  on a new day): the whole scope judged, as every view was before the roll-ups.

*Floor:* the evaluator's database work for the scope as hand-written SQL through
`connection.cursor()`, fetched, nothing judged: the orgs, the exemptions, the full members
per org and the one GROUP BY org, month over the year's activities with a conditional count
per rule — what every view cost before the cache (bench/rules_eval.py's floor, scoped).

The database is this benchmark's own (PostgreSQL `dangjian_bench_compliance`, SQLite
`var/bench/compliance-sqlite/`), loaded once with `dangjian demo` (city scale). The machine
is shared: read the medians beside the floor, not alone.
"""

from __future__ import annotations

import os

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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_compliance"
USERS = {
    "gongwei": ("工委管理员", 100.0),
    "danwei": ("单位党组织管理员", 100.0),
    "shuji": ("支部书记", 30.0),
}
STATES = ("warm", "write", "cold")
STATE_LABELS = {
    "warm": "warm cache",
    "write": "after a meeting recorded in the same unit",
    "cold": "cold (global token changed)",
}


# --- worker (one database, in-process) ------------------------------------------------------


def worker(runs: int) -> dict:
    setup_django()
    import datetime as dt

    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.activities.models import Activity
    from dangjian.core.scoping import scope_paths
    from dangjian.orgs.models import Organization
    from dangjian.rules import rollup
    from dangjian.rules.evaluator import VIEW_PERM
    from dangjian.rules.switches import enabled_rules

    ensure_demo()
    year = timezone.localdate().year
    rules = [r for r in enabled_rules() if r.is_evaluated]
    url = reverse("rules:compliance")
    out: dict = {"rows": []}
    for username, (role, target) in USERS.items():
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        path = min(scope_paths(user, VIEW_PERM), key=len)
        # A write inside the user's scope that changes the user's own part: for the 工委 a
        # branch of one unit (one part of 85), for the others a branch of their unit — for
        # the secretary another branch than hers (the same unit token).
        unit = (
            path[:8]
            if len(path) >= 8
            else (
                Organization.objects.filter(depth=2)
                .order_by("-path")
                .values_list("path", flat=True)[0]
            )
        )
        branches = Organization.objects.filter(path__startswith=unit, kind="branch")
        branch = branches.exclude(path=path).order_by("-path").first() or branches.first()

        def get(client=client):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        def write(branch=branch):
            Activity.objects.create(
                org=branch, kind="theme_day", title="基准测试写入", held_on=dt.date(year, 1, 5)
            )

        get()
        request_started.disconnect(reset_queries)
        try:
            with CaptureQueriesContext(connection) as ctx:
                response = get()
        finally:
            request_started.connect(reset_queries)
        queries = len(ctx.captured_queries)
        rows = response.content.decode().count("<tr data-org=")
        floor_ms, _ = timed(lambda path=path: floor(rules, year, path), runs, warmup=1)
        for state in STATES:
            # The write (or the tree's token changed) before each view is not timed.
            prepare = {"warm": None, "write": write, "cold": rollup.touch_all}[state]
            median, samples, cpu = timed_after(prepare, get, runs)
            out["rows"].append(
                {
                    "key": f"{username}:{state}",
                    "operation": f"制度落实情况 `GET {url}` as {role}, {STATE_LABELS[state]} "
                    f"({rows} rows, {queries} queries warm)",
                    "median_ms": median,
                    "floor_ms": floor_ms,
                    "target_ms": target,
                    "samples": samples,
                    "cpu_ms": cpu,
                }
            )
        Activity.objects.filter(title="基准测试写入").delete()
    return out


def timed_after(prepare, fn, runs: int, warmup: int = 2) -> tuple[float, list[float], float]:
    """Median wall ms of `fn` (after `prepare()`, untimed, when given), its samples, and the
    median CPU ms of this process per call — the app's own cost, which the load others put
    on this shared machine disturbs far less than the wall time."""
    import statistics
    import time

    samples, cpu = [], []
    for i in range(warmup + runs):
        if prepare is not None:
            prepare()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(samples), samples, statistics.median(cpu)


def floor(rules, year: int, path: str) -> None:
    """The evaluator's database work for the subtree at `path`, hand-written and fetched."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    month = (
        "EXTRACT(MONTH FROM a.held_on)::int"
        if pg
        else "CAST(strftime('%%m', a.held_on) AS INTEGER)"
    )
    day = (
        "EXTRACT(DAY FROM a.held_on)::int" if pg else "CAST(strftime('%%d', a.held_on) AS INTEGER)"
    )
    scope = "o.path >= %s AND o.path < %s"
    bounds = [path, path + "\uffff"]
    params: list = []
    columns = []
    for rule in rules:
        f = rule.schedule
        cond = f"a.kind IN ({_in(f.activity_kinds)}) AND o.kind IN ({_in(rule.applies_to)})"
        args = [*f.activity_kinds, *rule.applies_to]
        if f.day_of_month:
            cond += f" AND {day} = %s"
            args.append(f.day_of_month)
        columns.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
        params.extend(args)
        if f.every_activity_has:
            exists = (
                "EXISTS (SELECT 1 FROM activities_agendaitem i "
                "WHERE i.activity_id = a.id AND i.is_first_topic)"
            )
            columns.append(f"SUM(CASE WHEN {cond} AND {exists} THEN 1 ELSE 0 END)")
            params.extend(args)
    kinds = sorted({k for r in rules for k in r.schedule.activity_kinds})
    org_kinds = sorted({k for r in rules for k in r.applies_to})
    sql = (
        f"SELECT a.org_id, {month} AS m, {', '.join(columns)} "
        "FROM activities_activity a JOIN orgs_organization o ON o.id = a.org_id "
        f"WHERE {scope} AND a.held_on BETWEEN %s AND %s AND a.kind IN ({_in(kinds)}) "
        f"AND o.kind IN ({_in(org_kinds)}) GROUP BY a.org_id, m"
    )
    params += [*bounds, f"{year}-01-01", f"{year}-12-31", *kinds, *org_kinds]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, name, kind, path, established_on, dissolved_on, status "
            f"FROM orgs_organization o WHERE {scope} AND kind IN ({_in(org_kinds)}) ORDER BY path",
            [*bounds, *org_kinds],
        )
        cur.fetchall()
        cur.execute(
            "SELECT e.org_id, e.rule_id, e.starts_on, e.ends_on, e.expires_on "
            "FROM rules_ruleexemption e JOIN orgs_organization o ON o.id = e.org_id "
            f"WHERE {scope} AND e.member_id IS NULL AND e.starts_on <= %s "
            "AND (e.ends_on IS NULL OR e.ends_on >= %s)",
            [*bounds, f"{year}-12-31", f"{year}-01-01"],
        )
        cur.fetchall()
        cur.execute(
            "SELECT o.path, COUNT(*) FROM members_member m "
            f"JOIN orgs_organization o ON o.id = m.org_id WHERE {scope} "
            "AND m.membership = 'normal' AND m.status = 'full' GROUP BY o.path",
            bounds,
        )
        cur.fetchall()
        cur.execute(sql, params)
        cur.fetchall()


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


# --- orchestration (no Django in this process) ---------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"== {label}")
    return run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """The rows in bench/run.py's format, timed on the database `env` points at."""
    return [
        {
            "operation": r["operation"],
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": f"≤ {r['target_ms']:,.0f} ms",
            "note": f"app CPU {r['cpu_ms']:.0f} ms",
        }
        for r in run_target(label, env, runs)["rows"]
    ]


def render(rows: list[dict]) -> str:
    rows = [{**r, "operation": f"{r['operation']} — app CPU {r['cpu_ms']:.0f} ms"} for r in rows]
    return step_table(rows, lambda r: f"≤ {r['target_ms']:,.0f} ms")


def main(argv: list[str] | None = None) -> None:
    step_main(
        argv,
        __doc__,
        worker=worker,
        run_target=run_target,
        table=render,
        postgres_url=os.environ.get("DANGJIAN_BENCH_COMPLIANCE_POSTGRES_URL", PG_URL),
        data_dir=lambda key: VAR / f"compliance-{key}",
        default_db="postgres",
    )


if __name__ == "__main__":
    main()
