"""The chain head, anchored outside the database (DESIGN §11).

`AUDIT_ANCHOR_FILE` (default `DATA_DIR/audit-anchor.log`, mode 0600) is an append-only
text file of checkpoints, one JSON line each:

    {"at": "2026-03-02T10:00:00+08:00", "hash": "<seal of event 1200>", "id": 1200,
     "kind": "checkpoint", "seal": "<HMAC of the other four fields>"}

A line says "the chain had reached event `id`, sealed `hash`". Someone who can write the
database but does not hold the key can delete the newest events and move the chain head
back, but cannot remove the line (outside the database) nor forge one (the seal needs the
key): `verify` reports the cut. Events appended after the last checkpoint are not covered
(at most AUDIT_CHECKPOINT_EVERY − 1, plus those since the last shutdown or cron run).

Kinds:
- `checkpoint`: after the commit of every AUDIT_CHECKPOINT_EVERY-th event, at process exit,
  and by `dangjian audit checkpoint` (cron);
- epoch kinds, written when the chain legitimately changes under the earlier lines:
  `setup` (a new database: migration 0003), `rekey` (the chain re-sealed), `restore`
  (a backup restored) and `restart` (an operator re-started a lost file; an audited
  event). Lines before the last epoch line are checked for integrity only.

Writing never raises: the write that triggered a checkpoint has committed and must not
fail, so an unwritable file is logged as an error and `verify` reports what is missing.
Only an epoch line may create the file: a checkpoint never re-creates a deleted one.
"""

from __future__ import annotations

import errno
import fcntl
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import chain

logger = logging.getLogger("dangjian.audit")

CHECKPOINT = "checkpoint"
EPOCHS = frozenset({"setup", "rekey", "restore", "restart"})
KINDS = EPOCHS | {CHECKPOINT}
LOCK_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Line:
    number: int  # line number in the file, for messages
    kind: str
    id: int
    hash: str
    at: str


@dataclass
class State:
    path: Path
    exists: bool
    binding: list[Line] = field(default_factory=list)  # valid lines from the last epoch on
    corrupt: list[int] = field(default_factory=list)  # numbers of damaged or forged lines
    valid: int = 0

    @property
    def reached(self) -> Line | None:
        """The furthest point the chain is known to have reached."""
        return max(self.binding, key=lambda line: line.id, default=None)

    def by_id(self) -> dict[int, list[Line]]:
        lines: dict[int, list[Line]] = {}
        for line in self.binding:
            lines.setdefault(line.id, []).append(line)
        return lines


def path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _signed_part(kind: str, event_id: int, event_hash: str, at: str) -> bytes:
    body = {"at": at, "hash": event_hash, "id": event_id, "kind": kind}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def format_line(kind: str, event_id: int, event_hash: str, at: str | None = None) -> bytes:
    at = at or timezone.localtime().isoformat(timespec="seconds")
    signed = _signed_part(kind, event_id, event_hash, at)
    seal = hmac.new(chain.anchor_key(), signed, "sha256").hexdigest()
    line = {"at": at, "hash": event_hash, "id": event_id, "kind": kind, "seal": seal}
    return json.dumps(line, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def append(kind: str, event_id: int, event_hash: str) -> bool:
    """Append one line; False (and an error in the log) when it could not be written."""
    target = path()
    create = kind in EPOCHS
    try:
        data = format_line(kind, event_id, event_hash)
        if create:
            target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT if create else 0)
        fd = os.open(target, flags, 0o600)
        try:
            # One write() per line, under an exclusive lock: lines appended by several
            # processes — of several app servers sharing the file — never interleave.
            _lock(fd)
            written = os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if written != len(data):
            raise OSError(f"只写入了 {written}/{len(data)} 字节")
    except FileNotFoundError:
        logger.error(
            "审计检查点文件 %s 不存在，第 %s 条事件的检查点未写入。文件不会被自动重建："
            "请调查它为何丢失，再运行 dangjian audit checkpoint --restart。",
            target,
            event_id,
        )
        return False
    except Exception:
        logger.exception(
            "审计检查点写入失败（%s，第 %s 条事件）：链尾暂时没有库外锚点。", target, event_id
        )
        return False
    logger.info("audit checkpoint %s #%s %s", kind, event_id, event_hash)
    return True


def _lock(fd: int) -> None:
    """Wait for the exclusive POSIX lock of the open file (released when it is closed).

    Several app servers append to one file on a shared mount (docs/scaling.md): O_APPEND
    alone is not atomic across NFS clients, a POSIX lock is (and makes the client re-read
    the file's size). Bounded: a request's commit hook must not hang on a stuck lock."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _parse(raw: bytes, number: int, key: bytes) -> Line | None:
    try:
        data = json.loads(raw)
        kind, event_id, event_hash, at, seal = (
            data["kind"],
            data["id"],
            data["hash"],
            data["at"],
            data["seal"],
        )
    except (ValueError, KeyError, TypeError):
        return None
    if not (
        isinstance(event_id, int)
        and event_id >= 0
        and kind in KINDS
        and isinstance(event_hash, str)
        and isinstance(at, str)
        and isinstance(seal, str)
        and len(data) == 5
    ):
        return None
    expected = hmac.new(key, _signed_part(kind, event_id, event_hash, at), "sha256").hexdigest()
    if not hmac.compare_digest(expected, seal):
        return None
    return Line(number, kind, event_id, event_hash, at)


def read() -> State:
    """Every line checked against the key; the binding ones are those from the last epoch."""
    target = path()
    try:
        fh = target.open("rb")
    except FileNotFoundError:
        return State(target, exists=False)
    state = State(target, exists=True)
    key = chain.anchor_key()
    with fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            line = _parse(raw, number, key)
            if line is None:
                state.corrupt.append(number)
                continue
            state.valid += 1
            if line.kind in EPOCHS:
                state.binding = [line]
            else:
                state.binding.append(line)
    return state
