"""党费 at demo-city scale on SQLite and PostgreSQL (issue 12).

    .venv/bin/python bench/dues.py                    # both databases
    .venv/bin/python bench/dues.py --db sqlite --runs 5
    .venv/bin/python bench/dues.py --fresh            # drop and reload the databases

Four operations, each the median of the timed runs (two untimed warm-ups for the pages):

- generating a month's dues for the whole city (`dues.ledger.generate_month` for next
  month, ≈ 25,000 members; inside a transaction rolled back after each run), target ≤ 2 s;
- a branch's year ledger, `GET /dues/` as the demo's 支部书记 (shuji), target ≤ 100 ms;
- the city's arrears list, `GET /dues/arrears/` as the 工委管理员 (gongwei), ≤ 500 ms;
- importing 25,000 bases from an xlsx (`DuesBaseImporter.run`, one row per member in the
  register, rolled back), target ≤ 30 s — three runs, it is long.

*Floor:* the same database work through `connection.cursor()`: for generation the members
and bases read and the rows inserted with executemany; for the pages their reads; for the
import the members read by org and name and the bases inserted.

The databases are this benchmark's own (`var/bench/dues-sqlite/`, PostgreSQL
`dangjian_bench_dues`), loaded once with `dangjian demo` (city scale, with its dues ledger).
"""

from __future__ import annotations

import time

from common import (
    POSTGRES_SERVER,
    VAR,
    ensure_demo,
    log,
    rolled_back,
    run_worker,
    setup_django,
    step_main,
    step_table,
    timed,
)

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_dues"
TARGETS = {"generate": 2000.0, "ledger": 100.0, "arrears": 500.0, "import": 30000.0}


def worker(runs: int) -> dict:
    setup_django()
    import datetime as dt

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.dues import ledger
    from dangjian.dues.models import DuesDue, add_months
    from dangjian.members.models import Member, MembershipState

    ensure_demo()
    today = timezone.localdate()
    rows: list[dict] = []
    members = Member.objects.filter(membership=MembershipState.NORMAL).count()

    # 1. generation of next month (not stored yet), rolled back each run
    month = add_months(today.replace(day=1), 1)
    created = {}

    def generate():
        created["n"] = ledger.generate_month(month)

    median, samples = timed(rolled_back(generate), runs, warmup=1)
    floor_ms, _ = timed(rolled_back(lambda: generate_floor(month)), runs, warmup=1)
    rows.append(
        row(
            "generate",
            f"generate a month's dues for the city ({created.get('n', 0):,} rows, "
            f"{members:,} members)",
            median,
            floor_ms,
            samples,
        )
    )

    # 2–3. pages
    for key, username, url, label in (
        (
            "ledger",
            "shuji",
            reverse("dues:ledger"),
            "a branch's year ledger `GET /dues/` as 支部书记",
        ),
        (
            "arrears",
            "gongwei",
            reverse("dues:arrears"),
            "the city's arrears list `GET /dues/arrears/` as 工委管理员",
        ),
    ):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))

        def get(url=url, client=client):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, samples = timed(get, runs)
        user = User.objects.get(username=username)
        floor_ms, _ = timed(lambda key=key, user=user: page_floor(key, user, today), runs)
        rows.append(row(key, label, median, floor_ms, samples))

    # 4. import 25,000 bases (three runs: long)
    upload = base_workbook(today.year)
    imported = {}

    def do_import():
        from dangjian.dues.imports import DuesBaseImporter

        upload.seek(0)
        result = DuesBaseImporter().run(User.objects.get(username="gongwei_importer"), upload)
        assert result.ok, [str(e) for e in result.errors[:5]]
        imported["n"] = result.created

    ensure_importer()
    median, samples = timed(rolled_back(do_import), 3, warmup=0)
    floor_ms, _ = timed(rolled_back(lambda: import_floor(today.year)), 3, warmup=0)
    rows.append(
        row(
            "import",
            f"import {imported.get('n', 0):,} bases from an xlsx",
            median,
            floor_ms,
            samples,
        )
    )
    del DuesDue, dt
    return {"rows": rows}


def row(key, operation, median, floor_ms, samples) -> dict:
    log(f"  {operation}: median {median:,.1f} ms, floor {floor_ms:,.1f} ms")
    return {
        "key": key,
        "operation": operation,
        "median_ms": median,
        "floor_ms": floor_ms,
        "target_ms": TARGETS[key],
        "samples": samples,
    }


def ensure_importer() -> None:
    """A 工委 user holding the branch secretary's dues rights over the city (the importer
    writes where its user may add bases)."""
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.orgs.models import Organization

    user, made = User.objects.get_or_create(username="gongwei_importer")
    if made:
        root = Organization.objects.get(depth=1)
        RoleAssignment.objects.create(user=user, role="branch_secretary", org=root)


