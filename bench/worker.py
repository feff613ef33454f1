"""In-process measurements against one bench database (run by bench/run.py, one process per DB).

The environment selects the database (DANGJIAN_DATA_DIR, DATABASE_URL) before Django starts.
Each operation is timed as a median of `--runs` runs after warm-up, next to the hand-written
SQL that does the same work (the "floor"), run through `connection.cursor()`.
Prints one JSON document on the last line of stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from collections.abc import Callable
from typing import Any

from common import Rollback, ensure_demo, prepared_insert, rolled_back, setup_django, timed

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from dangjian.accounts.models import User  # noqa: E402
from dangjian.members.models import Member  # noqa: E402
from dangjian.orgs.models import Organization, OrgKind, Unit  # noqa: E402

ADMIN = "gongwei"
IMPORT_UNIT = "基准测试导入单位"
IMPORT_BRANCHES = 500


def row(operation: str, median: float, floor: float | None, target: str, **extra: Any) -> dict:
    return {
        "operation": operation,
        "median_ms": median,
        "floor_ms": floor,
        "target": target,
        **extra,
    }


def client_for(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
    client.force_login(User.objects.get(username=username))
    return client


def run_sql(statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()


# --- member list API ----------------------------------------------------------------------


def biggest_unit() -> Organization:
    counts = (
        Member.objects.values("unit__party_org")
        .annotate(n=Count("id"))
        .order_by("-n", "unit__party_org")
        .first()
    )
    return Organization.objects.get(pk=counts["unit__party_org"])


def member_list_floor(
    path: str, text: str, limit: int, *, by_range: bool = False
) -> list[tuple[str, list]]:
    """COUNT + page of the search. `by_range` writes the subtree as a path range instead of
    LIKE 'prefix%': SQLite's LIKE is case-insensitive, so it cannot use the path index."""
    subtree = "o.path >= %s AND o.path <= %s" if by_range else "o.path LIKE %s"
    # Descendants' paths are the prefix + 0-9A-Z steps, so they sort below prefix + "ZZZ…".
    bounds = [path, path + "Z" * 64] if by_range else [path + "%"]
    where = (
        "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id "
        f"WHERE {subtree} AND (m.name LIKE %s OR m.name_initials LIKE %s)"
    )
    params = [*bounds, f"%{text}%", text.lower() + "%"]
    page = (
        "SELECT m.id, m.name, m.gender, m.ethnicity, m.birth_date, m.id_number, m.phone, "
        "m.education, m.job_title, m.category, m.status, m.joined_on, m.full_member_on, "
        "m.membership, m.is_mobile, o.id, o.name, u.name "
        "FROM members_member m JOIN orgs_organization o ON o.id = m.org_id "
        "LEFT JOIN orgs_unit u ON u.id = m.unit_id "
        f"WHERE {subtree} AND (m.name LIKE %s OR m.name_initials LIKE %s) "
        f"ORDER BY m.org_id, m.name, m.id LIMIT {int(limit)}"
    )
    return [(f"SELECT COUNT(*) {where}", params), (page, params)]


def bench_member_list(db: str, runs: int) -> list[dict]:
    client = client_for(ADMIN)
    unit = biggest_unit()
    out = []
    for text in ("王", "zw"):
        url = f"/api/members/?within={unit.pk}&q={text}"
        response = client.get(url)
        if response.status_code != 200:
            out.append(
                row(
                    f"member list API (q={text})",
                    float("nan"),
                    None,
                    "≤ 50 ms",
                    note=f"pending: HTTP {response.status_code}",
                )
            )
            continue
        body = response.json()
        # Read the counts at once: the next request's request_started resets the query log.
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        full = len(captured)
        with CaptureQueriesContext(connection) as captured:
            client.get(url + "&per_page=3")
        small = len(captured)
        median, _ = timed(lambda url=url: client.get(url), runs)
        floor, _ = timed(lambda text=text: run_sql(member_list_floor(unit.path, text, 50)), runs)
        ranged, _ = timed(
            lambda text=text: run_sql(member_list_floor(unit.path, text, 50, by_range=True)), runs
        )
        out.append(
            row(
                f"member list API: {len(body['results'])} rows of {body['count']}, "
                f"within={unit.short_name or unit.name}, q={text} "
                f"({full} queries; {small} for a 3-row page; "
                f"floor with a path range instead of LIKE: {ranged:.1f} ms)",
                median,
                floor,
                "≤ 50 ms",
                queries=full,
                queries_small_page=small,
                range_floor_ms=ranged,
            )
        )
    return out


# --- org tree page ------------------------------------------------------------------------


def tree_floor(root: Organization) -> list[tuple[str, list]]:
    step = Organization.steplen * (root.depth + 1)
    return [
        (
            "SELECT id, name, kind, path, depth, numchild FROM orgs_organization "
            "WHERE path LIKE %s AND depth <= %s ORDER BY path",
            [root.path + "%", root.depth + 1],
        ),
        (
            f"SELECT SUBSTR(o.path, 1, {step}), COUNT(*) FROM members_member m "
            "JOIN orgs_organization o ON o.id = m.org_id "
            f"WHERE o.path LIKE %s AND m.membership = %s GROUP BY SUBSTR(o.path, 1, {step})",
            [root.path + "%", "normal"],
        ),
    ]


