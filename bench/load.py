"""Load test: the realistic mix against `dangjian serve --workers N` on PostgreSQL (issue 10).

    .venv/bin/python bench/load.py                          # 1/10/25/50 users × 2 and 4 workers
    .venv/bin/python bench/load.py --users 10 --workers 2 --duration 20
    .venv/bin/python bench/load.py --profile 3              # also py-spy the 3 costliest pages

`make bench` runs it as its "load" step (bench/run.py; `--skip load` leaves it out).

1. `bench/load_setup.py prepare` (a child on the bench database): the demo city if empty,
   the bench's own accounts (50 支部书记, 10 单位管理员, 5 工委管理员 at real orgs).
2. For each worker count: `dangjian serve --workers N` on a free loopback port; every
   account signed in once through the login pages (the 工委 ones with an authenticator code;
   cookies are kept in the bench data dir and reused while the sessions live).
3. For each user count: the users loop over their pages (bench/load_runner.py) for the
   warm-up and then `--duration` seconds or `--max-requests`; CPU of the gunicorn workers and
   of the database's backends is read from /proc over the measured window.
4. The meetings it recorded are deleted (`load_setup.py cleanup`); a Markdown report is
   printed and written to bench/results/load-<timestamp>.md with the raw figures in .json.

See bench/README.md ("Load test") for what each column means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import ROOT, SHARED_POSTGRES_URL, VAR, child_env, create_database, log, run_worker
from load_client import Connection, Endpoint, Session, SignInError, sign_in
from load_report import SHARED_RECORD_ENTRY, page_table, persona_line, run_row, summary_table
from load_runner import MIX, Plan, RunResult, nearest_rank, page_stats, run_users
from load_system import Sampler, Server, Usage, access_entries, load_average, log_size

RESULTS = ROOT / "bench" / "results"
STATE_FILE = "load-sessions.json"


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres-url", default=SHARED_POSTGRES_URL)
    parser.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
    parser.add_argument("--users", default="1,10,25,50", help="comma list of user counts")
    parser.add_argument("--workers", default="2,4", help="comma list of gunicorn worker counts")
    parser.add_argument("--duration", type=float, default=45, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured seconds first")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per run")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between requests")
    parser.add_argument(
        "--mix",
        default=",".join(str(v) for v in MIX.values()),
        help="weights of 支部书记,单位管理员,工委 visits (default 80,15,5)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after the runs, py-spy the N pages with the most server time (0: none)",
    )
    parser.add_argument("--profile-seconds", type=float, default=20)
    parser.add_argument("--profile-users", type=int, default=10)
    args = parser.parse_args(argv)
    args.user_counts, args.worker_counts = _ints(args.users), _ints(args.workers)
    weights = _ints(args.mix)
    if len(weights) != 3 or min(weights) < 0 or not sum(weights):
        parser.error("--mix takes three non-negative weights, e.g. 80,15,5")
    args.mix_weights = dict(zip(MIX, weights, strict=True))
    if args.duration <= 0 or args.max_requests <= 0 or not args.user_counts:
        parser.error("each run needs a positive duration, request budget and user count")
    return args


# --- sessions ---------------------------------------------------------------------------------


def _load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"cookies": {}, "totp": {}}


def _save_state(path: Path, state: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh)


def signed_in_sessions(endpoint: Endpoint, setup: dict, state_path: Path) -> list[Session]:
    """A signed-in session per bench account: the kept cookies when the session still
    works, else a sign-in through the login pages (4 at a time)."""
    state = _load_state(state_path)
    secrets: dict[str, str] = dict(state.get("totp", {}))
    for account in setup["accounts"]:
        if account.get("totp_secret"):
            secrets[account["username"]] = account["totp_secret"]
    sessions = [Session(a["username"], a["persona"], a["org"]) for a in setup["accounts"]]
    home = setup["pages"]["home"]

    def ready(session: Session) -> str:
        conn = Connection(endpoint, timeout=60)
        try:
            session.cookies = dict(state.get("cookies", {}).get(session.username, {}))
            if session.cookies and conn.send(session, "GET", home).status == 200:
                return "kept"
            session.cookies = {}
            sign_in(conn, session, setup["login"], setup["password"], secrets)
            return "signed in"
        finally:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as executor:
        outcomes = list(executor.map(ready, sessions))
    log(
        f"  sessions: {outcomes.count('kept')} kept, {outcomes.count('signed in')} signed in "
        f"({time.perf_counter() - started:.0f} s)"
    )
    _save_state(
        state_path,
        {"cookies": {s.username: s.cookies for s in sessions}, "totp": secrets},
    )
    return sessions


def touch(endpoint: Endpoint, sessions: list[Session], home: str) -> None:
    """Every session opens its home page once: warms the workers, keeps sessions alive."""
    conn = Connection(endpoint, timeout=60)
    try:
        for s in sessions:
            reply = conn.send(s, "GET", home)
            if reply.status != 200:
                raise SignInError(f"{s.username}: home page answered {reply.status}")
    finally:
        conn.close()


# --- runs -------------------------------------------------------------------------------------


def measure(
    server: Server, sessions: list[Session], plan: Plan, args, users: int, database_url: str
) -> tuple[RunResult, Usage, tuple[float, float, float], dict[str, list[float]]]:
    before = load_average()
    sampler = Sampler(server, database_url)
    offsets: list[int] = []
    usage: list[Usage] = []

    def begin() -> None:
        offsets.append(log_size(server.log_path))
        sampler.begin()

    def end() -> None:
        usage.append(sampler.finish())
        time.sleep(0.1)  # gunicorn writes a request's log line just after its answer
        offsets.append(log_size(server.log_path))

    result = run_users(
        Endpoint(server.host, server.port),
        sessions,
        plan,
        users=users,
        duration_s=args.duration,
        warmup_s=args.warmup,
        max_requests=args.max_requests,
        seed=args.seed,
        timeout_s=args.timeout,
        think_ms=args.think_ms,
        on_measure_start=begin,
        on_measure_end=end,
    )
    entries = access_entries(server.log_path, offsets[0], offsets[1])
    return result, usage[0], before, server_times(entries, plan)


def server_times(entries: list[tuple[str, str, float]], plan: Plan) -> dict[str, list[float]]:
    """Server milliseconds per page from the access log (which has no query strings, so
    the empty record form and the one loaded for a branch are one entry)."""
    names = {path: name for name, path in plan.pages.items()}
    record = plan.pages["record form"]
    detail = re.compile(re.escape(record.rstrip("/").rsplit("/", 1)[0]) + r"/\d+/")
    out: dict[str, list[float]] = {}
    for method, path, seconds in entries:
        if path == record:
            name = "record: save" if method == "POST" else SHARED_RECORD_ENTRY
        elif detail.fullmatch(path):
            name = "record: detail"
        else:
            name = names.get(path, "other")
        out.setdefault(name, []).append(seconds * 1000)
    return out


def run_all(args, env: dict[str, str], setup: dict, database_url: str, data_dir: Path) -> dict:
    plan = Plan(
        pages=setup["pages"],
        login_path=setup["login"],
        title_mark=setup["title_mark"],
        kind=setup["kind"],
        today=dt.date.fromisoformat(setup["today"]),
        mix=args.mix_weights,
    )
    runs: list[dict] = []
    sessions: list[Session] = []
    profiles: list[dict] = []
    for n, workers in enumerate(args.worker_counts):
        server = Server(env, workers, data_dir / "load-gunicorn.log", ROOT)
        log(f"== dangjian serve --workers {workers} (port {server.port})")
        server.start(setup["login"])
        try:
            endpoint = Endpoint(server.host, server.port)
            if not sessions:
                sessions = signed_in_sessions(endpoint, setup, data_dir / STATE_FILE)
            touch(endpoint, sessions, setup["pages"]["home"])
            for users in args.user_counts:
                measured = measure(server, sessions, plan, args, users, database_url)
                run = summarize(*measured, workers)
                runs.append(run)
                log("  " + run_row(run))
            if args.profile and n == 0:
                import load_profile

                profiles = load_profile.profile_top_pages(
                    server, sessions, plan, args, runs, data_dir
                )
        finally:
            server.stop()
    return {"runs": runs, "profiles": profiles}


def summarize(result: RunResult, usage: Usage, before, served: dict, workers: int) -> dict:
    stats = page_stats(result.samples)
    overall = next(s for s in stats if s.page == "all")
    by_persona = page_stats(result.samples, key=lambda s: s.persona)
    errors: dict[str, int] = {}
    for s in result.samples:
        if s.error:
            errors[f"{s.page}: {s.error}"] = errors.get(f"{s.page}: {s.error}", 0) + 1
    return {
        "users": result.users,
        "workers": workers,
        "requests": overall.count,
        "window_s": result.window_s,
        "rps": overall.count / result.window_s,
        "overall": vars(overall),
        "pages": [vars(s) for s in stats if s.page != "all"],
        "personas": [vars(s) for s in by_persona if s.page != "all"],
        "errors": errors,
        "refusals": result.refusals,
        "recorded": result.recorded,
        "shared_sessions": result.shared_sessions,
        "usage": {**vars(usage), "other_cpu_s": usage.other_cpu_s},
        "load_before": before,
        "server_ms": {
            name: {
                "count": len(v),
                "total_ms": sum(v),
                "p50": nearest_rank(sorted(v), 50),
                "p95": nearest_rank(sorted(v), 95),
            }
            for name, v in served.items()
        },
    }


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    suffix = "" if args.scale == "city" else f"_{args.scale}"
    database_url = args.postgres_url + suffix
    data_dir = VAR / f"postgres{suffix}"  # paired with the database, as in bench/run.py
    data_dir.mkdir(parents=True, exist_ok=True)
    create_database(database_url)
    env = child_env(data_dir, database_url)
    setup_script = ROOT / "bench" / "load_setup.py"
    log(f"load test on {database_url.rsplit('/', 1)[1]} (data dir {data_dir})")
    setup = run_worker(
        setup_script,
        ["prepare", f"--seed={args.seed}", f"--scale={args.scale}"],
        env,
        "load setup",
        echo=True,
    )
    started = dt.datetime.now(dt.UTC).astimezone()
    load_start = load_average()
    try:
        measured = run_all(args, env, setup, database_url, data_dir)
    finally:
        removed = run_worker(setup_script, ["cleanup"], env, "load cleanup")["removed"]
        log(f"  removed the {removed} meetings the load test recorded")
    report = {
        "started": started.isoformat(timespec="seconds"),
        "args": {k: v for k, v in vars(args).items()},
        "database": database_url.rsplit("/", 1)[1],
        "orgs": setup["database"]["orgs"],
        "load_at_start": load_start,
        "load_at_end": load_average(),
        "cpus": os.cpu_count(),
        **measured,
    }
    write_report(report, args)
    return report


def write_report(report: dict, args) -> None:
    runs = report["runs"]
    stamp = dt.datetime.now(dt.UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    head = (
        f"# Load test {stamp}\n\n"
        f"Database `{report['database']}` ({report['orgs']:,} orgs, scale {args.scale}), "
        f"`dangjian serve` on 127.0.0.1, {report['cpus']} CPUs; mix "
        f"{args.mix} (支部书记/单位管理员/工委 visits), {args.duration:g} s measured after "
        f"{args.warmup:g} s warm-up per run, think time {args.think_ms:g} ms, seed {args.seed}. "
        f"Load average (1/5/15 min) at start {_load(report['load_at_start'])}, at end "
        f"{_load(report['load_at_end'])}.\n\n"
    )
    body = [summary_table(runs)]
    body += [
        f"\n### {run['users']} users, {run['workers']} workers — {run['rps']:.1f} req/s, "
        f"load before {_load(run['load_before'])}\n\n{page_table(run)}\n\n{persona_line(run)}"
        for run in runs
    ]
    body += ["\n" + profile["markdown"] for profile in report.get("profiles", [])]
    text = head + "\n".join(body) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{stamp}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"load-{stamp}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    print(text)
    log(f"written: bench/results/load-{stamp}.md")


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "—"


if __name__ == "__main__":
    try:
        main()
    except SignInError as exc:
        sys.exit(f"load test: {exc}")
    except KeyboardInterrupt:
        sys.exit(130)
