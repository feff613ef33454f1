"""One anchor file shared by several app servers (docs/scaling.md): appends take a lock.

Every server appends checkpoints to the same file on a shared mount, and epoch lines
(rekey, restore) must reach the file every server checks — so one file, not one per host.
O_APPEND alone does not keep appends from several NFS clients apart; a POSIX lock does.
Here another process stands for another server: it holds the lock while it writes.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from dangjian.audit import anchor, chain

pytestmark = pytest.mark.django_db

# Another server: locks the file, says so, writes a line of its own after a pause, unlocks.
_OTHER_SERVER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
os.write(fd, b"other-server\\n")
os.close(fd)
"""


def _other_server(path, hold: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _OTHER_SERVER, str(path), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_an_append_waits_for_another_servers_write(settings):
    path = anchor.path()
    other = _other_server(path, hold=0.5)
    started = time.monotonic()
    assert anchor.append("checkpoint", 0, chain.GENESIS) is True
    waited = time.monotonic() - started
    assert other.wait(10) == 0
    lines = path.read_bytes().splitlines()
    # the other server's line went in first, whole; ours after it, not into the middle
    assert lines[-2] == b"other-server"
    assert lines[-1].startswith(b'{"at":')
    assert waited >= 0.4


def test_a_lock_held_too_long_is_logged_not_waited_on_forever(settings, monkeypatch, caplog):
    monkeypatch.setattr(anchor, "LOCK_WAIT_SECONDS", 0.2)
    other = _other_server(anchor.path(), hold=3)
    try:
        started = time.monotonic()
        assert anchor.append("checkpoint", 0, chain.GENESIS) is False
        assert time.monotonic() - started < 2
        assert "审计检查点写入失败" in caplog.text
    finally:
        other.kill()
        other.wait(10)
