"""What the bench scripts share: paths, logging, PostgreSQL set-up, child processes, timing.

The scripts run as `python bench/X.py`, so bench/ is on sys.path and they `import common`.
Nothing here imports Django at module level: the drivers never start it, only the workers
(through `setup_django`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Where the bench data dirs live; an engineer benching beside others sets their own.
VAR = Path(os.environ.get("DANGJIAN_BENCH_VAR", ROOT / "var" / "bench")).resolve()
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
# The persistent bench database of bench/run.py, also used by remind.py and record_meeting.py.
SHARED_POSTGRES_URL = os.environ.get(
    "DANGJIAN_BENCH_POSTGRES_URL", f"{POSTGRES_SERVER}/dangjian_bench"
)
TABLE_HEADER = [
    "| operation | DB | median ms | SQL floor ms | × floor | target |",
    "|---|---|---:|---:|---:|---|",
]


def log(message: str) -> None:
    """Progress and notes go to stderr: stdout carries the table (or a worker's JSON)."""
    print(message, file=sys.stderr, flush=True)


# --- PostgreSQL (driver side, psycopg only) -------------------------------------------------


def with_db(url: str, name: str) -> str:
    """`url` pointing at database `name` on the same server."""
    return url.rsplit("/", 1)[0] + "/" + name


def maintenance_connection(url: str):
    """An autocommit connection to the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    return psycopg.connect(
        with_db(url, "postgres").replace("postgres://", "postgresql://", 1),
        autocommit=True,
        connect_timeout=3,
    )


def postgres_up(url: str) -> bool:
    """Whether the server of `url` answers; when not, says its rows are skipped."""
    try:
        maintenance_connection(url).close()
    except Exception as exc:
        log(f"PostgreSQL at {url} not reachable ({type(exc).__name__}): its rows are skipped.")
        return False
    return True


def create_database(
    url: str, name: str | None = None, *, template: str | None = None, drop: bool = False
) -> None:
    """Create database `name` (default: the one `url` names) unless it exists; `drop` first."""
    name = name or url.rsplit("/", 1)[1]
    with maintenance_connection(url) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )


# --- child processes ------------------------------------------------------------------------


def child_env(data_dir: Path | str, database_url: str | None = None) -> dict[str, str]:
    """This environment for a child on one database: its data dir, and its URL if PostgreSQL.

    DATABASE_URL and DANGJIAN_TESTING are never inherited, so SQLite means SQLite."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DANGJIAN_TESTING")}
    env["DANGJIAN_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def bench_databases(
    keys: str,
    postgres_url: str,
    data_dir: Callable[[str], Path],
    *,
    fresh: bool = False,
) -> Iterator[tuple[str, dict[str, str]]]:
    """(label, child env) for each of the comma list `keys` (sqlite, postgres), in order.

    Each database's data dir (`data_dir(key)`) and PostgreSQL database are created when
    missing, or dropped and created again when `fresh`; PostgreSQL is skipped, with a
    message, when it does not answer. Lazily, so each is set up just before it is used."""
    import shutil

    for key in keys.split(","):
        if key not in ("sqlite", "postgres"):
            log(f"unknown database {key!r} (sqlite, postgres): skipped.")
            continue
        directory = data_dir(key)
        if fresh:
            shutil.rmtree(directory, ignore_errors=True)
        if key == "postgres":
            if not postgres_up(postgres_url):
                continue
            create_database(postgres_url, drop=fresh)
        directory.mkdir(parents=True, exist_ok=True)
        if key == "postgres":
            yield "PostgreSQL", child_env(directory, postgres_url)
        else:
            yield "SQLite", child_env(directory)


def manage(env: dict[str, str], *args: str) -> None:
    """`dangjian <args>` in a child process on the database `env` points at."""
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "dangjian.cli", *args], env=env, check=True, cwd=ROOT
    )


