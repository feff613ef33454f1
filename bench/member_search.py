"""Member search at city and province scale: cost proportional to the searched subtree.

    .venv/bin/python bench/member_search.py                      # PostgreSQL, city and province
    .venv/bin/python bench/member_search.py --scales city --runs 15
    .venv/bin/python bench/member_search.py --db sqlite --scales city
    .venv/bin/python bench/member_search.py --fresh              # drop and reload the databases
    .venv/bin/python bench/member_search.py --plain              # compare: the search before issue 10

Issue 10 (Deliver 5): a search within one unit or one branch must not read every member of
the city, so at province scale (10 × the city) a secretary's search stays where it was —
target: province within 1.5 × the city time; the 工委's search of the whole tree may grow
with the tree (≤ 10 ×). Each case is `GET /api/members/?q=…` through Django's test client
as the demo account named (session auth, every middleware, the 50-row page and its count),
median of `--runs` runs after two warm-ups, beside the SQL floor: the same COUNT and page
written by hand (subtree ids first, no decryption, masking or JSON). For each case the
plans of the request's own member queries (captured, then EXPLAINed) are checked for a
sequential scan of members_member — a scoped search must show none — and the indexes used
are listed.

The databases are this benchmark's own, loaded once with `dangjian demo`: PostgreSQL
`dangjian_bench_scale[_province]` (DANGJIAN_BENCH_SCALE_POSTGRES_URL), SQLite under
`var/bench/search-sqlite[_province]/`. `bench/run.py` runs the same worker on its own bench
database at its scale (skip it with `--skip search`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from common import (
    POSTGRES_SERVER,
    VAR,
    bench_databases,
    log,
    manage,
    run_worker,
    setup_django,
    timed,
)

PG_URL = os.environ.get(
    "DANGJIAN_BENCH_SCALE_POSTGRES_URL", f"{POSTGRES_SERVER}/dangjian_bench_scale"
)
SURNAME = "王"  # the commonest surname: the broadest one-character search
PROVINCE_RATIO = 1.5  # a scoped search at province scale, over its city time
WHOLE_RATIO = 10.0  # the whole tree is 10 × larger at province scale


# --- orchestration (no Django in this process) ----------------------------------------------


def run_target(label: str, env: dict[str, str], scale: str, args) -> dict:
    log(f"== {label} ({scale}): migrate, demo --if-empty --scale {scale}")
    manage(env, "migrate", "-v0")
    manage(env, "demo", "--if-empty", "--scale", scale, "-v0")
    worker_args = ["--worker", f"--runs={args.runs}"] + (["--plain"] if args.plain else [])
    return run_worker(__file__, worker_args, env, label, echo=True)


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """bench/run.py's rows, on the (already loaded) database `env` points at."""
    result = run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)
    return [
        {
            "operation": f"member search: {r['case']} — {r['found']} found, plan: {r['plan']}",
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": "no scan of members" if r["scoped"] else "—",
        }
        for r in result["rows"]
    ]


def orchestrate(args) -> str:
    results: dict[tuple[str, str], dict] = {}
    before = os.getloadavg()[0]
    for scale in args.scales.split(","):
        suffix = "" if scale == "city" else f"_{scale}"
        databases = bench_databases(
            args.db,
            args.postgres_url + suffix,
            lambda key, suffix=suffix: VAR / f"search-{key}{suffix}",
            fresh=args.fresh,
        )
        for label, env in databases:
            results[label, scale] = run_target(label, env, scale, args)
    load = f"load average {before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    return render(results, args) + f"\n\n({load}, {os.cpu_count()} cores)"


