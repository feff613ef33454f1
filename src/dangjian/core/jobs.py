"""Scheduled jobs that run once at a time across every app server (docs/deployment.md §7).

Each server's cron or systemd timer may start `dangjian remind`, `backup` or `audit …` at
the same minute; `@single_run("remind")` on the command's `handle` lets the first one run
and makes the others say so and exit with status 0 — the job is being done, by another
process — without touching anything. A command's `validate_options(options)`, when it has
one, runs first: bad input is an error whether or not the job is busy. The lock (`core.db.job_lock`) is a PostgreSQL
advisory lock with a fixed key per job, or a file lock under DATA_DIR on SQLite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .db import job_lock


def busy_message(job: str) -> str:
    return (
        f"另一个进程（本机或另一台应用服务器）正在运行 dangjian {job}，"
        "同一时刻只运行一个：本次未做任何事，正常退出。"
    )


def single_run(job: str | Callable[[dict[str, Any]], str]):
    """Decorator for a management command's `handle`: run it only while holding the lock
    of `job` (a name, or a function of the command's options giving one — `audit verify`)."""

    def wrap(handle):
        @functools.wraps(handle)
        def run(command, *args: Any, **options: Any):
            name = job(options) if callable(job) else job
            # Bad input is refused before the lock: a typo needs no database, nor waits for one.
            validate = getattr(command, "validate_options", None)
            if validate is not None:
                validate(options)
            with job_lock(name) as held:
                if not held:
                    command.stderr.write(busy_message(name))
                    return None
                return handle(command, *args, **options)

        return run

    return wrap
