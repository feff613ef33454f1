"""督查考评 at demo-city scale on SQLite and PostgreSQL (issue 4's performance list).

    .venv/bin/python bench/assessments.py                  # both databases
    .venv/bin/python bench/assessments.py --db sqlite --runs 9
    .venv/bin/python bench/assessments.py --fresh          # drop and reload the databases

Three operations, each the median of ≥ 5 timed runs after one untimed warm-up, beside
the SQL floor (the same database work as hand-written SQL through `connection.cursor()`):

- **sample 954 + create assessments**: `campaigns.create_campaign` as the 工委管理员 —
  a stratified sample of 954 from the city's 党支部 and 党小组 (≈ 1,950), the saved
  sampling plan, the campaign and 954 assessments, audited — inside a transaction
  rolled back after each run. *Floor:* selecting the population and the units, inserting
  the campaign and 954 assessment rows (executemany), rolled back.
- **negative list, year 2024**: `negative_list.build(user, year=2024)` over the demo's
  findings of 2024 as the 工委管理员. *Floor:* the grouped counts, the assessed orgs and
  up to three examples per group (window function), fetched.
- **save a 50-item form**: `services.save_results` of 50 score items (a framework made
  for the bench, `bench_fifty`) on one assessment, each run changing every row, rolled
  back. *Floor:* reading the items and the saved results, upserting 50 rows
  (executemany), updating the assessment's total, rolled back.

The databases are this benchmark's own (`var/bench/assessments-sqlite/`, PostgreSQL
`dangjian_bench_assessments`), loaded once with `dangjian demo` (city scale). Prints a
Markdown table with the columns of bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os

from common import (
    POSTGRES_SERVER,
    TABLE_HEADER,
    VAR,
    bench_databases,
    ensure_demo,
    log,
    rolled_back,
    run_worker,
    setup_django,
    timed,
)

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_assessments"
TARGETS = {"sample": 2000.0, "negative": 300.0, "save": 150.0}
SAMPLE_SIZE = 954
ITEMS = 50
BENCH_CODE = "bench_fifty"


# --- worker (one database, in-process) ------------------------------------------------------


def _fifty_item_yaml() -> str:
    lines = [
        "version: 1",
        f"code: {BENCH_CODE}",
        "name: 基准测试五十项考评表",
        "campaign_types: [sampled_review]",
        "target_kinds: [branch]",
        "items:",
    ]
    for k in range(1, ITEMS + 1):
        lines += [
            f'  - code: "{k}"',
            f"    text: 基准测试条目{k}",
            "    kind: score",
            "    max_score: 2",
            "    methods: [check]",
            "    category: 基准测试",
        ]
    return "\n".join(lines) + "\n"


def worker(runs: int, year: int) -> dict:
    setup_django()
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.models import User
    from dangjian.assessments import campaigns, frameworks, negative_list, sampling, services
    from dangjian.assessments.models import Assessment, Campaign, Finding, Framework
    from dangjian.orgs.models import Organization, OrgKind

    ensure_demo()
    user = User.objects.get(username="gongwei")
    root = Organization.objects.get(depth=1)
    basic = Framework.objects.get(code="basic_system", is_current=True)
    out: dict = {"rows": []}

    # (a) stratified sample of 954 + assessments
    def sample():
        campaigns.create_campaign(
            user,
            name="基准测试抽查调阅",
            campaign_type="sampled_review",
            framework=basic,
            scope_org=root,
            target_kinds=[OrgKind.BRANCH, OrgKind.PARTY_GROUP],
            period_start=dt.date(year, 3, 1),
            period_end=dt.date(year, 6, 30),
            selection="sample",
            sample_size=SAMPLE_SIZE,
            seed=20240301,
        )

    population = sampling.population_for(root, [OrgKind.BRANCH, OrgKind.PARTY_GROUP]).count()
    with CaptureQueriesContext(connection) as ctx:
        rolled_back(sample)()
    median, samples = timed(rolled_back(sample), runs, warmup=1)
    floor, _ = timed(rolled_back(lambda: sample_floor(root, basic.pk, user.pk)), runs, warmup=1)
    out["rows"].append(
        {
            "key": "sample",
            "operation": f"stratified sample of {SAMPLE_SIZE} from {population:,} 党支部/党小组 "
            f"+ campaign + assessments (create_campaign, {len(ctx.captured_queries)} queries)",
            "median_ms": median,
            "floor_ms": floor,
            "samples": samples,
        }
    )

    # (b) negative list for the year
    findings = Finding.objects.filter(negative_list.year_q(year)).count()

    def negative():
        return negative_list.build(user, year=year)

    with CaptureQueriesContext(connection) as ctx:
        nl = negative()
    median, samples = timed(negative, runs, warmup=1)
    floor, _ = timed(lambda: negative_floor(year), runs, warmup=1)
    out["rows"].append(
        {
            "key": "negative",
            "operation": f"negative list, year {year} ({findings:,} findings, {len(nl.rows)} rows, "
            f"{nl.assessed_orgs:,} orgs assessed, {len(ctx.captured_queries)} queries)",
            "median_ms": median,
            "floor_ms": floor,
            "samples": samples,
        }
    )

    # (c) saving a 50-item form
    fifty = Framework.objects.filter(code=BENCH_CODE).order_by("-version").first()
    if fifty is None:
        fifty = frameworks.import_framework(user, _fifty_item_yaml(), f"{BENCH_CODE}.yaml")
    campaign = Campaign.objects.filter(framework=fifty).first()
    branch = Organization.objects.filter(kind=OrgKind.BRANCH).order_by("path").first()
    if campaign is None:
        campaign = campaigns.create_campaign(
            user,
            name="基准测试五十项表单",
            campaign_type="sampled_review",
            framework=fifty,
            scope_org=root,
            target_kinds=[OrgKind.BRANCH],
            period_start=dt.date(year, 3, 1),
            period_end=dt.date(year, 6, 30),
            selection="manual",
            manual_targets=[branch],
        )
    assessment = Assessment.objects.get(campaign=campaign)
    items = list(fifty.items.order_by("order").values_list("pk", flat=True))
    turn = [0]

    def rows():
        turn[0] += 1
        return [
            {
                "item": pk,
                "result": "conforming" if (k + turn[0]) % 5 else "partial",
                "score": Decimal(2) if (k + turn[0]) % 5 else Decimal("1.5"),
                "note": "" if (k + turn[0]) % 5 else f"基准测试说明{turn[0]}",
                "methods": ["check"],
            }
            for k, pk in enumerate(items)
        ]

    def save():
        services.save_results(user, Assessment.objects.get(pk=assessment.pk), rows())

    with CaptureQueriesContext(connection) as ctx:
        rolled_back(save)()
    median, samples = timed(rolled_back(save), runs, warmup=1)
    floor, _ = timed(
        rolled_back(lambda: save_floor(assessment.pk, fifty.pk, items, turn)), runs, warmup=1
    )
    out["rows"].append(
        {
            "key": "save",
            "operation": f"save a {len(items)}-item assessment form (save_results, "
            f"{len(ctx.captured_queries)} queries)",
            "median_ms": median,
            "floor_ms": floor,
            "samples": samples,
        }
    )
    return out


def sample_floor(root, framework_id: int, user_id: int) -> None:
    """Population, units, the campaign row and 954 assessment rows in plain SQL."""
    import random

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT path, id, name FROM orgs_organization WHERE path >= %s AND path < %s "
            "AND kind IN ('branch', 'party_group') AND status = 'active' ORDER BY path",
            [root.path, root.path + "\uffff"],
        )
        population = cur.fetchall()
        cur.execute("SELECT path, id, name FROM orgs_organization WHERE kind = 'unit_party'")
        units = {p: pk for p, pk, _n in cur.fetchall()}
        drawn = random.Random(1).sample(population, SAMPLE_SIZE)
        cur.execute(
            "INSERT INTO assessments_campaign (created, updated, name, campaign_type, framework_id, "
            "scope_org_id, target_kinds, period_start, period_end, selection, sample_size, seed, "
            "sampling_plan, status, results_released, liaison_stage, description, created_by_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                now,
                now,
                "floor",
                "sampled_review",
                framework_id,
                root.pk,
                json.dumps(["branch", "party_group"]),
                "2024-03-01",
                "2024-06-30",
                "sample",
                SAMPLE_SIZE,
                1,
                json.dumps({"drawn": [pk for _p, pk, _n in drawn]}),
                "draft",
                False,
                "",
                "",
                user_id,
            ],
        )
        cur.execute("SELECT MAX(id) FROM assessments_campaign")
        campaign_id = cur.fetchone()[0]
        cur.executemany(
            "INSERT INTO assessments_assessment (created, updated, campaign_id, target_id, "
            "unit_org_id, status, assessor_names, has_innovation, summary, rating) "
            "VALUES (%s, %s, %s, %s, %s, 'planned', '', %s, '', '')",
            [(now, now, campaign_id, pk, units.get(path[:8]), False) for path, pk, _name in drawn],
        )


def negative_floor(year: int) -> None:
    from django.db import connection

    overlap = (
        "((c.period_start <= %s AND c.period_end >= %s) OR "
        "(f.campaign_id IS NULL AND f.found_on BETWEEN %s AND %s))"
    )
    first, last = f"{year}-01-01", f"{year}-12-31"
    params = [last, first, first, last]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT f.category, COALESCE(i.code, ''), COALESCE(i.text, ''), COUNT(*), "
            "COUNT(DISTINCT f.org_id) FROM assessments_finding f "
            "LEFT JOIN assessments_campaign c ON c.id = f.campaign_id "
            "LEFT JOIN assessments_frameworkitem i ON i.id = f.item_id "
            f"WHERE {overlap} GROUP BY 1, 2, 3",
            params,
        )
        cur.fetchall()
        cur.execute(
            "SELECT COUNT(DISTINCT a.target_id) FROM assessments_assessment a "
            "JOIN assessments_campaign c ON c.id = a.campaign_id "
            "WHERE c.period_start <= %s AND c.period_end >= %s AND a.status = 'done'",
            [last, first],
        )
        cur.fetchall()
        cur.execute(
            "SELECT category, code, itext, text FROM (SELECT f.category, "
            "COALESCE(i.code, '') AS code, COALESCE(i.text, '') AS itext, f.text, "
            "ROW_NUMBER() OVER (PARTITION BY f.category, i.code, i.text "
            "ORDER BY f.found_on DESC, f.id DESC) AS rn FROM assessments_finding f "
            "LEFT JOIN assessments_campaign c ON c.id = f.campaign_id "
            "LEFT JOIN assessments_frameworkitem i ON i.id = f.item_id "
            f"WHERE {overlap}) x WHERE rn <= 3 ORDER BY 1, 2, 3",
            params,
        )
        cur.fetchall()


def save_floor(assessment_id: int, framework_id: int, items: list[int], turn: list[int]) -> None:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    turn[0] += 1
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, code, kind, max_score FROM assessments_frameworkitem WHERE framework_id = %s",
            [framework_id],
        )
        cur.fetchall()
        cur.execute(
            "SELECT item_id, result, score, note FROM assessments_itemresult WHERE assessment_id = %s",
            [assessment_id],
        )
        cur.fetchall()
        cur.execute("DELETE FROM assessments_itemresult WHERE assessment_id = %s", [assessment_id])
        cur.executemany(
            "INSERT INTO assessments_itemresult (created, updated, assessment_id, item_id, result, "
            "score, note, methods, from_records) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (now, now, assessment_id, pk, "conforming", "2", str(turn[0]), '["check"]', False)
                for pk in items
            ],
        )
        cur.execute(
            "UPDATE assessments_assessment SET total_score = %s, status = 'in_progress', "
            "updated = %s WHERE id = %s",
            [2 * len(items), now, assessment_id],
        )


# --- orchestration (no Django in this process) ---------------------------------------------


def run_target(label: str, env: dict[str, str], args) -> dict:
    log(f"== {label}")
    worker = ["--worker", f"--runs={args.runs}", f"--year={args.year}"]
    return run_worker(__file__, worker, env, label, echo=True)


def rows_for(label: str, env: dict[str, str], runs: int, year: int = 2024) -> list[dict]:
    """The three rows in bench/run.py's format, timed on the database `env` points at."""
    result = run_target(label, env, argparse.Namespace(runs=runs, year=year))
    return [
        {
            "operation": r["operation"],
            "db": label,
            "median_ms": r["median_ms"],
            "floor_ms": r["floor_ms"],
            "target": f"≤ {TARGETS[r['key']]:,.0f} ms",
        }
        for r in result["rows"]
    ]


def render(rows: list[dict]) -> str:
    lines = list(TABLE_HEADER)
    for r in rows:
        target = TARGETS[r["key"]]
        ok = "✓" if r["median_ms"] <= target else "✗"
        lines.append(
            f"| {r['operation']} | {r['db']} | {r['median_ms']:,.1f} | {r['floor_ms']:,.1f} | "
            f"{r['median_ms'] / r['floor_ms']:.1f}× | ≤ {target:,.0f} ms {ok} |"
        )
    return "\n".join(lines)


def orchestrate(args) -> list[dict]:
    rows: list[dict] = []
    databases = bench_databases(
        args.db, args.postgres_url, lambda key: VAR / f"assessments-{key}", fresh=args.fresh
    )
    for label, env in databases:
        result = run_target(label, env, args)
        rows += [{**r, "db": label} for r in result["rows"]]
    rows.sort(key=lambda r: (list(TARGETS).index(r["key"]), r["db"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="comma list: sqlite, postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DANGJIAN_BENCH_ASSESSMENTS_POSTGRES_URL", PG_URL),
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per operation (≥ 5)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.runs, args.year)))
        return
    print(render(orchestrate(args)))


if __name__ == "__main__":
    main()
