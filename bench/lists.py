"""The heaviest list pages and API lists by role, beside their SQL floor (issue 10).

    .venv/bin/python bench/lists.py                    # both databases
    .venv/bin/python bench/lists.py --db sqlite --runs 9

Through Django's test client (every middleware, session auth), each the median of ≥ 5 timed
runs after two untimed warm-ups, as the demo's 支部书记 (shuji: her branch) and 工委管理员
(gongwei: the whole city): the member list (`/members/`, `/api/members/`), the activity list
(`/activities/`: the current year, as the page opens; `/api/activities/`: every year), the
participations (`/api/participations/`; they have no list page), the findings
(`/assessments/findings/`, `/api/findings/`) and the org list (`/orgs/list/`, `/api/orgs/`).
Target: ≤ 3 × floor + 10 ms.

*Floor:* the rows of the same first page by hand through `connection.cursor()`, fetched: the
COUNT the pager shows (capped at 10 001 rows where the API caps it), the 50 rows with the
columns shown and their joins, in the list's order, and what the page adds for those rows
(attendance counts, tags; an activity's agenda, observers and attachments in the API; each
org's parent, open term and subtree member count). No session, permission or filter-form
queries, no decryption, no rendering.

The databases are bench/run.py's (`var/bench/sqlite/`, PostgreSQL `dangjian_bench`), loaded
with the demo city on first use. Prints a Markdown table with the columns of bench/run.py;
`rows_for()` gives bench/run.py the same rows (the `lists` step).
"""

from __future__ import annotations

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

USERS = {"shuji": "支部书记", "gongwei": "工委管理员"}
# (key, label, URL, floor): the page and the API list of each heavy list.
LISTS = [
    ("members", "党员列表", "/members/", "members"),
    ("members-api", "党员 API", "/api/members/", "members"),
    ("activities", "组织生活列表（本年）", "/activities/", "activities"),
    ("activities-api", "组织生活 API", "/api/activities/", "activities_api"),
    ("participations-api", "参加记录 API", "/api/participations/", "participations"),
    ("findings", "问题清单", "/assessments/findings/", "findings"),
    ("findings-api", "问题 API", "/api/findings/", "findings"),
    ("orgs", "党组织列表", "/orgs/list/", "orgs"),
    ("orgs-api", "党组织 API", "/api/orgs/", "orgs_api"),
]
PAGE = 50
CAP = 10_001  # the activity and participation APIs stop counting at 10 000


def target_ms(floor_ms: float) -> float:
    return 3 * floor_ms + 10


# --- worker (one database, in-process) ------------------------------------------------------


def worker(runs: int) -> dict:
    setup_django()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.models import User
    from dangjian.core.scoping import scope_paths

    ensure_demo()
    planner_statistics()
    out: dict = {"rows": []}
    for username, role in USERS.items():
        user = User.objects.get(username=username)
        paths = scope_paths(user, "members.view_member")
        scope = min(paths, key=len)
        client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
        client.force_login(user)
        for key, label, url, floor_name in LISTS:
            cpu: list[float] = []

            def get(url=url, client=client, cpu=cpu):
                start = time.process_time()
                response = client.get(url)
                cpu.append((time.process_time() - start) * 1000)
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
            queries = len(ctx.captured_queries)
            size = len(response.content)
            median, samples = timed(get, runs)
            # this process's CPU time in the timed runs: on a shared machine the wall-clock
            # median carries others' load, this does not (on SQLite it includes the SQL)
            cpu_ms = statistics.median(cpu[-runs:])
            floor_fn = FLOORS[floor_name]
            rows_shown = floor_fn(scope)  # once untimed: the row count for the label
            floor_ms, floor_samples = timed(lambda f=floor_fn, s=scope: f(s), runs, warmup=1)
            out["rows"].append(
                {
                    "key": f"{username}:{key}",
                    "operation": f"{label} `GET {url}` as {role} ({rows_shown} rows, "
                    f"{queries} queries, {size / 1024:,.0f} KB, CPU {cpu_ms:,.1f} ms)",
                    "median_ms": median,
                    "floor_ms": floor_ms,
                    "target_ms": target_ms(floor_ms),
                    "samples": samples,
                    "cpu_ms": cpu_ms,
                    "floor_samples": floor_samples,
                }
            )
            log(
                f"  {username} {url}: {median:.1f} ms, CPU {cpu_ms:.1f} ms (floor {floor_ms:.1f} ms)"
            )
    return out


