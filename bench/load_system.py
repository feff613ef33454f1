"""The server under test and what it costs: `dangjian serve` (gunicorn) started and stopped
by the bench, CPU seconds and memory read from /proc (Linux).

CPU split: the gunicorn workers (children of the `dangjian serve` process) against the
PostgreSQL backends serving the bench database (their pids from pg_stat_activity), each
pid's utime + stime from /proc/<pid>/stat at the start and end of the measured window,
sampled every second so processes born or ended meanwhile are counted (a process that
ends loses at most its last second). The machine's busy time (/proc/stat) and the load
client's own CPU are reported beside them, so other work on a shared machine shows up.
"""

from __future__ import annotations

import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`dangjian serve --workers N` on a loopback port, as its own process group."""

    def __init__(
        self, env: dict[str, str], workers: int, log_path: Path, root: Path, port: int = 0
    ) -> None:
        self.env, self.workers, self.log_path, self.root = env, workers, log_path, root
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.proc: subprocess.Popen | None = None

    def start(self, ready_path: str, timeout_s: float = 300) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # The access log names pages only (no query strings), kept private like the data dir.
        log = os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        cmd = [
            sys.executable,
            "-m",
            "dangjian.cli",
            "serve",
            f"--workers={self.workers}",
            f"--host={self.host}",
            f"--port={self.port}",
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            cmd, env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        url = f"http://{self.host}:{self.port}{ready_path}"
        give_up = time.monotonic() + timeout_s
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dangjian serve stopped (see {self.log_path})")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"dangjian serve did not answer within {timeout_s:.0f} s")

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc is not None else []

    def stop(self) -> None:
        """SIGTERM to the gunicorn master we started (it stops its workers), then wait."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


# --- the access log ---------------------------------------------------------------------------

# `dangjian serve`'s format: '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss' — the last
# field is the time gunicorn's worker spent on the request (server time, no queueing).
_ACCESS = re.compile(r'"([A-Z]+) (\S+) [^"]*" (\d{3}) \S+ ([\d.]+)s$')


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def access_entries(path: Path, start: int, end: int) -> list[tuple[str, str, float]]:
    """(method, path, server seconds) of the access log lines between two byte offsets."""
    with path.open("rb") as fh:
        fh.seek(start)
        text = fh.read(max(end - start, 0)).decode("utf-8", "replace")
    found = (_ACCESS.search(line) for line in text.splitlines())
    return [(m[1], m[2], float(m[4])) for m in found if m]


# --- /proc ------------------------------------------------------------------------------------


def children_of(ppid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdecimal():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        if stat and int(stat[stat.rindex(")") + 2 :].split()[1]) == ppid:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None when it is gone."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of stat(5)


def rss_mb(pid: int) -> float | None:
    status = _read(f"/proc/{pid}/status")
    if status is None:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (/proc/stat)."""
    values = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:]]  # type: ignore[union-attr]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICK


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


# --- the sampler ------------------------------------------------------------------------------


@dataclass
class Usage:
    seconds: float
    app_cpu_s: float
    db_cpu_s: float
    client_cpu_s: float
    machine_busy_s: float
    worker_rss_mb: list[float] = field(default_factory=list)
    db_backends: int = 0
    load_avg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def other_cpu_s(self) -> float:
        """Busy CPU that was neither the app, its database backends nor the load client."""
        return max(self.machine_busy_s - self.app_cpu_s - self.db_cpu_s - self.client_cpu_s, 0)


class Sampler(threading.Thread):
    """Samples the app's workers and the bench database's backends once a second."""

    def __init__(self, server: Server, database_url: str, interval: float = 1.0) -> None:
        super().__init__(name="load-sampler", daemon=True)
        self.server, self.database_url, self.interval = server, database_url, interval
        self.stopping = threading.Event()
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.rss: dict[int, float] = {}
        self.conn = None

    def _db_pids(self) -> list[int]:
        if self.conn is None:
            import psycopg

            self.conn = psycopg.connect(
                self.database_url.replace("postgres://", "postgresql://", 1), autocommit=True
            )
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
        return [r[0] for r in rows]

    def _sample(self) -> None:
        for role, pids in (("app", self.server.worker_pids()), ("db", self._db_pids())):
            for pid in pids:
                seconds = cpu_seconds(pid)
                if seconds is None:
                    continue
                # A process first seen after the start was born in the window: from zero.
                self.first.setdefault((role, pid), 0.0 if self.started else seconds)
                self.last[(role, pid)] = seconds
                if role == "app":
                    self.rss[pid] = max(self.rss.get(pid, 0.0), rss_mb(pid) or 0.0)

    def begin(self) -> None:
        self.started = False
        self._sample()
        self.started = True
        self.t0 = time.perf_counter()
        self.busy0 = machine_busy_seconds()
        self.self0 = _own_cpu()
        self.start()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self._sample()

    def finish(self) -> Usage:
        self.stopping.set()
        self.join(timeout=10)
        self._sample()
        elapsed = time.perf_counter() - self.t0
        totals = {"app": 0.0, "db": 0.0}
        for (role, pid), end in self.last.items():
            totals[role] += end - self.first[(role, pid)]
        if self.conn is not None:
            self.conn.close()
        live = set(self.server.worker_pids())
        return Usage(
            seconds=elapsed,
            app_cpu_s=totals["app"],
            db_cpu_s=totals["db"],
            client_cpu_s=_own_cpu() - self.self0,
            machine_busy_s=machine_busy_seconds() - self.busy0,
            worker_rss_mb=[mb for pid, mb in sorted(self.rss.items()) if pid in live],
            db_backends=sum(1 for role, _ in self.last if role == "db"),
            load_avg=load_average(),
        )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