def _ms(value: float) -> str:
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def render(results: dict[tuple[str, str], dict], args) -> str:
    lines = [
        f"Member search (`GET /api/members/?q=…`, median of {args.runs} runs; floor = the same "
        "COUNT and 50-row page in hand-written SQL)"
        + (" — WITHOUT the subtree-first condition (--plain)" if args.plain else ""),
        "",
        "| search | DB | scale | members in reach | found | median ms | SQL floor ms | × floor "
        "| plan of the member queries |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    lines.extend(
        f"| {r['case']} | {label} | {scale} | {r['reach']:,} | {r['found']:,} | "
        f"{_ms(r['median_ms'])} | {_ms(r['floor_ms'])} | "
        f"{r['median_ms'] / r['floor_ms']:.1f}× | {r['plan']} |"
        for (label, scale), result in results.items()
        for r in result["rows"]
    )
    labels = sorted({label for label, _ in results})
    if any((label, "province") in results and (label, "city") in results for label in labels):
        lines += [
            "",
            "| search | DB | city ms | province ms | province ÷ city | target |",
            "|---|---|---:|---:|---:|---|",
        ]
        for label in labels:
            city, province = results.get((label, "city")), results.get((label, "province"))
            if not city or not province:
                continue
            by_case = {r["case"]: r for r in city["rows"]}
            for r in province["rows"]:
                c = by_case.get(r["case"])
                if c is None:
                    continue
                ratio = r["median_ms"] / c["median_ms"]
                limit = PROVINCE_RATIO if r["scoped"] else WHOLE_RATIO
                ok = "✓" if ratio <= limit else "✗"
                lines.append(
                    f"| {r['case']} | {label} | {_ms(c['median_ms'])} | {_ms(r['median_ms'])} | "
                    f"{ratio:.2f}× | ≤ {limit:g}× {ok} |"
                )
    return "\n".join(lines)


# --- worker (one database, in-process) ------------------------------------------------------


def worker(runs: int, *, plain: bool = False) -> dict:
    setup_django()
    if plain:  # the search as it was before issue 10: no subtree-first condition
        from dangjian.members.filtersets import MemberFilterSet

        MemberFilterSet.searched_subtree = lambda self: []  # type: ignore[method-assign]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.models import User
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    def client_for(username: str) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")  # "testserver" is allowed only under pytest
        client.force_login(User.objects.get(username=username))
        return client

    def scope_org(username: str) -> Organization:
        return Organization.objects.get(role_assignments__user__username=username)

    branch, unit, root = scope_org("shuji"), scope_org("danwei"), scope_org("gongwei")
    largest = _largest_unit(Member, Organization, root)
    full_name = _commonest_full_name(Member, connection)
    cases = [
        # (label, account, query, subtree path, scoped)
        ("支部书记 in own branch, q=王", "shuji", f"q={SURNAME}", branch.path, True),
        (
            "工委 within a branch, q=王",
            "gongwei",
            f"within={branch.pk}&q={SURNAME}",
            branch.path,
            True,
        ),
        ("单位 admin in own unit, q=王", "danwei", f"q={SURNAME}", unit.path, True),
        ("工委 within a unit, q=王", "gongwei", f"within={unit.pk}&q={SURNAME}", unit.path, True),
        (
            "工委 within the largest unit, q=王",
            "gongwei",
            f"within={largest.pk}&q={SURNAME}",
            largest.path,
            True,
        ),
        ("工委 whole tree, q=王", "gongwei", f"q={SURNAME}", root.path, False),
        (
            "工委 whole tree, q=<3-character name> (trigram index)",
            "gongwei",
            f"q={full_name}",
            root.path,
            False,
        ),
    ]
    rows = []
    for label, username, query, path, scoped in cases:
        client = client_for(username)
        url = f"/api/members/?{query}"
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} as {username}: HTTP {response.status_code}")
        found = response.json()["count"]
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        member_sql = [q["sql"] for q in captured if 'FROM "members_member"' in q["sql"]]
        plans = [_plan(connection, sql) for sql in member_sql]
        median, samples = timed(lambda url=url, client=client: client.get(url), runs)
        text = full_name if "trigram" in label else SURNAME
        floor_sql = _floor(connection.vendor, path, text, subtree_first=scoped)
        floor, _ = timed(lambda floor_sql=floor_sql: _run(connection, floor_sql), runs)
        reach = Member.objects.filter(org__path__startswith=path).count()
        rows.append(
            {
                "case": label.replace("<3-character name>", full_name),
                "scoped": scoped,
                "found": found,
                "reach": reach,
                "median_ms": median,
                "samples_ms": samples,
                "floor_ms": floor,
                "queries": len(captured),
                "member_queries": len(member_sql),
                "plan": _summary(plans, connection.vendor),
                "plans": plans,
            }
        )
        log(f"  {label}: {median:.2f} ms (floor {floor:.2f} ms), {rows[-1]['plan']}")
    return {"rows": rows}