def base_workbook(year: int):
    """An xlsx of one base per member in the register (name + org code or name)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.core.excel import writer
    from dangjian.members.models import Member, MembershipState

    headers = ["姓名", "党组织", "年度", "起始月份", "交纳类别", "月工资基数"]
    rows = list(
        Member.objects.filter(membership=MembershipState.NORMAL)
        .order_by("pk")
        .values_list("name", "org_id", "org__name", "org__code")
    )
    count: dict[tuple[int, str], int] = {}
    for name, org_id, _org_name, _code in rows:
        count[(org_id, name)] = count.get((org_id, name), 0) + 1
    data = []
    for name, org_id, org_name, code in rows:
        if count[(org_id, name)] > 1:
            continue  # namesakes would need the ID number: left out of the timing
        data.append(
            [name, code or org_name, year, 1, "在职（按月税后工资）", 5000 + len(data) % 7000]
        )
    wb = writer.Workbook()
    ws = wb.active
    ws.title = "党费基数"
    ws.append(headers)
    for line in data:
        ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    log(f"  import workbook: {len(data):,} rows, {len(buf.getvalue()) // 1024:,} KB")
    return SimpleUploadedFile("基数.xlsx", buf.getvalue())


# --- floors ----------------------------------------------------------------------------------


def generate_floor(month) -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cur:
        cur.execute(
            "SELECT m.id, m.org_id, o.path, m.joined_on FROM members_member m "
            "JOIN orgs_organization o ON o.id = m.org_id WHERE m.membership = 'normal'"
        )
        members = cur.fetchall()
        cur.execute(
            "SELECT member_id, year, from_month, category, base FROM dues_duesbase "
            "WHERE year < %s OR (year = %s AND from_month <= %s) ORDER BY member_id, year, from_month",
            [month.year, month.year, month.month],
        )
        bases = {r[0]: r for r in cur.fetchall()}
        now = timezone.now()
        rows = [
            (now, now, m[0], m[1], month, "1.00", "in_service", "", "national.2008", "")
            for m in members
            if m[0] in bases
        ]
        cur.executemany(
            "INSERT INTO dues_duesdue (created, updated, member_id, org_id, month, amount, "
            "category, bracket, table_id, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    del dt


def page_floor(key: str, user, today) -> None:
    from django.db import connection

    from dangjian.core.scoping import scope_paths

    paths = scope_paths(user, "dues.view_duesdue")
    path = min(paths, key=len)
    with connection.cursor() as cur:
        if key == "ledger":
            cur.execute(
                "SELECT d.member_id, d.month, d.amount, d.payment_id, p.paid_on FROM dues_duesdue d "
                "JOIN orgs_organization o ON o.id = d.org_id "
                "LEFT JOIN dues_duespayment p ON p.id = d.payment_id "
                "WHERE o.path >= %s AND o.path < %s AND d.month >= %s AND d.month <= %s",
                [
                    path,
                    path + "\uffff",
                    today.replace(month=1, day=1),
                    today.replace(month=12, day=1),
                ],
            )
        else:
            cur.execute(
                "SELECT d.member_id, COUNT(*), SUM(d.amount), MIN(d.month) FROM dues_duesdue d "
                "JOIN orgs_organization o ON o.id = d.org_id "
                "WHERE o.path >= %s AND o.path < %s AND d.payment_id IS NULL AND d.amount > 0 "
                "AND d.month < %s GROUP BY d.member_id ORDER BY COUNT(*) DESC, d.member_id LIMIT 50",
                # 欠交: unpaid when the month's quarter ended (dues.ledger.overdue_before).
                [path, path + "\uffff", today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)],
            )
        cur.fetchall()


def import_floor(year: int) -> None:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cur:
        cur.execute(
            "SELECT m.id, m.name, m.org_id FROM members_member m WHERE m.membership = 'normal'"
        )
        members = cur.fetchall()
        cur.execute("SELECT member_id, year, from_month FROM dues_duesbase WHERE year = %s", [year])
        existing = {(r[0], r[1], r[2]) for r in cur.fetchall()}
        now = timezone.now()
        rows = [
            (now, now, m[0], year, 1, "in_service", "5000.00", now.date(), "")
            for m in members
            if (m[0], year, 1) not in existing
        ]
        cur.executemany(
            "INSERT INTO dues_duesbase (created, updated, member_id, year, from_month, category, "
            "base, reviewed_on, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


# --- driver ---------------------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: dues …")
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
        data_dir=lambda key: VAR / f"dues-{key}",
        default_runs=5,
    )