def planner_statistics() -> None:
    """SQLite plans these joins well only with statistics (bench/todo.py does the same)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        known = set()
        if cur.fetchone() is not None:
            cur.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            known = {row[0] for row in cur.fetchall()}
        needed = ("members_member", "orgs_organization", "activities_activity")
        if not known.issuperset(needed):
            log("  SQLite without planner statistics for some tables: ANALYZE …")
            cur.execute("ANALYZE")


# --- the floors: the same rows in hand-written SQL ------------------------------------------

IN_SCOPE = "o.path >= %s AND o.path < %s"


def _scope(path: str) -> list[str]:
    return [path, path + "\uffff"]


def _run(cur, sql: str, params: list) -> list[tuple]:
    cur.execute(sql, params)
    return cur.fetchall()


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values)) or "NULL"


def floor_members(path: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        join = "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id"
        _run(cur, f"SELECT COUNT(*) {join} WHERE {IN_SCOPE}", _scope(path))
        rows = _run(
            cur,
            "SELECT m.id, m.name, m.gender, m.birth_date, m.id_number, m.phone, m.category, "
            "m.status, m.joined_on, m.membership, o.id, o.name, o.path, u.id, u.name "
            f"{join} LEFT JOIN orgs_unit u ON u.id = m.unit_id WHERE {IN_SCOPE} "
            f"ORDER BY m.org_id, m.name, m.id LIMIT {PAGE}",
            _scope(path),
        )
    return len(rows)


def _attendance_columns() -> str:
    from dangjian.activities.models import ParticipationStatus

    return ", ".join(
        "(SELECT COUNT(*) FROM activities_participation p WHERE p.activity_id = a.id "
        f"AND p.status = '{status}')"
        for status in ParticipationStatus.values
    )


def _tags(cur, ids: list) -> None:
    _run(
        cur,
        "SELECT at.activity_id, t.id, t.name FROM activities_activity_tags at "
        f"JOIN activities_tag t ON t.id = at.tag_id WHERE at.activity_id IN ({_marks(ids)})",
        ids,
    )


def floor_activities(path: str) -> int:
    """The HTML list opens on the current year (held that year, or planned for it)."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    year = timezone.localdate().year
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    where = (
        f"WHERE {IN_SCOPE} AND ((a.held_on BETWEEN %s AND %s) "
        "OR (a.held_on IS NULL AND a.planned_on BETWEEN %s AND %s))"
    )
    params = [*_scope(path), first, last, first, last]
    join = "FROM activities_activity a JOIN orgs_organization o ON o.id = a.org_id"
    with connection.cursor() as cur:
        _run(cur, f"SELECT COUNT(*) {join} {where}", params)
        rows = _run(
            cur,
            "SELECT a.id, a.title, a.kind, a.held_on, a.planned_on, a.quorum_met, o.id, o.name, "
            f"{_attendance_columns()} {join} {where} "
            f"ORDER BY a.held_on DESC, a.id DESC LIMIT {PAGE}",
            params,
        )
        _tags(cur, [r[0] for r in rows])
    return len(rows)


def floor_activities_api(path: str) -> int:
    from django.db import connection

    join = "FROM activities_activity a JOIN orgs_organization o ON o.id = a.org_id"
    with connection.cursor() as cur:
        _run(
            cur,
            f"SELECT COUNT(*) FROM (SELECT 1 {join} WHERE {IN_SCOPE} LIMIT {CAP}) s",
            _scope(path),
        )
        rows = _run(
            cur,
            "SELECT a.id, a.org_id, a.kind, a.training_type, a.service_type, a.title, "
            "a.planned_on, a.held_on, a.starts_at, a.ends_at, a.place, a.host_id, a.recorder_id, "
            "a.minutes, a.external_observers, a.quorum_met, a.review_status, o.name, "
            "(SELECT h.name FROM members_member h WHERE h.id = a.host_id), "
            f"{_attendance_columns()} {join} WHERE {IN_SCOPE} "
            f"ORDER BY a.held_on DESC, a.id DESC LIMIT {PAGE}",
            _scope(path),
        )
        ids = [r[0] for r in rows]
        marks = _marks(ids)
        _run(
            cur,
            'SELECT id, activity_id, "order", title, is_first_topic FROM activities_agendaitem '
            f'WHERE activity_id IN ({marks}) ORDER BY "order", id',
            ids,
        )
        _tags(cur, ids)
        _run(
            cur,
            f"SELECT activity_id, user_id FROM activities_activity_observers "
            f"WHERE activity_id IN ({marks})",
            ids,
        )
        _run(
            cur,
            "SELECT id, activity_id, original_name, content_type, size FROM activities_attachment "
            f"WHERE activity_id IN ({marks}) ORDER BY id",
            ids,
        )
    return len(rows)


