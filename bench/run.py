"""`make bench`: performance at demo-city scale on SQLite and PostgreSQL (not part of `make test`).

For each database this script
1. times `dangjian demo` on a freshly migrated empty database, `--demo-runs` times, each in
   its own process (wall time and peak RSS via `resource.getrusage(RUSAGE_CHILDREN)`);
2. runs `bench/worker.py` against a persistent bench database that holds the demo city
   (loaded on first use, then reused): member list API, org tree page, xlsx import,
   recording a 30-person meeting through the API (bench/record_meeting.py), each beside
   its hand-written SQL floor;
3. prints one Markdown table and writes it (and the raw JSON) to `bench/results/`;
4. runs the load test (bench/load.py) against gunicorn on the PostgreSQL bench database.

See bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from common import (
    ROOT,
    SHARED_POSTGRES_URL,
    TABLE_HEADER,
    VAR,
    child_env,
    create_database,
    log,
    manage,
    postgres_up,
    run_worker,
    with_db,
)

RESULTS = ROOT / "bench" / "results"

# Runs the demo as a child and reports the child's wall time and peak RSS (KiB on Linux).
_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


@dataclass
class Target:
    label: str  # "SQLite" | "PostgreSQL"
    key: str
    data_dir: Path
    url: str | None = None  # PostgreSQL database URL of the persistent bench database

    def env(self, *, scratch: bool = False) -> dict[str, str]:
        if not scratch:
            return child_env(self.data_dir, self.url)
        url = with_db(self.url, self.db_name + "_demo") if self.url else None
        return child_env(self.data_dir.with_name(self.data_dir.name + "-demo"), url)

    @property
    def db_name(self) -> str:
        return self.url.rsplit("/", 1)[1] if self.url else ""


def fresh_empty_database(target: Target) -> dict[str, str]:
    """A migrated, empty database for one demo run (copied from a template migrated once)."""
    env = target.env(scratch=True)
    scratch = Path(env["DANGJIAN_DATA_DIR"])
    template_dir = scratch.with_name(scratch.name + "-empty")
    if target.url is None:
        # migrate every time (a no-op when current): a template from an older schema
        # would otherwise be copied forever
        template_env = {**env, "DANGJIAN_DATA_DIR": str(template_dir)}
        manage(template_env, "migrate", "-v0")
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(template_dir, scratch)
        return env
    template = target.db_name + "_empty"
    create_database(target.url, template)
    manage({**env, "DATABASE_URL": with_db(target.url, template)}, "migrate", "-v0")
    create_database(target.url, target.db_name + "_demo", template=template, drop=True)
    scratch.mkdir(parents=True, exist_ok=True)
    return env


def bench_demo(target: Target, runs: int, scale: str, seed: int) -> dict:
    seconds, rss = [], []
    for i in range(runs):
        env = fresh_empty_database(target)
        cmd = [
            sys.executable,
            "-c",
            _WRAPPER,
            sys.executable,
            "-m",
            "dangjian.cli",
            "demo",
            f"--scale={scale}",
            f"--seed={seed}",
            "-v0",
        ]
        out = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            cmd, env=env, check=True, cwd=ROOT, capture_output=True, text=True
        ).stdout
        elapsed, kib = out.split()
        seconds.append(float(elapsed))
        rss.append(int(kib) / 1024)
        log(f"  demo run {i + 1}/{runs}: {float(elapsed):.1f} s, peak RSS {int(kib) / 1024:.0f} MB")
    return {
        "median_ms": statistics.median(seconds) * 1000,
        "rss_mb": max(rss),
        "samples_s": seconds,
    }


def run_worker_for(target: Target, args: argparse.Namespace, only: list[str]) -> dict:
    worker_args = [
        f"--db={target.key}",
        f"--runs={args.runs}",
        f"--import-runs={args.import_runs}",
        f"--import-rows={args.import_rows}",
        f"--meeting-runs={args.meeting_runs}",
        f"--scale={args.scale}",
        f"--seed={args.seed}",
        f"--only={','.join(only)}",
    ]
    return run_worker(ROOT / "bench" / "worker.py", worker_args, target.env(), target.label)


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _meets(target: str, median: float | None) -> str:
    """'≤ 50 ms' → ' ✓' or ' ✗' against the median."""
    found = re.search(r"≤\s*([\d ,]+)\s*ms", target)
    if not found or median is None or math.isnan(median):
        return ""
    limit = float(re.sub(r"[ ,]", "", found[1]))
    return " ✓" if median <= limit else " ✗"


def render(rows: list[dict]) -> str:
    lines = list(TABLE_HEADER)
    for r in rows:
        median, floor = r.get("median_ms"), r.get("floor_ms")
        ratio = f"{median / floor:.1f}×" if median and floor and not math.isnan(median) else "—"
        operation = r["operation"] + (f" — {r['note']}" if r.get("note") else "")
        lines.append(
            f"| {operation} | {r['db']} | {_ms(median)} | {_ms(floor)} | {ratio} | "
            f"{r['target']}{_meets(r['target'], median)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="comma list: sqlite, postgres")
    parser.add_argument("--postgres-url", default=SHARED_POSTGRES_URL)
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs per request benchmark (≥ 5)"
    )
    parser.add_argument("--demo-runs", type=int, default=5)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--import-rows", type=int, default=25_000)
    parser.add_argument(
        "--meeting-runs", type=int, default=25, help="timed POSTs of the 30-person meeting (≥ 25)"
    )
    parser.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of: demo, list, tree, import, meeting, assessments, todo, compliance, "
        "search, accounts, lists, pages, load",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop the persistent bench databases first"
    )
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    suffix = "" if args.scale == "city" else f"_{args.scale}"
    targets = []
    for key in args.db.split(","):
        if key == "sqlite":
            targets.append(Target("SQLite", key, VAR / f"sqlite{suffix}"))
        elif key == "postgres" and postgres_up(args.postgres_url):
            targets.append(
                Target("PostgreSQL", key, VAR / f"postgres{suffix}", args.postgres_url + suffix)
            )
    rows: list[dict] = []
    raw: dict = {
        "started": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "args": vars(args),
        "targets": {},
    }
    for target in targets:
        log(f"== {target.label}")
        if args.fresh:
            shutil.rmtree(target.data_dir, ignore_errors=True)
        target.data_dir.mkdir(parents=True, exist_ok=True)
        if target.url:
            create_database(target.url, drop=args.fresh)
        only = [k for k in ("list", "tree", "import", "meeting") if k not in skip]
        if "demo" not in skip:
            only.append("demo-floor")
            demo = bench_demo(target, args.demo_runs, args.scale, args.seed)
        log("  worker: loading the demo city if needed, then timing requests and the import …")
        result = run_worker_for(target, args, only)
        raw["targets"][target.key] = result
        rows.extend({**r, "db": target.label} for r in result["rows"])
        if "demo" not in skip:
            raw["targets"][target.key]["demo"] = demo
            rows.append(
                {
                    "operation": f"`dangjian demo --scale {args.scale}` in a fresh database "
                    f"(peak RSS {demo['rss_mb']:.0f} MB; floor = copying the same rows in SQL)",
                    "db": target.label,
                    "median_ms": demo["median_ms"],
                    "floor_ms": result.get("demo_floor_ms"),
                    "target": "≤ 60 000 ms, RSS ≤ 1 GB"
                    + ("" if demo["rss_mb"] <= 1024 else " (RSS ✗)"),
                }
            )
        if "assessments" not in skip:  # 督查考评 (issue 4): bench/assessments.py on this database
            import assessments as assessment_bench

            rows.extend(assessment_bench.rows_for(target.label, target.env(), args.runs))
        if "todo" not in skip:  # 待办 and the 工作台 by role (issue 9): bench/todo.py
            import todo as todo_bench

            rows.extend(todo_bench.rows_for(target.label, target.env(), args.runs))
        if "compliance" not in skip:  # the compliance page by role (bench/compliance.py)
            import compliance as compliance_bench

            rows.extend(compliance_bench.rows_for(target.label, target.env(), args.runs))
        if "search" not in skip:  # member search plans and times (bench/member_search.py)
            import member_search

            rows.extend(member_search.rows_for(target.label, target.env(), args.runs))
        if "accounts" not in skip:  # 1,000 member accounts at once: bench/accounts_bulk.py
            import accounts_bulk

            rows.extend(accounts_bulk.rows_for(target.label, target.env(), args.runs))
        if "lists" not in skip:  # the heaviest lists and API lists by role: bench/lists.py
            import lists as list_bench

            rows.extend(list_bench.rows_for(target.label, target.env(), args.runs))
        if "pages" not in skip:  # a 支部书记's pages with no load, app and DB CPU: bench/pages.py
            import pages as page_bench

            rows.extend(page_bench.rows_for(target.label, target.env(), args.runs))
    order = {"member": 0, "org": 1, "`dangjian": 2, "xlsx": 3, "record": 4}
    rows.sort(key=lambda r: (order.get(r["operation"].split()[0], 9), r["operation"], r["db"]))
    table = render(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    header = f"# Bench {stamp} (scale {args.scale}, seed {args.seed}, medians of ≥ 5 runs)\n\n"
    (RESULTS / f"bench-{stamp}.md").write_text(header + table + "\n", encoding="utf-8")
    (RESULTS / f"bench-{stamp}.json").write_text(
        json.dumps(raw, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    print(table)
    log(f"\nwritten: bench/results/bench-{stamp}.md")
    if "load" not in skip and any(t.key == "postgres" for t in targets):
        # The load test (bench/load.py) against gunicorn on the PostgreSQL bench database.
        import load as load_test

        log("== load test (PostgreSQL)")
        print()
        load_test.main(
            [f"--postgres-url={args.postgres_url}", f"--scale={args.scale}", f"--seed={args.seed}"]
        )
    elif "load" not in skip:
        log("The load test runs on PostgreSQL only: skipped.")


if __name__ == "__main__":
    main()