def bench_tree(db: str, runs: int) -> list[dict]:
    client = client_for(ADMIN)
    url = reverse("orgs:tree")
    response = client.get(url)
    if response.status_code != 200:
        return [
            row(
                "org tree page",
                float("nan"),
                None,
                "≤ 150 ms",
                note=f"pending: HTTP {response.status_code}",
            )
        ]
    root = Organization.get_root_nodes().first()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)
    median, _ = timed(lambda: client.get(url), runs)
    floor, _ = timed(lambda: run_sql(tree_floor(root)), runs)
    shown = 1 + root.numchild
    return [
        row(
            f"org tree page, whole city as 工委管理员 ({shown} nodes with subtree member counts, "
            f"{queries} queries)",
            median,
            floor,
            "≤ 150 ms",
            queries=queries,
        )
    ]


# --- demo floor: the database's cost of writing the same rows -----------------------------

DEMO_TABLES = (
    "orgs_unit",
    "orgs_organization",
    "orgs_term",
    "members_member",
    "orgs_committeepost",
    "members_exemption",
    "members_transfer",
    "accounts_user",
    "accounts_roleassignment",
)


def demo_floor(runs: int) -> float:
    """Copy every demo row once with CREATE TABLE … AS SELECT (rolled back): the write floor."""

    def copy() -> None:
        with connection.cursor() as cur:
            for table in DEMO_TABLES:
                cur.execute(f"CREATE TABLE bench_copy_{table} AS SELECT * FROM {table}")

    median, _ = timed(rolled_back(copy), runs, warmup=1)
    return median


# --- xlsx import of members ---------------------------------------------------------------


def import_scope() -> list[Organization]:
    """A fresh unit with 500 branches (codes BENCH-0001…) to import into.

    Called inside the bench's outer transaction, which is rolled back at the end, so the
    demo city in the bench database stays exactly the demo city.
    """
    root = Organization.get_root_nodes().first()
    unit_org = root.add_child(kind=OrgKind.UNIT_PARTY, name=f"{IMPORT_UNIT}机关党委")
    unit = Unit.objects.create(name=IMPORT_UNIT, party_org=unit_org)
    branches = [
        Organization(
            kind=OrgKind.BRANCH,
            name=f"{IMPORT_UNIT}第{k}党支部",
            code=f"BENCH-{k:04d}",
            unit=unit,
            path=Organization._get_path(unit_org.path, unit_org.depth + 1, k),
            depth=unit_org.depth + 1,
            numchild=0,
        )
        for k in range(1, IMPORT_BRANCHES + 1)
    ]
    Organization.objects.bulk_create(branches)
    Organization.objects.filter(pk=unit_org.pk).update(unit=unit, numchild=IMPORT_BRANCHES)
    return list(Organization.objects.filter(code__startswith="BENCH-").order_by("code"))


