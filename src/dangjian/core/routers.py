"""Reads of metrics and reports from a streaming replica (docs/scaling.md).

With `DANGJIAN_REPLICA_URL` set, settings add the database alias `replica` and name it in
`READ_REPLICA`; `ReplicaRouter` is always installed and does nothing without it. Code that
computes aggregate figures wraps its reads in `core.db.reading_replica()` (the metric
runner, `core.metrics.Metric.value`, does); inside that block the router sends reads to
the replica, and everything else — all writes, every read outside such a block — goes to
`default`.

A replica is seconds behind the primary, so two kinds of reads stay on `default` even in
the block: those of the apps that hold who may do what (accounts, permissions, sessions,
lockouts, tokens) — a revoked role must stop counting at once — and any read made inside
a transaction on the primary (it may hold rows the replica has not got yet).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .db import replica_reads_wanted

# Security state is read where it was written: never a few seconds old.
PRIMARY_ONLY_APPS = frozenset({"accounts", "auth", "sessions", "axes", "authtoken"})


def replica_alias() -> str | None:
    """The alias metric reads go to: `replica` when DANGJIAN_REPLICA_URL is set, else None."""
    return getattr(settings, "READ_REPLICA", None)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        replica = replica_alias()
        if replica is None or not replica_reads_wanted():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Read-your-writes: a transaction on the primary may hold rows the replica
            # has not got (and the request that opened it expects to see them).
            return DEFAULT_DB_ALIAS
        return replica

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the same database: rows from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica receives the primary's schema by replication, never by `migrate`.
        return db == DEFAULT_DB_ALIAS
