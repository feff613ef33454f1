"""Where the server's time goes under load: py-spy on the gunicorn workers (bench/load.py
`--profile N`).

For each of the N pages with the most server time in the largest run on the first worker
count, the same users (the same mix of personas) open only that page for
`--profile-seconds` while `py-spy record --subprocesses --idle` samples every worker at
100 Hz. Idle samples are kept so time spent waiting for PostgreSQL counts; only samples
inside a request (below gunicorn's `handle_request`) are summarized:

- by layer: each sample goes to the innermost frame that belongs to a known layer
  (psycopg = talking to PostgreSQL, the ORM, templates, django-tables2, app code, …);
- the app's functions by inclusive share (the sample's stack passes through them);
- the functions where the samples are (self share), whatever their package.

The recording pages are profiled together ("recording a meeting": the form, loading it
for a branch, saving, the saved record): they are one sequence.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from common import log
from load_runner import run_users

# Innermost match wins; the order only matters for frames matching two patterns.
LAYERS = (
    ("psycopg", "PostgreSQL round trips (psycopg: send, wait, read rows)"),
    ("django_tables2/", "django-tables2"),
    ("django/template", "Django templates"),
    ("django/forms/", "Django forms and widgets"),
    ("django/db/", "Django ORM (building queries, making objects)"),
    ("django/contrib/sessions/", "sessions"),
    ("dangjian/", "app code (dangjian)"),
    ("django/", "Django (other: middleware, urls, auth, messages)"),
)
# Helpers called from every layer (lazy strings, escaping) count for their caller, like the
# standard library does.
PASS_THROUGH = ("django/utils/",)
OTHER = "other (gunicorn, standard library)"
# Frames nearly every sample passes through (middleware, dispatch) say nothing: not listed.
EVERYWHERE = 0.9
REQUEST_FRAME = "handle_request (gunicorn/"


def py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


def _file(frame: str) -> str:
    return frame[frame.rfind("(") + 1 : -1] if frame.endswith(")") else ""


def layer(frames: list[str]) -> str:
    for frame in reversed(frames):
        where = _file(frame)
        if where.startswith(PASS_THROUGH):
            continue
        for pattern, label in LAYERS:
            if pattern in where:
                return label
    return OTHER


def summarize_stacks(lines: list[str]) -> dict:
    """Counts from py-spy's raw (collapsed) output: total request samples, by layer,
    app functions inclusive, functions self."""
    total = 0
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdecimal():
            continue
        frames = stack.split(";")
        top = next((i for i, f in enumerate(frames) if REQUEST_FRAME in f), None)
        if top is None:
            continue  # a worker waiting for a connection, or the master
        n = int(count)
        frames = frames[top + 1 :]
        total += n
        layers[layer(frames)] += n
        for frame in set(frames):
            if "dangjian/" in _file(frame):
                inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    return {"total": total, "layers": layers, "inclusive": inclusive, "own": own}


def markdown(title: str, summary: dict, top: int = 12) -> str:
    total = summary["total"] or 1

    def pct(n: int) -> str:
        return f"{100 * n / total:.0f} %"

    lines = [f"### Profile: {title} ({summary['total']:,} samples inside requests)", ""]
    lines += ["| layer (innermost frame) | share |", "|---|---:|"]
    lines += [f"| {k} | {pct(v)} |" for k, v in summary["layers"].most_common()]
    lines += ["", "| app function (inclusive) | share |", "|---|---:|"]
    telling = [(k, v) for k, v in summary["inclusive"].most_common() if v < EVERYWHERE * total]
    lines += [f"| `{k}` | {pct(v)} |" for k, v in telling[:top]]
    lines += ["", "| function (self) | share |", "|---|---:|"]
    lines += [f"| `{k}` | {pct(v)} |" for k, v in summary["own"].most_common(top)]
    return "\n".join(lines) + "\n"


def rank_pages(run: dict) -> list[str]:
    """The run's pages by the server time they took (gunicorn's access log: without the
    queueing, which a busy machine inflates for every page alike), costliest first; the
    recording pages as one. Falls back on the users' waiting time without a log."""
    spent: dict[str, float] = {}
    served = run.get("server_ms") or {}
    if served:
        totals = [(name, entry["total_ms"]) for name, entry in served.items() if name != "other"]
    else:
        totals = [(p["page"], p["total_s"]) for p in run["pages"]]
    for name, total in totals:
        key = "recording" if name.startswith("record") else name
        spent[key] = spent.get(key, 0.0) + total
    return sorted(spent, key=lambda k: -spent[k])


def profile_top_pages(server, sessions, plan, args, runs, data_dir: Path) -> list[dict]:
    spy = py_spy()
    if spy is None:
        log("  py-spy not found (pip install -e '.[dev]'): no profiles.")
        return []
    mine = [r for r in runs if r["workers"] == server.workers]
    if not mine:
        return []
    biggest = max(mine, key=lambda r: r["users"])
    targets = rank_pages(biggest)[: args.profile]
    out = []
    for name in targets:
        if name == "recording":
            focused = dataclasses.replace(plan, visit=("record form",), record_every=1)
            title = "recording a meeting (form, load, save, saved record)"
        else:
            focused = dataclasses.replace(plan, visit=(name,), record_every=0)
            title = name
        raw = data_dir / f"load-profile-{name.replace(' ', '-')}.txt"
        spy_proc: list[subprocess.Popen] = []

        def start_spy(raw: Path = raw, spy_proc: list = spy_proc) -> None:
            spy_proc.append(
                subprocess.Popen(  # noqa: S603 - py-spy from our venv, fixed arguments
                    [
                        spy,
                        "record",
                        "--pid",
                        str(server.proc.pid),
                        "--subprocesses",
                        "--idle",
                        "--nolineno",
                        "--nonblocking",
                        "--format",
                        "raw",
                        "--rate",
                        "100",
                        "--duration",
                        str(int(args.profile_seconds)),
                        "--output",
                        str(raw),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )

        log(f"  profiling {title} ({args.profile_users} users, {args.profile_seconds:g} s) …")
        result = run_users(
            _endpoint(server),
            sessions,
            focused,
            users=args.profile_users,
            duration_s=args.profile_seconds,
            warmup_s=2,
            max_requests=args.max_requests,
            seed=args.seed,
            timeout_s=args.timeout,
            on_measure_start=start_spy,
        )
        done = spy_proc[0]
        _, err = done.communicate(timeout=args.profile_seconds + 60)
        if done.returncode != 0 or not raw.exists():
            log(f"  py-spy failed: {err.decode(errors='replace')[-500:]}")
            continue
        summary = summarize_stacks(raw.read_text().splitlines())
        rps = len(result.samples) / result.window_s
        heading = (
            f"{title} — {args.profile_users} users on {server.workers} workers, "
            f"{rps:.1f} req/s while sampled"
        )
        out.append(
            {
                "page": name,
                "rps": rps,
                "total_samples": summary["total"],
                "layers": dict(summary["layers"]),
                "inclusive": dict(summary["inclusive"].most_common(40)),
                "own": dict(summary["own"].most_common(40)),
                "markdown": markdown(heading, summary),
            }
        )
    return out


def _endpoint(server):
    from load_client import Endpoint

    return Endpoint(server.host, server.port)