def floor_participations(path: str) -> int:
    """Newest meetings first: the k-th most recent meeting date bounds the rows to read,
    widened until the page is full (as the API's DateWindowPagination does)."""
    from django.db import connection

    acts = "FROM activities_activity a JOIN orgs_organization o ON o.id = a.org_id"
    join = (
        "FROM activities_participation p JOIN activities_activity a ON a.id = p.activity_id "
        "JOIN orgs_organization o ON o.id = a.org_id"
    )
    with connection.cursor() as cur:
        _run(
            cur,
            f"SELECT COUNT(*) FROM (SELECT 1 {join} WHERE {IN_SCOPE} LIMIT {CAP}) s",
            _scope(path),
        )
        k = 10
        while True:
            bound = _run(
                cur,
                f"SELECT a.held_on {acts} WHERE {IN_SCOPE} AND a.held_on IS NOT NULL "
                f"ORDER BY a.held_on DESC LIMIT 1 OFFSET {k - 1}",
                _scope(path),
            )
            since = bound[0][0] if bound else "0001-01-01"
            rows = _run(
                cur,
                "SELECT p.id, p.status, p.reason, p.hours, a.id, a.title, a.kind, a.held_on, "
                f"o.path, m.id, m.name {join} JOIN members_member m ON m.id = p.member_id "
                f"WHERE {IN_SCOPE} AND a.held_on >= %s ORDER BY a.held_on DESC, p.id "
                f"LIMIT {PAGE + 1}",
                [*_scope(path), since],
            )
            if len(rows) > PAGE or not bound:
                return min(len(rows), PAGE)
            k *= 4


def floor_findings(path: str) -> int:
    from django.db import connection

    join = "FROM assessments_finding f JOIN orgs_organization o ON o.id = f.org_id"
    with connection.cursor() as cur:
        _run(cur, f"SELECT COUNT(*) {join} WHERE {IN_SCOPE}", _scope(path))
        rows = _run(
            cur,
            "SELECT f.id, f.text, f.found_on, f.category, f.severity, f.raised_by_org_id, "
            "f.assessment_id, f.item_id, o.id, o.name, c.id, c.name, r.id, r.status, r.deadline "
            f"{join} LEFT JOIN assessments_campaign c ON c.id = f.campaign_id "
            "LEFT JOIN assessments_rectification r ON r.finding_id = f.id "
            f"WHERE {IN_SCOPE} ORDER BY f.found_on DESC, f.id DESC LIMIT {PAGE}",
            _scope(path),
        )
    return len(rows)


def _org_page(cur, path: str) -> list[tuple]:
    _run(cur, f"SELECT COUNT(*) FROM orgs_organization o WHERE {IN_SCOPE}", _scope(path))
    return _run(
        cur,
        "SELECT o.id, o.path, o.depth, o.kind, o.name, o.short_name, o.code, o.established_on, "
        "o.status, o.dissolved_on, u.id, u.name, "
        "(SELECT p.id || ' ' || p.name FROM orgs_organization p "
        " WHERE p.path = SUBSTR(o.path, 1, LENGTH(o.path) - 4)), "
        "t.id, t.number, t.started_on, t.planned_end_on, t.extension_approved, t.extended_to "
        "FROM orgs_organization o LEFT JOIN orgs_unit u ON u.id = o.unit_id "
        "LEFT JOIN orgs_term t ON t.org_id = o.id AND t.ended_on IS NULL "
        f"WHERE {IN_SCOPE} ORDER BY o.path LIMIT {PAGE}",
        _scope(path),
    )


def floor_orgs(path: str) -> int:
    """The page also shows each org's subtree member count: one aggregate for its rows."""
    from django.db import connection

    with connection.cursor() as cur:
        rows = _org_page(cur, path)
        paths = [r[1] for r in rows]
        conditions = " OR ".join("(o.path >= %s AND o.path < %s)" for _ in paths) or "1 = 0"
        _run(
            cur,
            "SELECT o.path, COUNT(*) FROM members_member m "
            "JOIN orgs_organization o ON o.id = m.org_id "
            f"WHERE ({conditions}) AND m.membership = 'normal' GROUP BY o.path",
            [v for p in paths for v in _scope(p)],
        )
    return len(rows)


def floor_orgs_api(path: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        return len(_org_page(cur, path))


FLOORS = {
    "members": floor_members,
    "activities": floor_activities,
    "activities_api": floor_activities_api,
    "participations": floor_participations,
    "findings": floor_findings,
    "orgs": floor_orgs,
    "orgs_api": floor_orgs_api,
}


# --- orchestration (no Django in this process) ---------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"== {label}")
    return run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)


def _target(floor_ms: float) -> str:
    return f"≤ {target_ms(floor_ms):,.0f} ms (3 × floor + 10)"


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """The rows in bench/run.py's format, timed on the database `env` points at."""
    result = run_target(label, env, runs)
    return [
        {
            "operation": r["operation"],
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": _target(r["floor_ms"]),
        }
        for r in result["rows"]
    ]


def render(rows: list[dict]) -> str:
    return step_table(rows, lambda r: _target(r["floor_ms"]))


def main(argv: list[str] | None = None) -> None:
    users, keys = list(USERS), [k for k, *_ in LISTS]
    step_main(
        argv,
        __doc__,
        worker=worker,
        run_target=run_target,
        table=render,
        # bench/run.py's databases: var/bench/<sqlite|postgres>/ and the shared PostgreSQL one
        order=lambda r: (
            users.index(r["key"].split(":")[0]),
            keys.index(r["key"].split(":")[1]),
            r["db"],
        ),
    )


if __name__ == "__main__":
    main()
