"""Benchmark opening member accounts in bulk for a 1,000-member unit (issue 9: ≤ 5 s).

    .venv/bin/python bench/accounts_bulk.py                  # SQLite and PostgreSQL
    .venv/bin/python bench/accounts_bulk.py --db sqlite --runs 7

`make bench` runs it as its "accounts" step (bench/run.py imports `rows_for`). Uses the
persistent bench databases of bench/run.py (`var/bench/sqlite`, PostgreSQL `dangjian_bench`),
loading the demo city first when they are empty. Production settings: the worker does not
set DANGJIAN_TESTING, so passwords go through the configured PBKDF2 hasher, as deployed
(the tests use MD5).

What is timed, as the median of ≥ 5 runs after two warm-ups, each rolled back: one
`selfservice.services.open_accounts(admin, within=unit, member_ids=…)` by a bench-only
单位党组织管理员 (`bench_accounts_admin`) for 1,000 members on the roll without an account,
taken from the demo unit with most of them (and from the next units when it has fewer; the
admin then holds the role at each) — every check (scope, no account yet, on the roll,
usernames free), 1,000 drawn passwords each hashed once, the accounts, password history,
党员 grants, the member links and one audit event, in one transaction.

*Floor:* the same database work in hand-written SQL, rolled back: reading the members,
`executemany` of the 1,000 user rows (values and password hashes prepared beforehand), reading
their ids back, the password-history rows, the role assignments, the member links, and the
audit chain head read under its lock. The hashing alone is reported beside it (CPU, not
database work).
"""

from __future__ import annotations

import argparse
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
MEMBERS = 1000
BENCH_USER = "bench_accounts_admin"


# --- the worker (one database, in-process) ----------------------------------------------


