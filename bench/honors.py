"""评选表彰 at demo-city scale on SQLite and PostgreSQL (issue 13).

    .venv/bin/python bench/honors.py                    # both databases
    .venv/bin/python bench/honors.py --db sqlite --runs 7
    .venv/bin/python bench/honors.py --fresh            # drop and reload the databases

Three pages as the demo's 工委管理员 (gongwei), each the median of the timed runs after two
untimed warm-ups:

- the 2024 “七一” round's page, `GET /honors/<pk>/`: every unit's quotas used, and all
  the round's nominations (≈ 210) each with its record check (留党察看, 出党, dues
  arrears, organizational life, an org's activities) — target ≤ 300 ms;
- the honors list `GET /honors/honors/` (first page of the city's honors), ≤ 100 ms;
- the same list filtered to 2024 优秀共产党员 (`?year=2024&title=excellent_member`), ≤ 100 ms.

*Floor:* the same database work through `connection.cursor()`: for the round page the
nominations with their names, the quotas and the used counts, and the five check sources
for the round's candidates; for the lists the page's rows and the count.

The databases are this benchmark's own (`var/bench/honors-sqlite/`, PostgreSQL
`dangjian_bench_honors`), loaded once with `dangjian demo` (city scale).
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

PG_URL = f"{POSTGRES_SERVER}/dangjian_bench_honors"
TARGETS = {"round": 300.0, "list": 100.0, "list_2024": 100.0}


def worker(runs: int) -> dict:
    setup_django()
    from django.test import Client
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.honors.models import Honor, HonorRound, Nomination

    ensure_demo(scale="city")
    user = User.objects.get(username="gongwei")
    rnd = HonorRound.objects.get(year=2024, org__depth=1)
    n_nominations = Nomination.objects.filter(round=rnd).count()
    n_honors = Honor.objects.count()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    rows = []
    for key, url, label in (
        (
            "round",
            reverse("honors:round_detail", args=[rnd.pk]),
            f"the 2024 七一 round's page ({n_nominations} nominations with checks)",
        ),
        ("list", reverse("honors:honor_list"), f"the honors list ({n_honors} honors, page 1)"),
        (
            "list_2024",
            reverse("honors:honor_list") + "?year=2024&title=excellent_member",
            "the honors list, 2024 优秀共产党员",
        ),
    ):

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, samples = timed(get, runs)
        floor_ms, _ = timed(lambda key=key: floor(key, rnd), runs)
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


def floor(key: str, rnd) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if key == "round":
            cur.execute(
                "SELECT n.id, n.title, n.status, n.member_id, n.recipient_org_id, o.name, "
                "m.name, ro.name FROM honors_nomination n "
                "JOIN orgs_organization o ON o.id = n.org_id "
                "LEFT JOIN members_member m ON m.id = n.member_id "
                "LEFT JOIN orgs_organization ro ON ro.id = n.recipient_org_id "
                "WHERE n.round_id = %s ORDER BY o.path, n.title, n.id",
                [rnd.pk],
            )
            found = cur.fetchall()
            members = [r[3] for r in found if r[3]] or [0]
            orgs = [r[4] for r in found if r[4]] or [0]
            cur.execute(
                "SELECT q.org_id, q.title, q.quota, o.name FROM honors_roundquota q "
                "JOIN orgs_organization o ON o.id = q.org_id WHERE q.round_id = %s",
                [rnd.pk],
            )
            cur.fetchall()
            cur.execute(
                "SELECT org_id, title, COUNT(*) FROM honors_nomination WHERE round_id = %s "
                "AND status <> 'returned' GROUP BY org_id, title",
                [rnd.pk],
            )
            cur.fetchall()
            marks = ",".join(["%s"] * len(members))
            for sql in (
                f"SELECT member_id, decided_on FROM recruitment_partyprobation WHERE member_id IN ({marks}) "
                "AND (restored_on IS NULL OR restored_on > CURRENT_DATE)",
                f"SELECT member_id, left_on FROM members_exit WHERE member_id IN ({marks})",
                "SELECT member_id, SUM(CASE WHEN payment_id IS NULL AND amount > 0 "
                "AND month < CURRENT_DATE THEN 1 ELSE 0 END) FROM dues_duesdue "
                f"WHERE member_id IN ({marks}) GROUP BY member_id",
                f"SELECT p.member_id, COUNT(*) FROM activities_participation p "
                "JOIN activities_activity a ON a.id = p.activity_id "
                f"WHERE p.member_id IN ({marks}) AND p.status = 'attended' "
                "AND a.held_on BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY p.member_id",
            ):
                cur.execute(sql, members)
                cur.fetchall()
            org_marks = ",".join(["%s"] * len(orgs))
            cur.execute(
                f"SELECT org_id, COUNT(*) FROM activities_activity WHERE org_id IN ({org_marks}) "
                "AND held_on BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY org_id",
                orgs,
            )
            cur.fetchall()
            return
        where, params = "", []
        if key == "list_2024":
            where, params = "WHERE h.year = %s AND h.title = %s", [2024, "excellent_member"]
        cur.execute(f"SELECT COUNT(*) FROM honors_honor h {where}", params)
        cur.fetchall()
        cur.execute(
            "SELECT h.id, h.title, h.level, h.year, h.issuer, h.decided_on, h.document_number, "
            "o.name, m.name FROM honors_honor h JOIN orgs_organization o ON o.id = h.org_id "
            f"LEFT JOIN members_member m ON m.id = h.member_id {where} "
            "ORDER BY h.decided_on DESC, h.title, h.id LIMIT 50",
            params,
        )
        cur.fetchall()


# --- driver ---------------------------------------------------------------------------------


def run_target(label: str, env: dict[str, str], runs: int) -> dict:
    log(f"{label}: honors …")
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
        data_dir=lambda key: VAR / f"honors-{key}",
        default_runs=7,
    )
