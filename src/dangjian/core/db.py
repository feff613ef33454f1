"""The few places where SQL differs between the databases we support (DESIGN §2).

Keep vendor-specific behaviour here so the 信创 path (openGauss, KingbaseES: PostgreSQL
dialects) has one file to check.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Subquery

from .filemodes import private_dir

logger = logging.getLogger("dangjian.db")

# Greater than every character of a tree path (treebeard's alphabet is 0-9A-Z).
_PATH_CEILING = "\uffff"


def path_prefix_q(field: str, prefix: str) -> Q:
    """Rows whose `field` starts with `prefix` (a subtree), in a form the database can index.

    SQLite's LIKE is case-insensitive, so `LIKE 'P%'` (Django's `__startswith`) cannot use
    the path index and scans the table; a half-open range on the BINARY-collated column
    does use it (0.7 ms instead of 40 ms for the member list at city scale, see bench/).
    PostgreSQL keeps LIKE, which matches the subtree exactly under every collation.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + _PATH_CEILING})
    return Q(**{f"{field}__startswith": prefix})


# --- one run at a time across app servers (cron jobs) ----------------------------------------


def job_lock_key(job: str) -> int:
    """The fixed PostgreSQL advisory-lock key of `job`: a signed 64-bit hash of its name, the
    same on every server and every run (`pg_locks.objid` shows it while held)."""
    digest = hashlib.blake2b(f"dangjian:{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def job_lock(job: str) -> Iterator[bool]:
    """Hold the lock of `job` for the `with` block: yields True when this run holds it,
    False when another run (on this or any other app server) does — then do nothing.

    PostgreSQL: `pg_try_advisory_lock` on a connection of its own, so the lock lives exactly
    as long as the block (or the process: the server drops it when the session ends) and no
    transaction of the job can release it. SQLite: a single machine, so an exclusive `flock`
    on `DATA_DIR/locks/<job>.lock` (a memory database, as in tests, is private to its
    process, and so is its lock file).
    """
    if connection.vendor == "postgresql":
        with _advisory_lock(job) as held:
            yield held
    else:
        with _file_lock(job) as held:
            yield held


@contextmanager
def _advisory_lock(job: str) -> Iterator[bool]:
    key = job_lock_key(job)
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with own.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        own.close()


def job_lock_file(job: str) -> Path:
    """SQLite's lock file of `job`: one per job under DATA_DIR/locks (per process for a
    memory database, which no other process can see)."""
    name = re.sub(r"[^a-z0-9]+", "-", job.lower()).strip("-")
    if getattr(connection, "is_in_memory_db", bool)():
        name += f"-pid{os.getpid()}"
    return Path(settings.DATA_DIR) / "locks" / f"{name}.lock"


@contextmanager
def _file_lock(job: str) -> Iterator[bool]:
    path = job_lock_file(job)
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- reads from a streaming replica (core.routers.ReplicaRouter) ------------------------------

_replica_reads: ContextVar[bool] = ContextVar("dangjian_replica_reads", default=False)


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside the block may go to the `replica` database alias when one is configured
    (DANGJIAN_REPLICA_URL); writes never do. For aggregate figures (metrics, reports) that
    may be seconds behind — never around a page that shows what the user just recorded."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_wanted() -> bool:
    return _replica_reads.get()


# --- member search: subtree first, trigram index on PostgreSQL --------------------------------


class _EqualsAnyOf(Expression):
    """`field = ANY(ARRAY(subquery))` (PostgreSQL): the subquery runs once, first, and the
    field's index is probed with its values. The planner cannot see through it, so it never
    trades the index for a scan of the whole table — as it does for `field IN (subquery)`
    or a join when it guesses that a condition it cannot estimate (a name substring) keeps
    few rows of the table."""

    output_field = BooleanField()

    def __init__(self, lhs: Any, ids: Any) -> None:
        super().__init__()
        self.lhs, self.ids = lhs, ids

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs, self.ids]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs, self.ids = exprs

    def as_sql(self, compiler, connection):
        field_sql, field_params = compiler.compile(self.lhs)
        ids_sql, ids_params = compiler.compile(self.ids)
        return f"{field_sql} = ANY(ARRAY{ids_sql})", (*field_params, *ids_params)


def in_subquery_first(field: str, ids: QuerySet) -> Q | Expression:
    """Rows whose `field` is one of the values `ids` (a `values("id")` queryset) selects,
    found by looking `ids` up first and then probing `field`'s index with each value — cost
    proportional to what `ids` selects, not to the table. SQLite plans `IN (subquery)` that
    way already."""
    if connection.vendor == "postgresql":
        return _EqualsAnyOf(F(field), Subquery(ids.order_by()))
    return Q(**{f"{field}__in": ids})


TRIGRAM_EXTENSION = "pg_trgm"


def create_trigram_index(schema_editor, table: str, column: str, name: str) -> bool:
    """A GIN trigram index on `upper(column)` (what `icontains` compares on PostgreSQL), so a
    substring search of three or more characters reads the index instead of the table; the
    index also gives the planner statistics on `upper(column)`. PostgreSQL only: elsewhere,
    or where the pg_trgm extension cannot be created (a database without it), nothing is
    done and False returned — search works the same, only slower."""
    if schema_editor.connection.vendor != "postgresql":
        return False
    quote = schema_editor.quote_name
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION}")
    except DatabaseError as exc:
        logger.warning(
            "未能创建 PostgreSQL 扩展 %s（%s）：姓名检索不使用三元组索引，结果不变，只是较慢。",
            TRIGRAM_EXTENSION,
            exc,
        )
        return False
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
        f"USING gin (upper({quote(column)}) gin_trgm_ops)"
    )
    return True


def drop_trigram_index(schema_editor, name: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
