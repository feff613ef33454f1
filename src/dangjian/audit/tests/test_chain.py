import io
import itertools

import pytest
from django.core.management import call_command
from django.db import connection

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_user):
    """Six events of assorted kinds, ids 1..6 (as in a fresh database)."""
    actor = make_user(username="writer")
    record("login", user=actor, obj=actor)
    record("update", user=actor, obj=actor, before={"email": ""}, after={"email": "a@example.cn"})
    record(
        "login_failed",
        outcome="failure",
        actor_name="ghost",
        detail={"attempted_username": "ghost"},
    )
    record("export", user=actor, detail={"rows": 12, "model": "members.member"})
    record("permission_denied", user=actor, outcome="failure", detail={"path": "/audit/"})
    record("logout", user=actor, obj=actor, detail={"reason": "user"})
    return list(AuditEvent.objects.order_by("id"))


def run_verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_intact_chain_verifies(chain):
    assert [e.id for e in chain] == list(range(1, 7))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(chain))
    code, out = run_verify()
    assert code == 0
    assert out.strip() == "审计链完整：6 条事件"


def test_empty_chain_verifies(db):
    assert run_verify() == (0, "审计链完整：0 条事件\n")


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", '{"rows": 1, "model": "members.member"}'), ("actor_name", "someone_else")],
)
def test_altered_row_is_reported(chain, column, value):
    target = chain[3].id
    _raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, target])
    result = verify()
    assert not result.ok and result.broken_at == target and result.checked == 3
    code, out = run_verify()
    assert code == 1
    assert f"第 {target} 条事件" in out and "篡改" in out


def test_deleted_middle_row_is_reported(chain):
    target = chain[2].id
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [target])
    result = verify()
    assert not result.ok and result.broken_at == target
    code, out = run_verify()
    assert code == 1 and f"第 {target} 条事件" in out and "缺失" in out


def test_deleted_last_row_is_reported(chain):
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[-1].id])
    result = verify()
    assert not result.ok and result.broken_at == chain[-1].id


def test_relinked_row_is_reported(chain):
    """Re-hashing an edited row is not enough: the next row's link no longer matches."""
    event = AuditEvent.objects.get(id=chain[1].id)
    event.actor_name = "forged"
    forged_hash = event.compute_hash()
    _raw(
        "UPDATE audit_auditevent SET actor_name = %s, hash = %s WHERE id = %s",
        ["forged", forged_hash, event.id],
    )
    result = verify()
    assert not result.ok and result.broken_at == chain[2].id


def test_orm_cannot_change_or_delete_events(chain):
    event = AuditEvent.objects.get(id=chain[0].id)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(id=event.id).update(actor_name="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(id=event.id).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    event.actor_name = "x"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(id=event.id).actor_name == "writer"
    assert verify().ok
