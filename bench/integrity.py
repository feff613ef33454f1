"""廉政风险 at demo-city scale on SQLite and PostgreSQL (issue 13).

    .venv/bin/python bench/integrity.py                    # both databases
    .venv/bin/python bench/integrity.py --db sqlite --runs 5

Two operations, each the median of the timed runs (two untimed warm-ups):

- importing one unit's register of 200 rows (150 risk points, 50 more measures, some
  guarding two points) from an xlsx into the demo unit's open 2025 register, as its
  单位管理员 (danwei): `RiskRegisterImporter.run`, rolled back after each run; target ≤ 1 s;
- the city's coverage page of the 2024 round, `GET /integrity/reviews/<id>/` as the
  工委管理员 (gongwei): 85 units, their submission state and counts; target ≤ 200 ms.

*Floor:* the same database work through `connection.cursor()`: for the import the
register read, its old rows deleted and the points, measures and links inserted with
executemany; for the page the registers read with their orgs and the three grouped counts.

The databases are this benchmark's own (`var/bench/integrity-sqlite/`, PostgreSQL
`dangjian_bench_integrity`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_integrity"
TARGETS = {"import": 1000.0, "coverage": 200.0}
POINTS, EXTRA_MEASURES = 150, 50


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


def register_xlsx(year: int, unit: str) -> bytes:
    """200 rows: 150 points each with a measure, then 50 more measures (every fifth also
    guarding the next point)."""
    from dangjian.core.excel import writer
    from dangjian.integrity.imports import RiskRegisterImporter

    wb = writer.new_workbook()
    ws = writer.sheet(
        wb,
        RiskRegisterImporter.sheet_title,
        headers=[c.title for c in RiskRegisterImporter.columns],
    )
    posts = ["财务管理", "政府采购", "干部人事", "行政审批", "项目管理", "资产管理"]
    levels = ["高", "中", "低"]
    for i in range(POINTS):
        writer.append(
            ws,
            [
                year,
                unit,
                f"FX-{i + 1:03d}",
                posts[i % len(posts)],
                "经办人",
                "业务流程",
                levels[i % 3],
                f"第{i + 1}个环节审核把关不严，存在以权谋私的风险",
                f"第{i + 1}个环节实行两人经办、分级审核",
                None,
                "分管副局长",
                f"{year}-12-31",
            ],
        )
    for i in range(EXTRA_MEASURES):
        also = f"FX-{i + 2:03d}" if i % 5 == 0 else None
        writer.append(
            ws,
            [year, unit, f"FX-{i + 1:03d}", None, None, None, None, None,
             f"第{i + 1}个环节每季度开展一次廉政提醒", also, "科长", None],
        )  # fmt: skip
    return writer.save_bytes(wb)


def worker(runs: int) -> dict:
    setup_django()
    import io

    from django.test import Client

    from dangjian.accounts.models import User
    from dangjian.integrity.imports import RiskRegisterImporter
    from dangjian.integrity.models import RiskReview, RiskSubmission

    ensure_demo()
    rows: list[dict] = []
    danwei = User.objects.get(username="danwei")
    gongwei = User.objects.get(username="gongwei")

    # 1. one unit's register of 200 rows into its open register, rolled back each run
    sub = (
        RiskSubmission.objects.restrict(danwei, "change")
        .filter(review__closed=False)
        .select_related("review", "org")
        .order_by("-review__year")
        .first()
    )
    assert sub is not None, "the demo has no open round for danwei's unit"
    data = register_xlsx(sub.review.year, sub.org.name)
    result = {}

    def do_import():
        result["r"] = RiskRegisterImporter().run(danwei, io.BytesIO(data))
        assert result["r"].ok, [str(e) for e in result["r"].errors[:5]]

    median, samples = timed(rolled_back(do_import), runs)
    floor_ms, _ = timed(rolled_back(lambda: import_floor(sub.pk)), runs)
    rows.append(
        row(
            "import",
            f"import one unit's register ({POINTS + EXTRA_MEASURES} rows: {POINTS} points, "
            f"{result['r'].created - POINTS} measures)",
            median,
            floor_ms,
            samples,
        )
    )

    # 2. the 工委's coverage page of the 2024 round
    review = RiskReview.objects.get(year=2024)
    units = RiskSubmission.objects.filter(review=review).count()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(gongwei)
    url = f"/integrity/reviews/{review.pk}/"

    def page():
        resp = client.get(url)
        assert resp.status_code == 200, resp.status_code

    median, samples = timed(page, runs)
    floor_ms, _ = timed(lambda: coverage_floor(review.pk), runs)
    rows.append(
        row("coverage", f"the city's coverage page ({units} units)", median, floor_ms, samples)
    )
    return {"rows": rows}


def import_floor(sub_id: int) -> None:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.id, r.year, r.closed, o.name FROM integrity_risksubmission s "
            "JOIN integrity_riskreview r ON r.id = s.review_id "
            "JOIN orgs_organization o ON o.id = s.org_id WHERE s.id = %s",
            [sub_id],
        )
        cur.fetchall()
        cur.execute(
            "DELETE FROM integrity_measure_risk_points WHERE measure_id IN "
            "(SELECT id FROM integrity_measure WHERE submission_id = %s)",
            [sub_id],
        )
        cur.execute("DELETE FROM integrity_measure WHERE submission_id = %s", [sub_id])
        cur.execute("DELETE FROM integrity_riskpoint WHERE submission_id = %s", [sub_id])
        cur.executemany(
            "INSERT INTO integrity_riskpoint (created, updated, submission_id, code, post, "
            "post_title, description, category, level) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (now, now, sub_id, f"FX-{i:03d}", "finance", "经办人", "描述", "process", "high")
                for i in range(POINTS)
            ],
        )
        cur.execute("SELECT id FROM integrity_riskpoint WHERE submission_id = %s", [sub_id])
        point_ids = [r[0] for r in cur.fetchall()]
        cur.executemany(
            "INSERT INTO integrity_measure (created, updated, submission_id, description, "
            "responsible, deadline) VALUES (%s, %s, %s, %s, %s, %s)",
            [(now, now, sub_id, "措施", "科长", None) for _ in range(POINTS + EXTRA_MEASURES)],
        )
        cur.execute("SELECT id FROM integrity_measure WHERE submission_id = %s", [sub_id])
        measure_ids = [r[0] for r in cur.fetchall()]
        cur.executemany(
            "INSERT INTO integrity_measure_risk_points (measure_id, riskpoint_id) VALUES (%s, %s)",
            [(m, point_ids[i % len(point_ids)]) for i, m in enumerate(measure_ids)],
        )


def coverage_floor(review_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.id, s.submitted_at, o.name, o.path FROM integrity_risksubmission s "
            "JOIN orgs_organization o ON o.id = s.org_id WHERE s.review_id = %s ORDER BY o.path",
            [review_id],
        )
        cur.fetchall()
        cur.execute(
            "SELECT p.submission_id, p.level, COUNT(*) FROM integrity_riskpoint p "
            "JOIN integrity_risksubmission s ON s.id = p.submission_id WHERE s.review_id = %s "
            "GROUP BY p.submission_id, p.level",
            [review_id],
        )
        cur.fetchall()
        for table in ("integrity_measure", "integrity_institution"):
            cur.execute(
                f"SELECT t.submission_id, COUNT(*) FROM {table} t "
                "JOIN integrity_risksubmission s ON s.id = t.submission_id "
                "WHERE s.review_id = %s GROUP BY t.submission_id",
                [review_id],
            )
            cur.fetchall()


# --- driver ---------------------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: integrity …")
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
        data_dir=lambda key: VAR / f"integrity-{key}",
        default_runs=7,
    )
