"""Scheduled jobs run once at a time across app servers (core.db.job_lock, core.jobs).

On PostgreSQL the lock is an advisory lock held by a connection of its own, so two
connections here are two app servers as far as the database can tell; on SQLite it is a
file lock. The suite runs on both, so each database's lock is exercised by its own run.
"""

from __future__ import annotations

import fcntl
import io
import os
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections

from dangjian.core.db import job_lock, job_lock_file, job_lock_key
from dangjian.core.jobs import busy_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_lock_is_held_by_one_run_at_a_time():
    with job_lock("remind") as first:
        assert first is True
        with job_lock("remind") as second:
            assert second is False
        with job_lock("backup") as other_job:  # another job is not blocked
            assert other_job is True
    with job_lock("remind") as again:  # released at the end of the block
        assert again is True


def test_the_lock_is_released_when_the_job_fails():
    with pytest.raises(RuntimeError), job_lock("remind"):
        raise RuntimeError("the job failed")
    with job_lock("remind") as held:
        assert held is True


def test_lock_keys_are_fixed_per_job():
    # The same key on every server and every release: documented in docs/scaling.md.
    assert job_lock_key("remind") == job_lock_key("remind")
    assert len({job_lock_key(j) for j in ("remind", "backup", "audit verify")}) == 3
    assert -(2**63) <= job_lock_key("remind") < 2**63


def test_the_lock_is_the_databases_own_mechanism(settings):
    """PostgreSQL: an advisory lock the server lists in pg_locks (any app server's session
    sees it); SQLite: an exclusive flock on a file under DATA_DIR/locks."""
    if connection.vendor == "postgresql":
        query = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND ((classid::bigint << 32) | objid::bigint) = %s"
        )
        unsigned = job_lock_key("remind") % 2**64
        with job_lock("remind"), connection.cursor() as cursor:
            cursor.execute(query, [unsigned])
            assert cursor.fetchone()[0] == 1
        with connection.cursor() as cursor:
            cursor.execute(query, [unsigned])
            assert cursor.fetchone()[0] == 0
        return
    path = job_lock_file("audit verify")
    assert path.parent == Path(settings.DATA_DIR) / "locks"
    with job_lock("audit verify"):
        fd = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


def _run_in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_concurrent_reminder_runs_only_one_proceeds():
    """Two `dangjian remind` at once (two servers' cron): one works, the other says so and
    leaves, status 0 (call_command would raise on a CommandError or SystemExit)."""
    inside, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow_run(day, sources=None, email=False):
        calls.append(threading.current_thread().name)
        inside.set()
        assert release.wait(30)
        return mock.MagicMock(drafts={}, created={}, skipped={}, total_created=0, emailed=0)

    with mock.patch("dangjian.rules.notifications.run", side_effect=slow_run):
        first = _run_in_thread(lambda: call_command("remind", stdout=io.StringIO()))
        assert inside.wait(30)
        out, err = io.StringIO(), io.StringIO()
        call_command("remind", stdout=out, stderr=err)
        release.set()
        first.join(30)
        assert calls == [first.name]  # the second run did nothing
        assert busy_message("remind") in err.getvalue()
        assert out.getvalue() == ""
        call_command("remind", stdout=io.StringIO())  # once the first is done, it runs
        assert len(calls) == 2


def test_audit_and_backup_jobs_take_their_own_locks(tmp_path):
    output = tmp_path / "backup.tar.gz"
    with job_lock("backup"):
        err = io.StringIO()
        call_command("backup", output=output, stdout=io.StringIO(), stderr=err)
        assert busy_message("backup") in err.getvalue()
        assert not output.exists()
    with job_lock("audit verify"):
        err, out = io.StringIO(), io.StringIO()
        call_command("audit", "verify", stdout=out, stderr=err)
        assert busy_message("audit verify") in err.getvalue()
        assert "审计链" not in out.getvalue()
        # a checkpoint is another job: it runs while a verify holds its lock
        out = io.StringIO()
        call_command("audit", "checkpoint", stdout=out)
        assert out.getvalue()
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计链完整" in out.getvalue()
