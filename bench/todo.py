"""待办 and the 工作台 by role at demo-city scale on SQLite and PostgreSQL (issue 9).

    .venv/bin/python bench/todo.py                    # both databases
    .venv/bin/python bench/todo.py --db sqlite --runs 9
    .venv/bin/python bench/todo.py --fresh            # drop and reload the databases

Six requests through Django's test client (every middleware, session auth), each the median
of ≥ 5 timed runs after two untimed warm-ups: `GET /todo/` and `GET /` (the 工作台, whose main
section is the 待办) as the demo's 支部书记 (shuji, target ≤ 100 ms), 单位党组织管理员
(danwei, ≤ 200 ms) and 工委管理员 (gongwei, ≤ 500 ms), on today's date.

*Floor:* the same database work as hand-written SQL through `connection.cursor()`, fetched:
the orgs in scope, their exemptions, the full members at the two month-ends judged, the
activities of the current and previous periods grouped by org, kind and month (yearly kinds
from 1 January); then what the level's page adds — a branch's 换届, 预备期满, 政治生日 and
open 整改; a unit's org names and 整改 due; the 工委's unit names, running campaigns and
整改 due — and for the 工作台 its figures (members by category, 换届 by status, org counts,
meetings of the year, 整改 by status).

The databases are this benchmark's own (`var/bench/todo-sqlite/`, PostgreSQL
`dangjian_bench_todo`), loaded once with `dangjian demo` (city scale). Prints a Markdown table
with the columns of bench/run.py; `rows_for()` gives bench/run.py the same rows.
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_todo"
USERS = {
    "shuji": ("支部书记", 100.0),
    "danwei": ("单位党组织管理员", 200.0),
    "gongwei": ("工委管理员", 500.0),
}
PAGES = {"todo": ("web:todo", "待办"), "home": ("web:home", "工作台")}


# --- worker (one database, in-process) ------------------------------------------------------


def worker(runs: int) -> dict:
    setup_django()
    from django.core.cache import caches
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.rules import rollup
    from dangjian.rules.switches import enabled_rules
    from dangjian.web import todo as web_todo

    ensure_demo()
    planner_statistics()
    today = timezone.localdate()
    rules = [r for r in enabled_rules() if r.is_evaluated]
    out: dict = {"rows": []}
    for username, (role, target) in USERS.items():
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
        client.force_login(user)
        page = web_todo.build(user, today, every_org=True)  # for the counts in the label
        scope = page.focus.path if page.focus else scope_path(user)
        for key, (url_name, label) in PAGES.items():
            url = reverse(url_name)

            def get(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            get()
            # request_started would reset the query log in the middle of the capture.
            request_started.disconnect(reset_queries)
            try:
                with CaptureQueriesContext(connection) as ctx:
                    response = get()
            finally:
                request_started.connect(reset_queries)
            queries = len(ctx.captured_queries)  # now: the next request resets the log
            assert "todo-summary" in response.content.decode(), f"{url}: no 待办 on the page"
            median, samples = timed(get, runs)
            level, home = page.level, key == "home"
            floor_ms, _ = timed(
                lambda level=level, scope=scope, home=home: floor(
                    level, scope, today, rules, home=home
                ),
                runs,
                warmup=1,
            )
            out["rows"].append(
                {
                    "key": f"{username}:{key}",
                    "operation": f"{label} `GET {url}` as {role} ({page.level} level, "
                    f"{len(page.todo.orgs):,} orgs, {len(page.todo.items):,} items, "
                    f"{queries} queries)",
                    "median_ms": median,
                    "floor_ms": floor_ms,
                    "target_ms": target,
                    "samples": samples,
                }
            )
            if page.level == web_todo.COMMITTEE:
                # The first view of a day, or after a change to the tree: no unit cached.
                def cold(get=get):
                    caches[rollup.CACHE].clear()
                    return get()

                median, samples = timed(cold, runs)
                out["rows"].append(
                    {
                        "key": f"{username}:{key}:cold",
                        "operation": f"{label} `GET {url}` as {role}, first view of the day "
                        "(no unit in the roll-up cache)",
                        "median_ms": median,
                        "floor_ms": floor_ms,
                        "target_ms": target,
                        "samples": samples,
                    }
                )
    return out


def planner_statistics() -> None:
    """SQLite plans a branch's queries well only with statistics (demo.bulk.analyze runs
    ANALYZE after the load; a migration that rebuilds a table drops that table's): a
    database with a table of rows but no statistics gets them here, once."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        known = set()
        if cur.fetchone() is not None:
            cur.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            known = {row[0] for row in cur.fetchall()}
        tables = ("members_member", "orgs_organization", "activities_activity")
        if not known.issuperset(tables):
            log("  SQLite without planner statistics for some tables: ANALYZE …")
            cur.execute("ANALYZE")


