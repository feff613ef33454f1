"""The 发展党员 pipeline page at demo-city scale on SQLite and PostgreSQL (issue 11).

    .venv/bin/python bench/recruitment.py                    # both databases
    .venv/bin/python bench/recruitment.py --db sqlite --runs 9
    .venv/bin/python bench/recruitment.py --fresh            # drop and reload the databases

`GET /recruitment/` (people per stage, the people due or overdue, the first page of the
list with each person's next step) through Django's test client (every middleware,
session auth), the median of ≥ 5 timed runs after two untimed warm-ups, as the demo's
工委管理员 (gongwei: the whole city, target ≤ 300 ms), 单位党组织管理员 (danwei) and 支部书记
(shuji), each also with `?stage=attention` (the due and overdue list).

*Floor:* the same database work as hand-written SQL through `connection.cursor()`,
fetched: the counts per stage (one aggregate with the 转正 of the year), the open people
whose last step leaves something due with the dates the rules count from (one grouped
join over the steps), the page's count and its 30 rows with org and member.

The databases are this benchmark's own (`var/bench/recruitment-sqlite/`, PostgreSQL
`dangjian_bench_recruitment`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_recruitment"
TARGET_MS = 300.0
USERS = {"gongwei": "工委管理员", "danwei": "单位党组织管理员", "shuji": "支部书记"}
PAGES = {"pipeline": "", "attention": "?stage=attention"}


def worker(runs: int) -> dict:
    setup_django()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.core.scoping import scope_paths
    from dangjian.recruitment.models import Applicant

    ensure_demo()
    today = timezone.localdate()
    out: dict = {"rows": []}
    for username, role in USERS.items():
        user = User.objects.get(username=username)
        paths = scope_paths(user, "recruitment.view_applicant")
        scope = min(paths, key=len) if paths else ""
        people = Applicant.objects.restrict(user, "view").count()
        client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
        client.force_login(user)
        for key, query in PAGES.items():
            url = reverse("recruitment:pipeline") + query

            def get(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            get()
            request_started.disconnect(reset_queries)  # would reset the log mid-capture
            try:
                with CaptureQueriesContext(connection) as ctx:
                    response = get()
            finally:
                request_started.connect(reset_queries)
            queries = len(ctx.captured_queries)
            assert "data-dj-pipeline" in response.content.decode(), f"{url}: no list"
            median, samples = timed(get, runs)
            floor_ms, _ = timed(
                lambda scope=scope, key=key: floor(scope, today, attention=key == "attention"),
                runs,
                warmup=1,
            )
            out["rows"].append(
                {
                    "key": f"{username}:{key}",
                    "operation": f"发展党员 `GET {url}` as {role} ({people:,} people in scope, "
                    f"{queries} queries)",
                    "median_ms": median,
                    "floor_ms": floor_ms,
                    "target_ms": TARGET_MS,
                    "samples": samples,
                }
            )
    return out


def floor(path: str, today, *, attention: bool) -> None:
    import datetime as dt

    from django.db import connection

    lo, hi = path, path + "\uffff"
    scope = "o.path >= %s AND o.path < %s"
    base = "FROM recruitment_applicant a JOIN orgs_organization o ON o.id = a.org_id "
    with connection.cursor() as cur:

        def run(sql: str, params: list) -> list:
            cur.execute(sql, params)
            return cur.fetchall()

        run(
            "SELECT SUM(CASE WHEN a.closed_on IS NULL AND a.stage = 'applicant' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.closed_on IS NULL AND a.stage = 'activist' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.closed_on IS NULL AND a.stage = 'candidate' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.closed_on IS NULL AND a.stage = 'probationary' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.stage = 'full' AND EXISTS (SELECT 1 FROM recruitment_recruitmentstep s "
            "WHERE s.applicant_id = a.id AND s.step = 24 AND s.done_on >= %s) THEN 1 ELSE 0 END) "
            f"{base}WHERE {scope}",
            [dt.date(today.year, 1, 1), lo, hi],
        )
        due = run(
            "SELECT a.id, a.name, a.org_id, o.name, o.path, a.applied_on, a.last_step, "
            "MAX(CASE WHEN s.step = 3 THEN s.done_on END), MAX(CASE WHEN s.step = 6 THEN s.done_on END), "
            "MAX(CASE WHEN s.step = 7 THEN s.done_on END), MAX(CASE WHEN s.step = 15 THEN s.done_on END), "
            "MAX(CASE WHEN s.step = 23 THEN s.done_on END) "
            f"{base}LEFT JOIN recruitment_recruitmentstep s ON s.applicant_id = a.id "
            f"WHERE {scope} AND a.closed_on IS NULL AND a.last_step IN (1, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 23) "
            "GROUP BY a.id, a.name, a.org_id, o.name, o.path, a.applied_on, a.last_step",
            [lo, hi],
        )
        where = f"WHERE {scope} AND a.closed_on IS NULL AND a.stage <> 'full'"
        params: list = [lo, hi]
        if attention:
            ids = [r[0] for r in due] or [0]
            where = f"WHERE {scope} AND a.id IN ({', '.join(['%s'] * len(ids))})"
            params = [lo, hi, *ids]
        run(f"SELECT COUNT(*) {base}{where}", params)
        run(
            "SELECT a.id, a.name, a.stage, a.last_step, a.last_step_on, a.applied_on, a.closed_on, "
            "o.name, m.joined_on, m.probation_extension_months "
            f"{base}LEFT JOIN members_member m ON m.id = a.member_id {where} "
            "ORDER BY o.path, a.last_step DESC, a.applied_on, a.id LIMIT 30",
            params,
        )


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
        }
        for r in run_target(label, env, runs)["rows"]
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
        postgres_url=os.environ.get("DANGJIAN_BENCH_RECRUITMENT_POSTGRES_URL", PG_URL),
        data_dir=lambda key: VAR / f"recruitment-{key}",
        order=lambda r: (order.index(r["key"].split(":")[0]), r["key"], r["db"]),
    )


if __name__ == "__main__":
    main()
