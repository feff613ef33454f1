"""What someone who can write the database does to the audit table, with raw SQL.

Written from scratch as such a person would, from the published format — not with the
platform's own chain code — so a test proves the key, not a shared helper, makes the
difference. `sealed_like_platform` checks these helpers against stored events first.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from typing import Any

from django.core.management import call_command
from django.db import connection

from dangjian.audit.models import AuditEvent

TABLE = "audit_auditevent"
FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "object_repr",
    "related_org_id",
    "before",
    "after",
    "detail",
    "source_address",
    "request_id",
    "channel",
)


def sql(statement: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rows() -> list[dict[str, Any]]:
    return list(AuditEvent.objects.order_by("id").values())


def payload(row: dict[str, Any], event_id: int | None = None) -> str:
    fields = {name: row[name] for name in FIELDS}
    fields["occurred_at"] = row["occurred_at"].isoformat()
    if event_id is not None:
        fields["id"] = event_id
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def sha256_link(prev: str, row: dict[str, Any]) -> str:
    """The unkeyed format of the first chain."""
    return hashlib.sha256((prev + payload(row)).encode()).hexdigest()


def hmac_link(key: bytes, prev: str, row: dict[str, Any]) -> str:
    return hmac.new(key, prev.encode() + b"\n" + payload(row).encode(), "sha256").hexdigest()


def set_head(last_id: int, last_hash: str) -> None:
    sql(
        "UPDATE audit_chainhead SET last_id = %s, last_hash = %s WHERE id = 1", [last_id, last_hash]
    )


def rechain(first_id: int, link, version: int | None = None) -> None:
    """Recompute prev_hash/hash from `first_id` to the end with `link(prev, row)`, and the
    chain head: what passes an unkeyed chain's verification after an edit."""
    everything = rows()
    prev = next((r["hash"] for r in reversed(everything) if r["id"] < first_id), "0" * 64)
    for row in everything:
        if row["id"] < first_id:
            continue
        new = link(prev, row)
        sql(
            f"UPDATE {TABLE} SET prev_hash = %s, hash = %s"
            + (", hash_version = %s" if version else "")
            + " WHERE id = %s",
            [prev, new, *([version] if version else []), row["id"]],
        )
        prev = new
    set_head(everything[-1]["id"], prev)


def swap_ids(a: int, b: int) -> None:
    sql(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [-a, a])
    sql(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [a, b])
    sql(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [b, -a])


def delete(*ids: int) -> None:
    for event_id in ids:
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [event_id])


def insert_forged(at: int) -> None:
    """Shift events `at`… up by one and put a forged event at `at`, linked to its
    predecessor with an unkeyed hash; the chain head follows the shifted tail."""
    everything = rows()
    for row in sorted(everything, key=lambda r: -r["id"]):
        if row["id"] >= at:
            sql(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [row["id"] + 1, row["id"]])
    before = next(r for r in everything if r["id"] == at - 1)
    forged = dict(before, id=at, action="login", actor_name="ghost", detail={})
    forged_hash = sha256_link(before["hash"], forged)
    sql(
        f"INSERT INTO {TABLE} (id, occurred_at, actor_id, actor_name, action, outcome, "
        "object_type, object_id, object_repr, related_org_id, before, after, detail, "
        "source_address, request_id, channel, prev_hash, hash, hash_version) "
        "VALUES (%s, %s, NULL, %s, %s, %s, '', '', '', NULL, NULL, NULL, %s, '', '', '', "
        "%s, %s, 2)",
        [at, before["occurred_at"], "ghost", "login", "success", "{}", before["hash"], forged_hash],
    )
    set_head(everything[-1]["id"] + 1, everything[-1]["hash"])


def verify_command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def broken(output: str) -> list[str]:
    """The break lines of `dangjian audit verify`'s output."""
    return [line.strip() for line in output.splitlines()[1:] if line.startswith("  ")]
