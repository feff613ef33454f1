"""创新案例与党建品牌 at demo-city scale on SQLite and PostgreSQL (issue 13).

    .venv/bin/python bench/cases.py                    # both databases
    .venv/bin/python bench/cases.py --db sqlite --runs 7
    .venv/bin/python bench/cases.py --fresh            # drop and reload the databases

The pages, each the median of the timed runs after two untimed warm-ups:

- the case list of 2024, `GET /cases/?year=2024`, as the 工委管理员 (gongwei: the whole city,
  ≈ 75 cases, a page of 50) and as the demo unit's admin (danwei: its own cases);
- the brand list, `GET /cases/brands/`, as both;
- a unit's 1+N brand page, `GET /cases/brands/<pk>/` (danwei's unit brand), as both.

Target ≤ 200 ms each. *Floor:* the same reads through `connection.cursor()` — the page of
rows with their org, rating and award count (or org, parent and branch-brand count) and
the total the pager shows, restricted to the user's subtree by path.

The databases are this benchmark's own (`var/bench/cases-sqlite/`, PostgreSQL
`dangjian_bench_cases` with data dir `var/bench/cases-pg/`), loaded once with
`dangjian demo` at city scale.
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_cases"
TARGET_MS = 200.0


def worker(runs: int) -> dict:
    setup_django()
    from django.test import Client
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.cases.models import Brand

    ensure_demo()
    danwei = User.objects.get(username="danwei")
    brand = Brand.objects.restrict(danwei, "view").filter(parent__isnull=True).first()
    assert brand is not None, "the demo unit has no brand"
    pages = [
        ("case_list", reverse("cases:case_list") + "?year=2024", "case list 2024"),
        ("brand_list", reverse("cases:brand_list"), "brand list"),
        ("brand_tree", brand.get_absolute_url(), "a unit's 1+N brand page"),
    ]
    rows: list[dict] = []
    for username, who in (("gongwei", "工委"), ("danwei", "unit")):
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for key, url, label in pages:

            def get(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            median, samples = timed(get, runs)
            floor_ms, _ = timed(lambda key=key, user=user: floor(key, user, brand.pk), runs)
            operation = f"{label} `GET {url}` as {who}"
            log(f"  {operation}: median {median:,.1f} ms, floor {floor_ms:,.1f} ms")
            rows.append(
                {
                    "key": f"{key}:{username}",
                    "operation": operation,
                    "median_ms": median,
                    "floor_ms": floor_ms,
                    "target_ms": TARGET_MS,
                    "samples": samples,
                }
            )
    return {"rows": rows}


def floor(key: str, user, brand_pk: int) -> None:
    """The page's reads by hand: the rows of its first page and the pager's total."""
    from django.db import connection

    from dangjian.core.scoping import scope_paths

    perm = "cases.view_case" if key == "case_list" else "cases.view_brand"
    path = min(scope_paths(user, perm), key=len)
    span = [path, path + "\uffff"]
    with connection.cursor() as cur:
        if key == "case_list":
            where = "WHERE o.path >= %s AND o.path < %s AND c.year = 2024"
            cur.execute(
                "SELECT c.id, c.title, c.year, c.case_type, c.status, o.name, r.rating, "
                "COUNT(a.id) FROM cases_case c JOIN orgs_organization o ON o.id = c.org_id "
                "LEFT JOIN cases_caserating r ON r.case_id = c.id "
                "LEFT JOIN cases_caseaward a ON a.case_id = c.id "
                f"{where} GROUP BY c.id, c.title, c.year, c.case_type, c.status, o.name, r.rating "
                "ORDER BY c.year DESC, c.id DESC LIMIT 50",
                span,
            )
            cur.fetchall()
            cur.execute(
                "SELECT COUNT(*) FROM cases_case c JOIN orgs_organization o ON o.id = c.org_id "
                + where,
                span,
            )
        elif key == "brand_list":
            where = "WHERE o.path >= %s AND o.path < %s"
            cur.execute(
                "SELECT b.id, b.name, b.established_year, o.name, p.name, "
                "(SELECT COUNT(*) FROM cases_brand ch WHERE ch.parent_id = b.id) "
                "FROM cases_brand b JOIN orgs_organization o ON o.id = b.org_id "
                f"LEFT JOIN cases_brand p ON p.id = b.parent_id {where} "
                "ORDER BY o.path, b.id LIMIT 50",
                span,
            )
            cur.fetchall()
            cur.execute(
                "SELECT COUNT(*) FROM cases_brand b JOIN orgs_organization o ON o.id = b.org_id "
                + where,
                span,
            )
        else:
            cur.execute(
                "SELECT b.id, b.name, b.description, b.established_year, o.name, o.path "
                "FROM cases_brand b JOIN orgs_organization o ON o.id = b.org_id WHERE b.id = %s",
                [brand_pk],
            )
            cur.fetchall()
            cur.execute(
                "SELECT b.id, b.name, b.established_year, o.name FROM cases_brand b "
                "JOIN orgs_organization o ON o.id = b.org_id "
                "WHERE b.parent_id = %s AND o.path >= %s AND o.path < %s ORDER BY o.path",
                [brand_pk, *span],
            )
        cur.fetchall()


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: cases …")
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
        data_dir=lambda key: VAR / ("cases-sqlite" if key == "sqlite" else "cases-pg"),
        default_runs=7,
    )