def _largest_unit(member_model: Any, org_model: Any, root: Any) -> Any:
    """The unit-level org (the root's child) with the most members in its subtree: the
    search the planner once answered with a scan of every member (issue 10)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    top = (
        member_model.objects.annotate(unit_path=Substr("org__path", 1, len(root.path) + 4))
        .values("unit_path")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_path")
        .first()
    )
    return org_model.objects.get(path=top["unit_path"])


def _commonest_full_name(member_model: Any, connection) -> str:
    """The commonest three-character name of the database (a real person's full name)."""
    from django.db.models import Count
    from django.db.models.functions import Length

    row = (
        member_model.objects.annotate(length=Length("name"))
        .filter(length=3)
        .values("name")
        .annotate(n=Count("id"))
        .order_by("-n", "name")
        .first()
    )
    return row["name"] if row else "王秀英"


def _plan(connection, sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _summary(plans: list[str], vendor: str) -> str:
    """'index: a, b' when no plan reads members_member whole, else 'Seq Scan on members'."""
    text = "\n".join(plans)
    if vendor == "postgresql":
        scan = re.search(r"Seq Scan on members_member", text)
        used = sorted(
            set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:using|on) (\w+)", text))
        )
    else:
        scan = re.search(r"SCAN (?:TABLE )?members_member\b(?! USING)", text)
        used = sorted(set(re.findall(r"USING (?:COVERING )?INDEX (\w+)", text)))
    used = [u for u in used if u.startswith("member")]
    head = "Seq Scan on members_member" if scan else "no scan of members_member"
    return f"{head}; member indexes: {', '.join(used) or '—'}"


def _floor(vendor: str, path: str, text: str, *, subtree_first: bool) -> list[tuple[str, list]]:
    """The COUNT and the 50-row page by hand. A subtree: its org ids first, then their
    members; the whole tree: every member, by the name condition alone (the best plan)."""
    if vendor == "postgresql":
        orgs = "m.org_id = ANY(ARRAY(SELECT id FROM orgs_organization WHERE path LIKE %s))"
        org_params = [path + "%"]
        name = "UPPER(m.name) LIKE %s"
    else:
        orgs = "m.org_id IN (SELECT id FROM orgs_organization WHERE path >= %s AND path < %s)"
        org_params = [path, path + "\uffff"]
        name = "m.name LIKE %s"
    if not subtree_first:
        orgs, org_params = "TRUE", []
    where = f"WHERE {orgs} AND ({name} OR m.name_initials LIKE %s)"
    params = [*org_params, f"%{text.upper()}%", text.lower() + "%"]
    page = (
        "SELECT m.id, m.name, m.gender, m.ethnicity, m.birth_date, m.id_number, m.phone, "
        "m.education, m.job_title, m.category, m.status, m.joined_on, m.full_member_on, "
        "m.membership, m.is_mobile, o.id, o.name, u.name "
        "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id "
        f"LEFT JOIN orgs_unit u ON u.id = m.unit_id {where} "
        "ORDER BY m.org_id, m.name, m.id LIMIT 50"
    )
    return [(f"SELECT COUNT(*) FROM members_member m {where}", params), (page, params)]


def _run(connection, statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="postgres", help="comma list: sqlite, postgres")
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--scales", default="city,province", help="comma list: city, province")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per search (≥ 5)")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="for comparison: search without the subtree-first condition (as before issue 10)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.runs, plain=args.plain), ensure_ascii=False))
        return
    table = orchestrate(args)
    print(table)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
