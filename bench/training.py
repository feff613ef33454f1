"""培训班与夜校 at demo-city scale on SQLite and PostgreSQL (issue 13).

    .venv/bin/python bench/training.py                    # both databases
    .venv/bin/python bench/training.py --db sqlite --runs 5
    .venv/bin/python bench/training.py --fresh            # drop and reload the databases

Each figure is the median of the timed runs (two untimed warm-ups), as the 工委管理员
(gongwei), who sees every enrolment:

- the class detail of the biggest night-school course (`GET /training/classes/<pk>/`: the
  2024 青年讲堂, ≈ 1,000 members × 8 sessions; the matrix shows 100 members a page),
  target ≤ 500 ms;
- the class detail of the 2024 党纪学习教育 轮训班 (≈ 1,300 secretaries, one 期 each over
  the sessions of the existing activities), target ≤ 500 ms;
- the city's class list (`GET /training/`), target ≤ 200 ms;
- the enrolment API list of the 青年讲堂 (`GET /api/enrolments/?training_class=<pk>`, first
  page with each row's attended sessions and 学时), target ≤ 200 ms.

*Floor:* the same reads through `connection.cursor()`: for a class detail its sessions, the
enrolment count, the first page (100) of enrolments with the member and org names, and the
participations of those members in those sessions; for the list the classes with their session and enrolment counts (first page);
for the API the first page of enrolments with the two per-row sums.

The databases are this benchmark's own (`var/bench/training-sqlite/`, PostgreSQL
`dangjian_bench_training`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_training"
TARGETS = {"lecture": 500.0, "rotation": 500.0, "list": 200.0, "api": 200.0}


def worker(runs: int) -> dict:
    setup_django()
    from django.test import Client

    from dangjian.accounts.models import User
    from dangjian.training.models import TrainingClass

    ensure_demo()
    lecture = TrainingClass.objects.get(title="2024年机关夜校“青年讲堂”")
    rotation = TrainingClass.objects.get(training_type="rotation", year=2024)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="gongwei"))
    rows: list[dict] = []
    for key, url, label, floor in (
        (
            "lecture",
            f"/training/classes/{lecture.pk}/",
            f"class detail + matrix, 青年讲堂 ({lecture.enrolments.count():,} enrolled × "
            f"{lecture.class_sessions.count()} sessions)",
            lambda: detail_floor(lecture.pk),
        ),
        (
            "rotation",
            f"/training/classes/{rotation.pk}/",
            f"class detail + matrix, 轮训班 ({rotation.enrolments.count():,} enrolled × "
            f"{rotation.class_sessions.count()} sessions)",
            lambda: detail_floor(rotation.pk),
        ),
        (
            "list",
            "/training/",
            f"the city's class list ({TrainingClass.objects.count()} classes)",
            list_floor,
        ),
        (
            "api",
            f"/api/enrolments/?training_class={lecture.pk}",
            "enrolment API list of the 青年讲堂 (first page, with hours)",
            lambda: api_floor(lecture.pk),
        ),
    ):

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, samples = timed(get, runs)
        floor_ms, _ = timed(floor, runs)
        rows.append(row(key, label, median, floor_ms, samples))
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


# --- floors ----------------------------------------------------------------------------------


def detail_floor(class_id: int) -> None:
    """What the page reads: the sessions, the enrolment count, the first page of 100
    enrolments with names, and those members' participations in the sessions."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.id, s.number, a.id, a.title, a.held_on FROM training_classsession s "
            "JOIN activities_activity a ON a.id = s.activity_id WHERE s.training_class_id = %s "
            "ORDER BY s.number",
            [class_id],
        )
        cur.fetchall()
        cur.execute(
            "SELECT COUNT(*) FROM training_enrolment WHERE training_class_id = %s", [class_id]
        )
        cur.fetchall()
        cur.execute(
            "SELECT e.id, e.status, e.member_id, m.name, o.name FROM training_enrolment e "
            "JOIN members_member m ON m.id = e.member_id "
            "JOIN orgs_organization o ON o.id = m.org_id "
            "WHERE e.training_class_id = %s ORDER BY o.path, m.name, e.id LIMIT 100",
            [class_id],
        )
        ids = [r[2] for r in cur.fetchall()]
        marks = ", ".join(["%s"] * len(ids))
        cur.execute(
            "SELECT p.member_id, p.activity_id, p.status, p.hours FROM activities_participation p "
            "JOIN training_classsession s ON s.activity_id = p.activity_id "
            f"WHERE s.training_class_id = %s AND p.member_id IN ({marks})",
            [class_id, *ids],
        )
        cur.fetchall()


def list_floor() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.id, c.title, o.name, c.starts_on, c.ends_on, "
            "(SELECT COUNT(*) FROM training_classsession s WHERE s.training_class_id = c.id), "
            "(SELECT COUNT(*) FROM training_enrolment e WHERE e.training_class_id = c.id "
            "AND e.status = 'enrolled') "
            "FROM training_trainingclass c JOIN orgs_organization o ON o.id = c.org_id "
            "ORDER BY c.starts_on DESC, c.id DESC LIMIT 50"
        )
        cur.fetchall()


def api_floor(class_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.id, e.member_id, e.enrolled_on, e.status, "
            "(SELECT COUNT(*) FROM activities_participation p JOIN training_classsession s "
            " ON s.activity_id = p.activity_id WHERE s.training_class_id = e.training_class_id "
            " AND p.member_id = e.member_id AND p.status = 'attended'), "
            "(SELECT SUM(p.hours) FROM activities_participation p JOIN training_classsession s "
            " ON s.activity_id = p.activity_id WHERE s.training_class_id = e.training_class_id "
            " AND p.member_id = e.member_id AND p.status = 'attended') "
            "FROM training_enrolment e WHERE e.training_class_id = %s ORDER BY e.id LIMIT 50",
            [class_id],
        )
        cur.fetchall()


# --- driver ---------------------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: training …")
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
        data_dir=lambda key: VAR / f"training-{key}",
        default_runs=5,
    )
