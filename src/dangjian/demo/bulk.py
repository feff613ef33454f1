"""Fast row writing for the demo's million-row tables: plain tuples, no model instances.

`bulk_create` builds a model instance and prepares every field of every row in Python;
for ~2 million participations that alone would take longer than the whole demo may. Here
rows are tuples of ready values (ints, str, ISO dates, None, bool) written in batches:
`executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL (psycopg formats the rows in
C). Only for tables without `save()` logic; the columns are checked against the model so
a field added later fails loudly instead of being left empty.

`deferred_indexes` drops a table's secondary indexes while an empty table is filled and
recreates them from their own saved definitions at the end (inside the same transaction):
building an index once over sorted data is several times faster than maintaining it row
by row, above all for the member-first indexes of the participation table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

SQLITE_CACHE_KIB = 131_072  # page cache while loading (SQLite's default is 2 MiB)


def now_value() -> str:
    """The current time as the database stores a DateTimeField (created/updated columns).

    Whole seconds: SQLite stores the text, and microseconds would add 7 bytes to each of
    millions of rows.
    """
    value = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
    return str(value)


def table_columns(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """Check `columns` against the model: all exist, and every omitted one may be NULL.

    The database schema Django creates has no column defaults, so an omitted NOT NULL
    column would fail the insert; say which one instead.
    """
    concrete = {f.column: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in concrete]
    missing = [
        c for c, f in concrete.items() if c not in columns and not f.null and not f.primary_key
    ]
    if unknown or missing:
        raise ImproperlyConfigured(
            f"演示数据写入 {model._meta.db_table} 的列与模型不一致："
            f"未知列 {unknown or '无'}，缺少非空列 {missing or '无'}；请更新 dangjian/demo。"
        )
    return list(columns)


class RowWriter:
    """Buffers rows for one table and writes them `batch` at a time."""

    def __init__(self, table: str, columns: Sequence[str], batch: int = 10_000) -> None:
        self.table = table
        self.columns = list(columns)
        self.batch = batch
        self.rows: list[tuple] = []
        self.count = 0
        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in self.columns)
        if connection.vendor == "postgresql":
            self.sql = f"COPY {quote(table)} ({cols}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            # Names from the model's meta, quoted; values are parameters.
            self.sql = f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})"  # noqa: S608

    @classmethod
    def for_model(
        cls, model: type[models.Model], columns: Sequence[str], batch: int = 10_000
    ) -> RowWriter:
        return cls(model._meta.db_table, table_columns(model, columns), batch)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def extend(self, rows: Iterable[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows.clear()


def next_id(model: type[models.Model]) -> int:
    """The first free primary key (rows get explicit ids so children can point at them)."""
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return (top or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After explicit ids, move PostgreSQL's identity sequences past them (SQLite's
    AUTOINCREMENT follows explicit ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _is_empty(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is None


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that no constraint owns."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(x.indexrelid)
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY i.relname
                """,
                [connection.ops.quote_name(table)],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [table],
            )
        else:  # pragma: no cover - only the two supported databases
            return []
        return list(cursor.fetchall())


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of the table's foreign keys (SQLite's are part of the
    table and checked without triggers)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [connection.ops.quote_name(table)],
        )
        return list(cursor.fetchall())


@contextlib.contextmanager
def deferred_indexes(*tables: str) -> Iterator[None]:
    """Drop the empty tables' secondary indexes (and, on PostgreSQL, foreign keys) for the
    block, then rebuild them from their saved definitions.

    A deferred foreign key queues a trigger event per inserted row, checked one by one at
    commit; re-adding the constraint checks all rows in one join instead (what pg_restore
    does). Must run inside a transaction: if the block or a rebuild fails (a unique index
    meeting a duplicate, a key meeting a missing row), the rollback restores everything.
    """
    indexes: list[tuple[str, str, str]] = []
    keys: list[tuple[str, str, str]] = []
    for table in tables:
        if _is_empty(table):
            indexes += [(table, name, sql) for name, sql in _secondary_indexes(table)]
            keys += [(table, name, sql) for name, sql in _foreign_keys(table)]
    quote = connection.ops.quote_name
    if keys:
        # Altering a key alters the referenced table too, which PostgreSQL refuses while
        # earlier inserts' deferred checks are pending: run them now (they stay deferred).
        connection.check_constraints()
    with connection.cursor() as cursor:
        for table, name, _sql in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for _table, name, _sql in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    if keys:
        connection.check_constraints()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and indexes:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _table, _name, sql in indexes:
            cursor.execute(sql)
        for table, name, sql in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {sql}")


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Connection settings for a bulk load: a larger SQLite page cache, restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def analyze() -> None:
    """Refresh the planner statistics after the bulk load. PostgreSQL: autovacuum would only
    get to it later, and the first queries would plan with empty-table estimates. SQLite has
    none until ANALYZE runs: without them it reads a branch's members through the
    membership index (every member in the city, ≈ 200 ms) instead of the org path (< 1 ms)."""
    if connection.vendor in ("postgresql", "sqlite"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
