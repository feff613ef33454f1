"""Markdown for the load test's runs (bench/load.py): the summary table and per-page tables.

A run is the dict `load.summarize` makes (also what the JSON report holds).
"""

from __future__ import annotations

import math

# The access log has no query strings: the empty record form and the form loaded for a
# branch share one server-time entry.
SHARED_RECORD_ENTRY = "record form + load"
PERSONA_LABELS = {"secretary": "支部书记", "unit_admin": "单位管理员", "committee": "工委"}


_SHARED = ("record form", "record: load")


def _ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _triple(stats: dict) -> str:
    return f"{_ms(stats['p50'])} / {_ms(stats['p95'])} / {_ms(stats['p99'])}"


def _errors(stats: dict) -> str:
    if not stats["errors"]:
        return "0"
    return f"{stats['errors']} ({100 * stats['errors'] / max(stats['count'], 1):.1f} %)"


def summary_table(runs: list[dict]) -> str:
    lines = [
        "| users | workers | req/s | p50 / p95 / p99 ms | errors | app CPU s | DB CPU s "
        "| app : DB | CPU ms per request (app + DB) | client CPU s | other CPU s "
        "| RSS per worker MB | load before |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for run in runs:
        u = run["usage"]
        ratio = f"{u['app_cpu_s'] / u['db_cpu_s']:.1f}" if u["db_cpu_s"] > 0 else "—"
        rss = ", ".join(f"{mb:.0f}" for mb in u["worker_rss_mb"]) or "—"
        lines.append(
            f"| {run['users']} | {run['workers']} | {run['rps']:.1f} | "
            f"{_triple(run['overall'])} | {_errors(run['overall'])} | "
            f"{u['app_cpu_s']:.1f} | {u['db_cpu_s']:.1f} | {ratio} | {_per_request(run)} | "
            f"{u['client_cpu_s']:.1f} | "
            f"{u['other_cpu_s']:.1f} | {rss} | {run['load_before'][0]:.2f} |"
        )
    return "\n".join(lines)


def _per_request(run: dict) -> str:
    """CPU milliseconds per answered request, app + DB: what a request costs whatever the
    queueing (a busy machine stretches the wait far more than the CPU)."""
    n = run["requests"]
    if not n:
        return "—"
    u = run["usage"]
    app, db = 1000 * u["app_cpu_s"] / n, 1000 * u["db_cpu_s"] / n
    return f"{app + db:.0f} ({app:.0f} + {db:.0f})"


def page_table(run: dict) -> str:
    pages = sorted(run["pages"], key=lambda p: -p["total_s"])
    busy = sum(p["total_s"] for p in pages) or 1.0
    served = run.get("server_ms", {})

    def server(page: str) -> str:
        entry = served.get(page) or served.get(SHARED_RECORD_ENTRY if page in _SHARED else "")
        if not entry:
            return "—"
        return f"{_ms(entry['p50'])} / {_ms(entry['p95'])}" + ("¹" if page in _SHARED else "")

    lines = [
        "| page | requests | req/s | p50 / p95 / p99 ms | mean ms | server p50 / p95 ms "
        "| errors | share of time |",
        "|---|---:|---:|---|---:|---|---:|---:|",
    ]
    lines += [
        f"| {p['page']} | {p['count']} | {p['count'] / run['window_s']:.1f} | "
        f"{_triple(p)} | {_ms(p['mean'])} | {server(p['page'])} | {_errors(p)} | "
        f"{100 * p['total_s'] / busy:.0f} % |"
        for p in pages
    ]
    if any(p["page"] in _SHARED for p in pages):
        lines.append("\n¹ the record form and the form loaded for a branch together.")
    return "\n".join(lines)


def persona_line(run: dict) -> str:
    total = max(run["requests"], 1)
    parts = [
        f"{PERSONA_LABELS.get(p['page'], p['page'])} {100 * p['count'] / total:.0f} % of "
        f"requests (p50 / p95 {_ms(p['p50'])} / {_ms(p['p95'])} ms)"
        for p in sorted(run["personas"], key=lambda p: -p["count"])
    ]
    notes = [
        "By persona: " + "; ".join(parts) + ".",
        f"Meetings recorded: {run['recorded']}; sessions shared by two users at once: "
        f"{run['shared_sessions']}; measured window {run['window_s']:.1f} s.",
    ]
    if run["errors"]:
        shown = ", ".join(f"{k} × {v}" for k, v in sorted(run["errors"].items()))
        notes.append(f"Errors: {shown}.")
    if run["refusals"]:
        notes.append("Refused recordings said: " + " | ".join(run["refusals"][:2]))
    return "\n".join(notes)


def run_row(run: dict) -> str:
    """One line of progress for the log."""
    u = run["usage"]
    return (
        f"{run['users']:>3} users, {run['workers']} workers: {run['rps']:.1f} req/s, "
        f"p50/p95/p99 {_triple(run['overall'])} ms, errors {run['overall']['errors']}, "
        f"CPU app {u['app_cpu_s']:.0f} s / DB {u['db_cpu_s']:.0f} s / client "
        f"{u['client_cpu_s']:.0f} s / other {u['other_cpu_s']:.0f} s"
    )
