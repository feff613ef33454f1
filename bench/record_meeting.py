"""Recording a 30-person meeting with its attendance through the API (issue 3: ≤ 100 ms).

    .venv/bin/python bench/record_meeting.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/record_meeting.py --db sqlite --runs 41

`make bench` runs the same measurement as its "meeting" step (bench/worker.py imports
`bench_record_meeting` from here). Both use the persistent bench databases of bench/run.py
(`var/bench/sqlite`, PostgreSQL `dangjian_bench`), loading the demo city first if empty.

What is timed, as the median of ≥ 25 runs after two warm-ups: one
`POST /api/activities/` through Django's test client (session auth, every middleware,
in-process, no network) by a 支部书记 of a demo branch whose attendee pool is exactly 30
members. The body is a 党员大会 with one agenda item and the 30 participations (出席,
two 请假 with a reason, one 缺席; 免于参加 kept for exempt members). The service validates
everything (scope, kind allowed, future date, members of the org, duplicates), writes the
activity, agenda and attendance, checks the quorum, audits, and the response is the full
record. Each run commits; the row is deleted afterwards, untimed.

The secretary is a bench-only account (`bench_secretary`, role 支部书记) created once at
that branch: the demo's own `shuji` branch has 42 attendees, not 30.

*Floor:* the same rows written with hand-made SQL in one committed transaction: one
`INSERT` into activities_activity, one into activities_agendaitem and one `executemany`
of 30 rows into activities_participation (values prepared beforehand), then deleted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

from common import (
    SHARED_POSTGRES_URL,
    TABLE_HEADER,
    VAR,
    bench_databases,
    ensure_demo,
    log,
    prepared_insert,
    run_worker,
    setup_django,
)

TARGET = "≤ 100 ms"
ATTENDEES = 30
BENCH_USER = "bench_secretary"
DAY = dt.date(2025, 6, 18)  # a past weekday inside the demo's years


# --- the measurement (Django is set up by the caller) ------------------------------------


def _branch_of_thirty():
    """A branch whose 党员大会 expects exactly 30 members on DAY (the first in tree order)."""
    from django.db.models import Count

    from dangjian.activities import attendance
    from dangjian.members.models import Member
    from dangjian.orgs.models import ACTIVE_MEMBERSHIP, Organization, OrgKind

    # Candidates from one count of active members per org; the service's own rule
    # (expected_attendees) has the last word.
    per_org = list(
        Member.objects.filter(membership=ACTIVE_MEMBERSHIP)
        .values_list("org__path")
        .annotate(n=Count("id"))
    )
    candidates = []
    for org in Organization.objects.filter(kind=OrgKind.BRANCH, status="active").only("path"):
        total = sum(n for path, n in per_org if path.startswith(org.path))
        if total >= ATTENDEES:
            candidates.append((total - ATTENDEES, org.path, org.pk))
    for _extra, _path, pk in sorted(candidates)[:50]:
        org = Organization.objects.get(pk=pk)
        expected = attendance.expected_attendees(org, "member_assembly", DAY)
        if len(expected) == ATTENDEES:
            return org, expected
    raise RuntimeError("no demo branch expects exactly 30 members")


def _secretary(org) -> Any:
    from dangjian.accounts.models import RoleAssignment, User

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = User.objects.create_user(username=BENCH_USER, password=None)
    RoleAssignment.objects.filter(user=user).exclude(org=org).delete()
    RoleAssignment.objects.get_or_create(user=user, role="branch_secretary", org=org)
    return User.objects.get(pk=user.pk)


def _body(org, expected) -> dict:
    participations = []
    for i, e in enumerate(expected):
        if e.exemption is not None:
            participations.append({"member": e.member.pk, "status": "exempt"})
        elif i in (3, 11):
            participations.append({"member": e.member.pk, "status": "leave", "reason": "出差"})
        elif i == 20:
            participations.append({"member": e.member.pk, "status": "absent"})
        else:
            participations.append({"member": e.member.pk, "status": "attended", "hours": "2.0"})
    return {
        "org": org.pk,
        "kind": "member_assembly",
        "title": "基准测试支部党员大会",
        "held_on": DAY.isoformat(),
        "place": "党员活动室",
        "agenda_items": [{"title": "传达学习上级会议精神", "is_first_topic": True}],
        "participations": participations,
    }


def _floor_once(org, member_ids: list[int], user) -> float:
    """Raw INSERTs of the same rows in one committed transaction; milliseconds.

    Values are prepared before the clock starts; the cleanup afterwards is untimed."""
    from django.db import connection, transaction

    from dangjian.activities.models import Activity, AgendaItem, Participation

    a_sql, _, a_values = prepared_insert(
        Activity(
            org=org,
            kind="member_assembly",
            title="基准测试支部党员大会",
            held_on=DAY,
            place="党员活动室",
            quorum_met=True,
            recorded_by=user,
        )
    )
    i_sql, i_fields, i_values = prepared_insert(
        AgendaItem(activity_id=0, title="传达学习上级会议精神", is_first_topic=True)
    )
    p_sql, p_fields, p_values = prepared_insert(Participation(activity_id=0, member_id=0, hours=2))
    i_act = [f.name for f in i_fields].index("activity")
    p_act = [f.name for f in p_fields].index("activity")
    p_mem = [f.name for f in p_fields].index("member")
    returning = " RETURNING id" if connection.vendor == "postgresql" else ""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(a_sql + returning, a_values)
        activity_id = cur.fetchone()[0] if returning else cur.lastrowid
        i_values[i_act] = activity_id
        cur.execute(i_sql, i_values)
        rows = []
        for m in member_ids:
            values = list(p_values)
            values[p_act], values[p_mem] = activity_id, m
            rows.append(values)
        cur.executemany(p_sql, rows)
    elapsed = (time.perf_counter() - start) * 1000
    Activity.objects.filter(pk=activity_id).delete()
    return elapsed


def bench_record_meeting(runs: int = 25) -> list[dict]:
    """One row for the bench table (same keys as bench/worker.py's rows)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dangjian.activities.models import Activity

    runs = max(runs, 25)
    org, expected = _branch_of_thirty()
    user = _secretary(org)
    client = Client(HTTP_HOST="127.0.0.1")  # the test host name is only allowed under pytest
    client.force_login(user)
    body = json.dumps(_body(org, expected), ensure_ascii=False)
    Activity.objects.filter(org=org, title="基准测试支部党员大会").delete()  # an aborted run's

    def post() -> int:
        response = client.post("/api/activities/", body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:500]!r}")
        return response.json()["id"]

    for _ in range(2):  # warm-up
        Activity.objects.filter(pk=post()).delete()
    with CaptureQueriesContext(connection) as captured:
        created = post()
    queries = len(captured)
    written = Activity.objects.get(pk=created).participations.count()
    Activity.objects.filter(pk=created).delete()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        created = post()
        samples.append((time.perf_counter() - start) * 1000)
        Activity.objects.filter(pk=created).delete()
    member_ids = [e.member.pk for e in expected]
    for _ in range(2):
        _floor_once(org, member_ids, user)
    floor = [_floor_once(org, member_ids, user) for _ in range(runs)]
    return [
        {
            "operation": f"record a {written}-person 党员大会 with attendance through "
            f"POST /api/activities/ as 支部书记 ({queries} queries; "
            f"floor = INSERT 1 activity + 1 agenda item + {written} participations)",
            "median_ms": statistics.median(samples),
            "floor_ms": statistics.median(floor),
            "target": TARGET,
            "queries": queries,
            "samples": samples,
            "floor_samples": floor,
        }
    ]


# --- standalone driver ---------------------------------------------------------------------


def worker(runs: int) -> None:
    setup_django()
    ensure_demo()
    print(json.dumps(bench_record_meeting(runs), ensure_ascii=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--postgres-url", default=SHARED_POSTGRES_URL)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 25:
        parser.error("--runs must be at least 25")
    if args.worker:
        worker(args.runs)
        return
    lines = [
        f"Recording a {ATTENDEES}-person meeting through the API (medians of {args.runs} runs)",
        "",
        *TABLE_HEADER,
    ]
    for label, env in bench_databases(args.db, args.postgres_url, lambda key: VAR / key):
        log(f"== {label}")
        for r in run_worker(__file__, ["--worker", f"--runs={args.runs}"], env, label):
            ok = "✓" if r["median_ms"] <= 100 else "✗"
            lines.append(
                f"| {r['operation']} | {label} | {r['median_ms']:.1f} | {r['floor_ms']:.1f} | "
                f"{r['median_ms'] / r['floor_ms']:.1f}× | {TARGET} {ok} |"
            )
            log(lines[-1])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