def run_worker(
    script: Path | str, args: list[str], env: dict[str, str], label: str, *, echo: bool = False
) -> Any:
    """Run a bench worker and return the JSON on the last line of its stdout.

    On failure the end of its stderr is shown and the bench stops; `echo` also passes its
    stderr on when it succeeds (progress notes)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, str(script), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        log(done.stderr[-4000:])
        raise SystemExit(f"bench worker failed on {label}")
    if echo:
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- worker side (one database, in-process) -------------------------------------------------


def setup_django() -> None:
    """Start Django on the database the environment names (DANGJIAN_DATA_DIR, DATABASE_URL)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from dangjian.core import heap

    heap.settle()  # as `dangjian.wsgi` does before a server takes requests


def ensure_demo(*, scale: str | None = None, seed: int | None = None) -> None:
    """Migrate, then load the demo city unless the database already holds organisations."""
    from django.core.management import call_command

    from dangjian.core import heap
    from dangjian.orgs.models import Organization

    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        log("  loading the demo city …")
        options = ["--if-empty"]
        if scale is not None:
            options.append(f"--scale={scale}")
        if seed is not None:
            options.append(f"--seed={seed}")
        call_command("demo", *options, verbosity=0)
    # What the migration check and a load left behind, out of the collector's walks as a
    # server's start-up heap is (`dangjian serve` checks the migrations before it settles).
    heap.settle()


def prepared_insert(obj) -> tuple[str, list, list]:
    """(INSERT statement, fields, database values) of an unsaved row, as Django would write it.

    For the SQL floors: the values are prepared before the clock starts."""
    from django.db import connection

    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {obj._meta.db_table} ({columns}) VALUES ({marks})", fields, values


class Rollback(Exception):
    """Raised inside `transaction.atomic()` to undo a timed run's writes."""


def rolled_back(fn: Callable[[], Any]) -> Callable[[], None]:
    """`fn` run inside a transaction that is always rolled back."""
    from django.db import transaction

    def run() -> None:
        try:
            with transaction.atomic():
                fn()
                raise Rollback
        except Rollback:
            pass

    return run


def timed(fn: Callable[[], Any], runs: int, warmup: int = 2) -> tuple[float, list[float]]:
    """Median milliseconds of `runs` calls after `warmup` untimed ones, and the samples."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples


# --- a step script run alone (todo, compliance, lists, pages) ---------------------------------


def step_table(rows: list[dict], target: Callable[[dict], str]) -> str:
    """The Markdown table of a step's rows (operation, db, median_ms, floor_ms, target_ms);
    `target(row)` words the row's target."""
    lines = list(TABLE_HEADER)
    for r in rows:
        ok = "✓" if r["median_ms"] <= r["target_ms"] else "✗"
        lines.append(
            f"| {r['operation']} | {r['db']} | {r['median_ms']:,.1f} | {r['floor_ms']:,.1f} | "
            f"{r['median_ms'] / r['floor_ms']:.1f}× | {target(r)} {ok} |"
        )
    return "\n".join(lines)


def step_main(
    argv: list[str] | None,
    doc: str,
    *,
    worker: Callable[[int], dict],
    run_target: Callable[[str, dict[str, str], int], dict],
    table: Callable[[list[dict]], str],
    postgres_url: str = SHARED_POSTGRES_URL,
    data_dir: Callable[[str], Path] = lambda key: VAR / key,
    default_db: str = "sqlite,postgres",
    default_runs: int = 7,
    order: Callable[[dict], Any] | None = None,
) -> None:
    """The command line of a step script: `--worker` runs the timings in this process (as
    the driver's child), otherwise each database's worker runs and the table is printed."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--db", default=default_db, help="comma list: sqlite, postgres")
    parser.add_argument("--postgres-url", default=postgres_url)
    parser.add_argument(
        "--runs", type=int, default=default_runs, help="timed runs per request (≥ 5)"
    )
    parser.add_argument("--fresh", action="store_true", help="drop the step's databases first")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.runs)))
        return
    rows: list[dict] = []
    for label, env in bench_databases(args.db, args.postgres_url, data_dir, fresh=args.fresh):
        rows += [{**r, "db": label} for r in run_target(label, env, args.runs)["rows"]]
    if order is not None:
        rows.sort(key=order)
    print(table(rows))
