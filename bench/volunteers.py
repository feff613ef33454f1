"""志愿服务 and 双报到 at demo-city scale on SQLite and PostgreSQL (issue 13 item 5).

    .venv/bin/python bench/volunteers.py                    # both databases
    .venv/bin/python bench/volunteers.py --db sqlite --runs 7
    .venv/bin/python bench/volunteers.py --fresh            # drop and reload the databases

Each figure is the median of the timed runs (two untimed warm-ups), as the 工委管理员
(gongwei), who sees the whole city:

- the registrations list, `GET /volunteers/registrations/` (the first page of ≈ 20,000
  registrations, newest first, with its count), target ≤ 200 ms;
- the same list through the API, `GET /api/community-registrations/`, ≤ 200 ms;
- the city's 双报到 coverage page, `GET /volunteers/coverage/?year=2024` (per unit: its
  members, how many registered with a community in the year, the communities the unit
  registered with), target ≤ 200 ms.

*Floor:* the same reads written by hand through `connection.cursor()`: the page's rows and
its count under the 工委's scope (the same path range restrict() puts on the org); for the coverage page the units, the members per unit, the registered members
per unit (EXISTS on an active registration) and the units' communities, grouped by the
unit's path prefix.

The databases are this benchmark's own (`var/bench/volunteers-sqlite/`, PostgreSQL
`dangjian_bench_volunteers`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_volunteers"
TARGETS = {"list": 200.0, "api": 200.0, "coverage": 200.0}
YEAR = 2024


def worker(runs: int) -> dict:
    setup_django()
    from django.test import Client

    from dangjian.accounts.models import User
    from dangjian.volunteers.models import CommunityRegistration

    ensure_demo()
    total = CommunityRegistration.objects.count()
    user = User.objects.get(username="gongwei")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    rows: list[dict] = []
    for key, url, label in (
        ("list", "/volunteers/registrations/", f"registrations list ({total:,} rows) as 工委"),
        ("api", "/api/community-registrations/", "registrations API list as 工委"),
        ("coverage", f"/volunteers/coverage/?year={YEAR}", "the city's 双报到 coverage page"),
    ):

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, samples = timed(get, runs)
        floor_ms, _ = timed(lambda key=key: floor(key), runs)
        log(f"  {label}: median {median:,.1f} ms, floor {floor_ms:,.1f} ms")
        rows.append(
            {
                "key": key,
                "operation": label,
                "median_ms": median,
                "floor_ms": floor_ms,
                "target_ms": TARGETS[key],
                "samples": samples,
            }
        )
    return {"rows": rows}


def floor(key: str) -> None:
    from django.db import connection

    first, last = f"{YEAR}-01-01", f"{YEAR}-12-31"
    with connection.cursor() as cur:
        if key in ("list", "api"):
            # the 工委's scope is the tree under the root: the same path filter as restrict()
            cur.execute("SELECT path FROM orgs_organization WHERE depth = 1")
            root = cur.fetchone()[0]
            scope = [root, root + "\uffff"]
            cur.execute(
                "SELECT COUNT(*) FROM volunteers_communityregistration r "
                "JOIN orgs_organization o ON o.id = r.org_id WHERE o.path >= %s AND o.path < %s",
                scope,
            )
            cur.fetchall()
            cur.execute(
                "SELECT r.id, r.starts_on, r.ends_on, o.name, m.name, c.name "
                "FROM volunteers_communityregistration r "
                "JOIN orgs_organization o ON o.id = r.org_id "
                "LEFT JOIN members_member m ON m.id = r.member_id "
                "JOIN volunteers_community c ON c.id = r.community_id "
                "WHERE o.path >= %s AND o.path < %s "
                "ORDER BY r.starts_on DESC, r.id DESC LIMIT 50",
                scope,
            )
            cur.fetchall()
            return
        cur.execute(
            "SELECT id, name, path FROM orgs_organization WHERE depth = 2 "
            "AND kind = 'unit_party' ORDER BY path"
        )
        cur.fetchall()
        cur.execute(
            "SELECT substr(o.path, 1, 8), COUNT(*) FROM members_member m "
            "JOIN orgs_organization o ON o.id = m.org_id WHERE m.membership = 'normal' "
            "GROUP BY substr(o.path, 1, 8)"
        )
        cur.fetchall()
        cur.execute(
            "SELECT substr(o.path, 1, 8), COUNT(*) FROM members_member m "
            "JOIN orgs_organization o ON o.id = m.org_id WHERE m.membership = 'normal' "
            "AND EXISTS (SELECT 1 FROM volunteers_communityregistration r "
            "WHERE r.member_id = m.id AND r.starts_on <= %s "
            "AND (r.ends_on IS NULL OR r.ends_on >= %s)) GROUP BY substr(o.path, 1, 8)",
            [last, first],
        )
        cur.fetchall()
        cur.execute(
            "SELECT DISTINCT substr(o.path, 1, 8), c.name FROM volunteers_communityregistration r "
            "JOIN orgs_organization o ON o.id = r.org_id "
            "JOIN volunteers_community c ON c.id = r.community_id "
            "WHERE r.member_id IS NULL AND r.starts_on <= %s "
            "AND (r.ends_on IS NULL OR r.ends_on >= %s)",
            [last, first],
        )
        cur.fetchall()


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: volunteers …")
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
        data_dir=lambda key: VAR / f"volunteers-{key}",
        default_runs=7,
    )