def import_workbook(importer: Any, count: int, seed: int) -> bytes:
    """The demo city's people as import rows, with ID numbers moved to an unused area code."""
    from openpyxl import Workbook

    from dangjian.demo.people import id_check_digit, iter_people
    from dangjian.demo.plan import build_plan
    from dangjian.members.models import Category, Education, Gender, MemberStatus

    labels = {
        **dict(Gender.choices),
        **dict(Education.choices),
        **dict(Category.choices),
        **dict(MemberStatus.choices),
    }
    branches = list(Organization.objects.filter(code__startswith="BENCH-").order_by("code"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    keys = [c.key for c in importer.columns]
    ws.append([c.title for c in importer.columns])
    written = 0
    areas: dict[str, str] = {}
    for people in iter_people(build_plan(seed, "city")):
        for p in people.members:
            # Each birthplace code maps to its own unused one (110100, 110101, …): still unique.
            area = areas.setdefault(p.id_number[:6], f"1101{len(areas):02d}")
            body = area + p.id_number[6:17]
            values = {
                "name": p.name,
                "gender": str(labels[p.gender]),
                "ethnicity": p.ethnicity,
                "birth_date": p.birth_date,
                "id_number": body + id_check_digit(body),
                "phone": p.phone,
                "education": str(labels[p.education]),
                "category": str(labels[p.category]),
                "status": str(labels[p.status]),
                "joined_on": p.joined_on,
                "full_member_on": p.full_member_on,
                "org": branches[written % len(branches)].code,
                "unit": IMPORT_UNIT,
                "job_title": p.job_title,
            }
            ws.append([values.get(k) for k in keys])
            written += 1
            if written == count:
                buf = io.BytesIO()
                wb.save(buf)
                return buf.getvalue()
    raise RuntimeError("not enough demo members for the import file")


def import_floor(rows: int, runs: int) -> float:
    """executemany INSERT of the same number of member rows, values prepared once (rolled back).

    The columns come from the model, so the floor keeps up with fields added later; the
    values are one member's, encrypted once, with a distinct blind index per row.
    """
    org = Organization.objects.filter(code__startswith="BENCH-").first()
    day = dt.date(1990, 1, 1)
    sample = Member(
        org=org,
        unit_id=org.unit_id,
        name="基准党员",
        gender="male",
        birth_date=day,
        id_number="110101199001011234",
        phone="13800138000",
        education="bachelor",
        category="in_service",
        status="full",
        joined_on=dt.date(2015, 7, 1),
        full_member_on=dt.date(2016, 7, 1),
    )
    sample.prepare()
    sql, fields, base = prepared_insert(sample)
    blind = fields.index(Member._meta.get_field("id_number_blind"))
    params = []
    for k in range(rows):
        values = list(base)
        values[blind] = f"bench{k:059d}"
        params.append(values)

    def insert() -> None:
        with connection.cursor() as cur:
            cur.executemany(sql, params)

    median, _ = timed(rolled_back(insert), runs, warmup=1)
    return median


def bench_import(db: str, runs: int, rows: int, seed: int) -> list[dict]:
    try:
        import dangjian.members.imports  # noqa: F401 - registers the importer
        from dangjian.core.imports import importers
    except ImportError as exc:
        return [
            row("xlsx import of members", float("nan"), None, "≤ 30 000 ms", note=f"pending: {exc}")
        ]
    importer = importers.get("members")
    if importer is None:
        return [
            row(
                "xlsx import of members",
                float("nan"),
                None,
                "≤ 30 000 ms",
                note="pending: no importer",
            )
        ]
    try:
        with transaction.atomic():  # everything below is rolled back at the end
            import_scope()
            data = import_workbook(importer, rows, seed)
            out = _time_import(importers, data, runs, rows)
            raise Rollback
    except Rollback:
        pass
    return out


def _time_import(importers: Any, data: bytes, runs: int, rows: int) -> list[dict]:
    user = User.objects.get(username=ADMIN)
    results = []

    def run_once() -> None:
        results.append(importers.get("members").run(user, data))

    median, _ = timed(rolled_back(run_once), runs, warmup=0)
    last = results[-1]
    if not last.ok:
        first = last.errors[0] if last.errors else None
        return [
            row(
                "xlsx import of members",
                median,
                None,
                "≤ 30 000 ms",
                note=f"import refused: {last.error_count} errors, first: {first}",
            )
        ]
    floor = import_floor(rows, runs)
    settle()
    return [
        row(
            f"xlsx import of {last.created:,} members into a new unit of {IMPORT_BRANCHES} branches "
            f"({len(data) / 1024 / 1024:.1f} MB file; parse + validate + encrypt + insert)",
            median,
            floor,
            "≤ 30 000 ms",
        )
    ]


def settle() -> None:
    """After the rolled-back imports: what autovacuum would do before the next step.

    Each rolled-back run leaves 25,000 dead member rows on PostgreSQL; timed right after,
    the meeting bench read a table ten times its size with stale statistics (130 ms for a
    30-member attendee query instead of 20 ms). SQLite keeps no dead rows in the table.
    """
    if connection.vendor != "postgresql":
        return
    import psycopg

    # VACUUM refuses to run in a transaction block: a connection of its own, autocommit.
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as raw:
        raw.execute("VACUUM ANALYZE members_member")


# --- recording a 30-person meeting through the API (bench/record_meeting.py) ---------------


def bench_meeting(runs: int) -> list[dict]:
    from record_meeting import bench_record_meeting  # bench/ is this script's folder

    return bench_record_meeting(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--import-rows", type=int, default=25_000)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--meeting-runs", type=int, default=25)
    parser.add_argument("--only", default="list,tree,demo-floor,import,meeting")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    ensure_demo(scale=args.scale, seed=args.seed)
    out: dict[str, Any] = {"db": args.db, "vendor": connection.vendor, "rows": []}
    steps: list[tuple[str, str, Callable[[], Any]]] = [
        ("list", "member list API", lambda: bench_member_list(args.db, args.runs)),
        ("tree", "org tree page", lambda: bench_tree(args.db, args.runs)),
        (
            "import",
            "xlsx import of members",
            lambda: bench_import(args.db, args.import_runs, args.import_rows, args.seed),
        ),
        ("meeting", "record a 30-person meeting", lambda: bench_meeting(args.meeting_runs)),
    ]
    if "demo-floor" in only:
        out["demo_floor_ms"] = demo_floor(args.runs)
    for key, label, step in steps:
        if key not in only:
            continue
        try:
            out["rows"] += step()
        except Exception as exc:  # a view another helper has not finished: report, go on
            out["rows"].append(
                row(label, float("nan"), None, "", note=f"pending: {type(exc).__name__}: {exc}")
            )
    sys.stdout.write("\n" + json.dumps(out, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