def scope_path(user) -> str:
    from dangjian.core.scoping import scope_paths
    from dangjian.rules.evaluator import VIEW_PERM

    paths = scope_paths(user, VIEW_PERM)
    return min(paths, key=len) if paths else ""


# --- the floor: the same database work in hand-written SQL --------------------------------------


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def floor(level: str, path: str, today, rules, *, home: bool) -> None:
    import datetime as dt

    from django.db import connection

    pg = connection.vendor == "postgresql"
    lo, hi = path, path + "\uffff"
    in_scope = "o.path >= %s AND o.path < %s"
    jan1 = dt.date(today.year, 1, 1)
    month_start = today.replace(day=1)
    prev_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    prev_quarter = (quarter_start - dt.timedelta(days=1)).replace(day=1)
    prev_quarter = prev_quarter.replace(month=3 * ((prev_quarter.month - 1) // 3) + 1)
    since = {"month": max(jan1, prev_month), "quarter": max(jan1, prev_quarter), "year": jan1}
    by_kind: dict[str, dt.date] = {}
    for r in rules:
        for k in r.schedule.activity_kinds:
            by_kind[k] = min(by_kind.get(k, since[r.schedule.period]), since[r.schedule.period])
    org_kinds = sorted({k for r in rules for k in r.applies_to})
    month = (
        "EXTRACT(MONTH FROM a.held_on)::int"
        if pg
        else "CAST(strftime('%%m', a.held_on) AS INTEGER)"
    )
    rows_q = " OR ".join("(a.kind = %s AND a.held_on >= %s)" for _ in by_kind)
    rows_p = [v for k, d in sorted(by_kind.items()) for v in (k, d)]
    ends = [month_start - dt.timedelta(days=1), today.replace(day=28) + dt.timedelta(days=4)]
    ends[1] = ends[1] - dt.timedelta(days=ends[1].day)
    since_sql = (
        "GREATEST(m.joined_on, COALESCE(m.full_member_on, m.joined_on))"
        if pg
        else ("MAX(m.joined_on, COALESCE(m.full_member_on, m.joined_on))")
    )
    with connection.cursor() as cur:

        def run(sql: str, params: list) -> None:
            cur.execute(sql, params)
            cur.fetchall()

        run(
            "SELECT o.id, o.name, o.kind, o.path, o.established_on, o.dissolved_on, o.status "
            f"FROM orgs_organization o WHERE {in_scope} AND o.kind IN ({_in(org_kinds)}) "
            "ORDER BY o.path",
            [lo, hi, *org_kinds],
        )
        run(
            "SELECT e.org_id, e.rule_id, e.starts_on, e.ends_on, e.expires_on "
            "FROM rules_ruleexemption e JOIN orgs_organization o ON o.id = e.org_id "
            f"WHERE {in_scope} AND e.member_id IS NULL AND e.starts_on <= %s "
            "AND (e.ends_on IS NULL OR e.ends_on >= %s)",
            [lo, hi, f"{today.year}-12-31", jan1],
        )
        run(
            f"SELECT o.path, SUM(CASE WHEN {since_sql} <= %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {since_sql} <= %s THEN 1 ELSE 0 END) "
            "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id "
            f"WHERE {in_scope} AND m.membership = 'normal' AND m.status = 'full' GROUP BY o.path",
            [*ends, lo, hi],
        )
        run(
            f"SELECT a.org_id, a.kind, {month} AS mo, COUNT(*) FROM activities_activity a "
            f"JOIN orgs_organization o ON o.id = a.org_id WHERE {in_scope} AND ({rows_q}) "
            f"AND a.held_on <= %s AND o.kind IN ({_in(org_kinds)}) GROUP BY a.org_id, a.kind, mo",
            [lo, hi, *rows_p, today, *org_kinds],
        )
        rect_join = "FROM assessments_rectification r JOIN orgs_organization o ON o.id = r.org_id "
        rect_where = f"WHERE {in_scope} AND r.status IN ('open', 'returned')"
        rect_params = [lo, hi]
        if level != "branch":  # many orgs: the 整改 due within 30 days
            rect_where += " AND r.deadline <= %s"
            rect_params.append(today + dt.timedelta(days=30))
        run(f"SELECT COUNT(*) {rect_join}{rect_where}", rect_params)
        run(
            "SELECT r.id, r.deadline, r.status, f.text, o.name "
            f"{rect_join}JOIN assessments_finding f ON f.id = r.finding_id {rect_where} "
            "ORDER BY r.deadline LIMIT 50",
            rect_params,
        )
        if level == "branch":
            run(
                "SELECT o.id, o.name, t.planned_end_on FROM orgs_organization o LEFT JOIN "
                "orgs_term t ON t.org_id = o.id AND t.started_on <= %s AND "
                "(t.ended_on IS NULL OR t.ended_on > %s) "
                f"WHERE {in_scope} AND o.kind IN ('party_committee', 'general_branch', 'branch')",
                [today, today, lo, hi],
            )
            members = (
                "SELECT m.id, m.name, o.name, m.joined_on FROM members_member m "
                f"JOIN orgs_organization o ON o.id = m.org_id WHERE {in_scope} "
                "AND m.membership = 'normal'"
            )
            run(
                members + " AND m.status = 'probationary' AND m.joined_on BETWEEN %s AND %s",
                [lo, hi, today - dt.timedelta(days=366), today - dt.timedelta(days=270)],
            )
            birth_month = (
                "EXTRACT(MONTH FROM m.joined_on)"
                if pg
                else "CAST(strftime('%%m', m.joined_on) AS INTEGER)"
            )
            run(
                members + f" AND {birth_month} = %s AND m.joined_on < %s",
                [lo, hi, today.month, jan1],
            )
        else:
            run(
                f"SELECT o.path, o.id, o.name FROM orgs_organization o WHERE {in_scope} "
                "AND o.depth = 2",
                [lo, hi],
            )
        if level == "committee":
            run(
                "SELECT c.id, c.name, c.period_end, COUNT(a.id), "
                "SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END) FROM assessments_campaign c "
                "JOIN orgs_organization o ON o.id = c.scope_org_id "
                "LEFT JOIN assessments_assessment a ON a.campaign_id = c.id "
                f"WHERE {in_scope} AND c.status = 'active' GROUP BY c.id, c.name, c.period_end",
                [lo, hi],
            )
        if not home:
            return
        roll = (
            "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id "
            f"WHERE {in_scope} AND m.membership = 'normal'"
        )
        run(
            f"SELECT m.category, COUNT(*), SUM(CASE WHEN m.status = 'probationary' THEN 1 ELSE 0 END) {roll} GROUP BY m.category",
            [lo, hi],
        )
        if level == "branch":
            run(
                "SELECT COUNT(*) FROM activities_activity a JOIN orgs_organization o "
                f"ON o.id = a.org_id WHERE {in_scope} AND a.held_on BETWEEN %s AND %s",
                [lo, hi, jan1, f"{today.year}-12-31"],
            )
            return
        run(
            "SELECT o.kind, COUNT(*) FROM orgs_organization o "
            f"WHERE {in_scope} AND o.status = 'active' GROUP BY o.kind",
            [lo, hi],
        )
        run(
            "SELECT t.planned_end_on, COUNT(*) FROM orgs_organization o LEFT JOIN orgs_term t "
            f"ON t.org_id = o.id AND t.ended_on IS NULL WHERE {in_scope} AND o.status = 'active' "
            "GROUP BY t.planned_end_on",
            [lo, hi],
        )
        run(
            "SELECT r.status, COUNT(*) FROM assessments_rectification r JOIN orgs_organization o "
            f"ON o.id = r.org_id WHERE {in_scope} GROUP BY r.status",
            [lo, hi],
        )


# --- orchestration (no Django in this process) ---------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"== {label}")
    return run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """The six rows in bench/run.py's format, timed on the database `env` points at."""
    result = run_target(label, env, runs)
    return [
        {
            "operation": r["operation"],
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": f"≤ {r['target_ms']:,.0f} ms",
        }
        for r in result["rows"]
    ]


def render(rows: list[dict]) -> str:
    return step_table(rows, lambda r: f"≤ {r['target_ms']:,.0f} ms")


def main(argv: list[str] | None = None) -> None:
    order = list(USERS)
    step_main(
        argv,
        __doc__,
        worker=worker,
        run_target=run_target,
        table=render,
        postgres_url=os.environ.get("DANGJIAN_BENCH_TODO_POSTGRES_URL", PG_URL),
        data_dir=lambda key: VAR / f"todo-{key}",
        order=lambda r: (order.index(r["key"].split(":")[0]), r["key"], r["db"]),
    )


if __name__ == "__main__":
    main()