def _batch():
    """(admin, org, member ids): 1,000 members on the roll without an account, from the unit
    that has most of them (and the next units when it has fewer); the bench admin holds
    单位党组织管理员 at those units. `org` is the unit when the batch lies inside it."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.members.models import Member, MembershipState
    from dangjian.orgs.models import Organization

    pending = Member.objects.filter(
        account__isnull=True, membership=MembershipState.NORMAL, org__depth__gte=2
    )
    unit_len = 2 * Organization.steplen
    sizes = (
        pending.annotate(unit_path=Substr("org__path", 1, unit_len))
        .values("unit_path")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit_path")
    )
    ids: list[int] = []
    chosen: list[str] = []
    for size in sizes:
        if len(ids) >= MEMBERS:
            break
        chosen.append(size["unit_path"])
        ids += list(
            pending.filter(org__path__startswith=size["unit_path"])
            .order_by("org__path", "pk")
            .values_list("pk", flat=True)[: MEMBERS - len(ids)]
        )
    units = list(Organization.objects.filter(path__in=chosen).order_by("path"))
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = User.objects.create_user(username=BENCH_USER, password=None)
    RoleAssignment.objects.filter(user=user).delete()
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role="unit_admin", org=unit) for unit in units
    )
    org = next(u for u in units if u.path == chosen[0])
    return User.objects.get(pk=user.pk), org, ids, len(chosen) == 1


def worker(runs: int) -> dict:
    setup_django()
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.initial import draw_password, hash_initial
    from dangjian.selfservice import services

    assert not settings.TESTING, "the bench measures production settings"
    ensure_demo()
    admin, org, ids, whole_unit = _batch()
    log(f"   {len(ids)} members of {org.name}{'' if whole_unit else ' and the next units'}")

    def once() -> tuple[float, int]:
        try:
            with transaction.atomic():
                start = time.perf_counter()
                within = org if whole_unit else None
                slips = services.open_accounts(admin, within=within, member_ids=ids)
                elapsed = (time.perf_counter() - start) * 1000
                raise Rollback
        except Rollback:
            return elapsed, len(slips)

    once()
    once()
    samples = []
    opened = 0
    for _ in range(runs):
        elapsed, opened = once()
        samples.append(elapsed)
    with CaptureQueriesContext(connection) as ctx:
        once()
    queries = len(ctx.captured_queries)

    passwords = [draw_password() for _ in ids]
    hashing = []
    for _ in range(max(3, runs // 2)):
        start = time.perf_counter()
        hashes = [hash_initial(p) for p in passwords]
        hashing.append((time.perf_counter() - start) * 1000)
    floor = [sql_floor(connection, ids, hashes, org.pk) for _ in range(runs)]
    return {
        "members": opened,
        "org": org.name,
        "whole_unit": whole_unit,
        "median_ms": statistics.median(samples),
        "samples": samples,
        "floor_ms": statistics.median(floor),
        "hashing_ms": statistics.median(hashing),
        "hasher": get_hasher().algorithm,
        "queries": queries,
    }


def sql_floor(connection, member_ids: list[int], hashes: list[str], org_id: int) -> float:
    """The same reads and writes in hand-written SQL (rolled back); milliseconds."""
    import datetime as dt

    from django.db import transaction

    now = dt.datetime.now(dt.UTC)
    names = [f"floor{m}" for m in member_ids]
    marks = ", ".join(["%s"] * len(member_ids))
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT m.id, m.name, m.org_id, o.path, o.name FROM members_member m "
                "JOIN orgs_organization o ON o.id = m.org_id "
                f"WHERE m.id IN ({marks}) AND m.account_id IS NULL",
                member_ids,
            )
            rows = cur.fetchall()
            cur.executemany(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined, display_name, "
                "password_changed_at, must_change_password) "
                "VALUES (%s, false, %s, '', '', '', false, true, %s, %s, %s, true)",
                [(h, n, now, r[1], now) for h, n, r in zip(hashes, names, rows, strict=False)],
            )
            cur.execute(
                f"SELECT id, username FROM accounts_user WHERE username IN ({marks})", names
            )
            users = dict((u, i) for i, u in cur.fetchall())
            user_ids = [users[n] for n in names]
            cur.executemany(
                "INSERT INTO accounts_passwordhistory (user_id, password, created) "
                "VALUES (%s, %s, %s)",
                [(u, h, now) for u, h in zip(user_ids, hashes, strict=True)],
            )
            cur.executemany(
                "INSERT INTO accounts_roleassignment (user_id, role, org_id, created) "
                "VALUES (%s, 'party_member', %s, %s)",
                [(u, r[2], now) for u, r in zip(user_ids, rows, strict=False)],
            )
            cur.executemany(
                "UPDATE members_member SET account_id = %s WHERE id = %s",
                list(zip(user_ids, member_ids, strict=True)),
            )
            cur.execute(
                "SELECT last_id, last_hash FROM audit_chainhead WHERE id = 1"
                + (" FOR UPDATE" if connection.vendor == "postgresql" else "")
            )
            cur.fetchall()
        transaction.set_rollback(True)
    return (time.perf_counter() - start) * 1000


# --- the driver -----------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"== {label}: opening {MEMBERS:,} member accounts")
    return run_worker(__file__, ["--worker", f"--runs={runs}"], env, label, echo=True)


def row(label: str, r: dict) -> dict:
    scope = "one unit" if r["whole_unit"] else "the biggest units"
    return {
        "operation": f"opening {r['members']:,} member accounts of {scope} "
        f"({r['hasher']}, hashing alone {r['hashing_ms']:,.0f} ms; {r['queries']} queries)",
        "db": label,
        "median_ms": r["median_ms"],
        "floor_ms": r["floor_ms"],
        "target": f"≤ {TARGET_MS:,} ms",
    }


def rows_for(label: str, env: dict[str, str], runs: int) -> list[dict]:
    """The row in bench/run.py's format, timed on the database `env` points at."""
    return [row(label, run_target(label, env, max(runs, 5)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite-dir", default=str(VAR / "sqlite"), help="DANGJIAN_DATA_DIR")
    parser.add_argument("--postgres-url", default=SHARED_POSTGRES_URL)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5 (medians of ≥ 5 runs)")
    if args.worker:
        print(json.dumps(worker(args.runs), ensure_ascii=False))
        return
    sqlite_dir = Path(args.sqlite_dir)
    lines = list(TABLE_HEADER)
    databases = bench_databases(
        args.db, args.postgres_url, lambda key: sqlite_dir if key == "sqlite" else VAR / key
    )
    for label, env in databases:
        r = row(label, run_target(label, env, args.runs))
        ok = "✓" if r["median_ms"] <= TARGET_MS else "✗"
        lines.append(
            f"| {r['operation']} | {label} | {r['median_ms']:,.0f} | {r['floor_ms']:,.0f} | "
            f"{r['median_ms'] / r['floor_ms']:.1f}× | {r['target']} {ok} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
