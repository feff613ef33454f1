"""`dangjian audit verify` against someone who can write the database but holds no key.

Every kind of tampering is reported with the event ids, all of them in one run, and the
command exits 1. The chain of the unkeyed design passed several of these (an edit with the
chain recomputed, a deleted tail with the head moved back) and stopped at the first break.
"""

import hmac
import itertools

import pytest
from django.core.management import call_command

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import record, verify

from . import tamper

pytestmark = pytest.mark.django_db

CHANGED = "事件的内容与封印不符（被改动，或是伪造的事件）"


def build(actor, count: int) -> list[AuditEvent]:
    """`count` events of assorted kinds, ids 1..count (as in a fresh database)."""
    kinds = itertools.cycle(
        [
            lambda: record("login", user=actor, obj=actor),
            lambda: record(
                "update", user=actor, obj=actor, before={"email": ""}, after={"email": "a@x.cn"}
            ),
            lambda: record("login_failed", outcome="failure", actor_name="ghost", detail={}),
            lambda: record("export", user=actor, detail={"rows": 12, "model": "members.member"}),
            lambda: record("permission_denied", user=actor, outcome="failure", detail={"p": "/"}),
            lambda: record("logout", user=actor, obj=actor, detail={"reason": "user"}),
        ]
    )
    for _ in range(count):
        next(kinds)()
    return list(AuditEvent.objects.order_by("id"))


@pytest.fixture
def actor(make_user):
    return make_user(username="writer")


@pytest.fixture
def chain(actor):
    return build(actor, 6)


@pytest.fixture
def anchored(actor, settings, django_capture_on_commit_callbacks):
    """Ten events, checkpointed after the commit of every fifth (ids 5 and 10)."""
    settings.AUDIT_CHECKPOINT_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        events = build(actor, 10)
    return events


def test_intact_chain_verifies(chain):
    assert [e.id for e in chain] == list(range(1, 7))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(chain))
    assert all(e.hash_version == 2 for e in chain)  # HMAC-SHA256
    assert tamper.verify_command() == (0, "审计链完整：6 条事件\n")


def test_empty_chain_verifies(db):
    assert tamper.verify_command() == (0, "审计链完整：0 条事件\n")


def test_the_helpers_seal_as_the_platform_does(chain):
    """So the wrong-key case below fails for the key alone, not for a different format."""
    from dangjian.audit.chain import event_key

    key = event_key()
    for row in tamper.rows():
        assert tamper.hmac_link(key, row["prev_hash"], row) == row["hash"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", '{"rows": 1, "model": "members.member"}'), ("actor_name", "someone_else")],
)
def test_edited_event_is_reported(chain, column, value):
    tamper.sql(f"UPDATE audit_auditevent SET {column} = %s WHERE id = 4", [value])
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [f"第 4 条{CHANGED}"]


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("sha256", f"第 2–6 条{CHANGED}"),
        ("sha256-legacy-marker", "第 2–6 条事件未用密钥封存（旧格式），无法证明未被改动"),
        ("hmac-wrong-key", f"第 2–6 条{CHANGED}"),
    ],
)
def test_edit_with_the_chain_recomputed_is_reported(chain, how, expected):
    """The unkeyed chain passed this: edit, recompute every later hash and the head."""
    tamper.sql("UPDATE audit_auditevent SET detail = %s WHERE id = 2", ['{"forged": true}'])
    if how == "hmac-wrong-key":
        tamper.rechain(2, lambda prev, row: tamper.hmac_link(b"guessed key", prev, row))
    else:
        tamper.rechain(2, tamper.sha256_link, version=1 if how.endswith("marker") else None)
    code, out = tamper.verify_command()
    assert code == 1
    assert [line.split("；")[0] for line in tamper.broken(out)] == [expected]


def test_deleted_middle_event_is_reported(chain):
    tamper.delete(3)
    code, out = tamper.verify_command()
    assert code == 1 and tamper.broken(out) == ["第 3 条事件缺失（被删除）"]


def test_inserted_event_is_reported(chain):
    tamper.insert_forged(4)
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        "第 4 条事件是插入的，不是平台写入的（其后的事件编号随之后移）",
        "第 5–7 条位置上是原第 4–6 条事件（顺序或编号被改动）",
    ]


def test_event_appended_without_the_key_is_reported(chain):
    last = tamper.rows()[-1]
    forged = dict(last, id=7, detail={"forged": True})
    tamper.sql(
        "INSERT INTO audit_auditevent (id, occurred_at, actor_name, action, outcome, "
        "object_type, object_id, object_repr, detail, source_address, request_id, channel, "
        "prev_hash, hash, hash_version) VALUES (7, %s, 'x', 'login', 'success', '', '', '', "
        "%s, '', '', '', %s, %s, 2)",
        [
            last["occurred_at"],
            '{"forged": true}',
            last["hash"],
            tamper.sha256_link(last["hash"], forged),
        ],
    )
    tamper.set_head(7, tamper.sha256_link(last["hash"], forged))
    code, out = tamper.verify_command()
    assert code == 1 and tamper.broken(out) == [f"第 7 条{CHANGED}"]


@pytest.mark.parametrize(("a", "b"), [(2, 5), (3, 4)])
def test_swapped_events_are_reported(chain, a, b):
    tamper.swap_ids(a, b)
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        f"第 {a} 条位置上是原第 {b} 条事件（顺序或编号被改动）",
        f"第 {b} 条位置上是原第 {a} 条事件（顺序或编号被改动）",
    ]


def test_deleted_and_renumbered_event_is_reported(chain):
    tamper.delete(3)
    for event_id in (4, 5, 6):
        tamper.sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [event_id - 1, event_id])
    tamper.set_head(5, tamper.rows()[-1]["hash"])
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        "第 3–5 条位置上是原第 4–6 条事件（顺序或编号被改动）",
        "原第 3 条事件已被删除或改写（其后的事件被重新编号）",
    ]


def test_truncated_tail_with_the_head_moved_back_is_reported(anchored):
    """The unkeyed chain passed this with no hashing at all."""
    tamper.delete(9, 10)
    tamper.set_head(8, anchored[7].hash)
    code, out = tamper.verify_command()
    assert code == 1
    [line] = tamper.broken(out)
    assert line.startswith("链尾被删除：检查点（")
    assert line.endswith("记录审计链已到第 10 条，现在只到第 8 条（第 9–10 条缺失）")


def test_truncated_tail_after_a_cron_checkpoint_is_reported(chain):
    call_command("audit", "checkpoint", stdout=None)
    tamper.delete(5, 6)
    tamper.set_head(4, chain[3].hash)
    code, out = tamper.verify_command()
    assert code == 1 and "第 5–6 条缺失" in tamper.broken(out)[0]


def test_truncated_tail_behind_the_head_is_reported(chain):
    tamper.delete(6)
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        "链尾被删除：链头记录审计链已到第 6 条，现在只到第 5 条（第 6 条缺失）"
    ]


def test_moved_head_is_reported(chain):
    tamper.set_head(6, chain[2].hash)
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == ["链头记录与最后一条事件（第 6 条）的封印不符（链头被改动）"]


def test_deleted_anchor_file_is_reported(anchored, settings):
    settings.AUDIT_ANCHOR_FILE.unlink()
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        f"检查点文件 {settings.AUDIT_ANCHOR_FILE} 不存在，无法确认链尾是否被删除"
    ]


def test_corrupted_and_forged_anchor_lines_are_reported(anchored, settings):
    path = settings.AUDIT_ANCHOR_FILE
    lines = path.read_text().splitlines()
    assert [line.split('"kind":"')[1].split('"')[0] for line in lines] == [
        "setup",
        "checkpoint",
        "checkpoint",
    ]
    lines[1] = lines[1].replace('"id":5', '"id":50')  # a moved checkpoint: its seal breaks
    forged = lines[2].replace('"id":10', '"id":11').rsplit('"seal":"', 1)[0]
    forged += '"seal":"' + hmac.new(b"guess", b"x", "sha256").hexdigest() + '"}'
    path.write_text("\n".join([*lines, forged, "not json"]) + "\n")
    code, out = tamper.verify_command()
    assert code == 1
    assert tamper.broken(out) == [
        "检查点文件第 2 行损坏或被篡改（密钥校验不通过）",
        "检查点文件第 4–5 行损坏或被篡改（密钥校验不通过）",
    ]


def test_every_break_is_reported_in_one_run(anchored):
    """A changed event, a deleted one, two swapped, and a cut tail with the head moved
    back: all named, in order, whatever the batch size (the walk re-syncs after each)."""
    tamper.sql("UPDATE audit_auditevent SET detail = %s WHERE id = 2", ['{"rows": 1}'])
    tamper.delete(4)
    tamper.swap_ids(6, 7)
    tamper.delete(9, 10)
    tamper.set_head(8, anchored[7].hash)
    expected = [
        f"第 2 条{CHANGED}",
        "第 4 条事件缺失（被删除）",
        "第 6 条位置上是原第 7 条事件（顺序或编号被改动）",
        "第 7 条位置上是原第 6 条事件（顺序或编号被改动）",
        "现在只到第 8 条（第 9–10 条缺失）",
    ]
    for batch in ([], ["--batch", "1"], ["--batch", "2"], ["--batch", "3"]):
        code, out = tamper.verify_command(*batch)
        assert code == 1
        lines = tamper.broken(out)
        assert lines[:4] == expected[:4] and len(lines) == 5, out
        assert lines[4].startswith("链尾被删除：检查点（") and lines[4].endswith(expected[4])
        assert out.splitlines()[0] == "审计链断裂：发现 5 处问题（共读取 7 条事件）："


def test_the_checkpoint_must_match_its_event(anchored):
    """Even someone holding the key, who re-seals an edited event, cannot change what a
    checkpoint already recorded (kept where they cannot rewrite it: docs/deployment.md)."""
    from dangjian.audit.chain import event_key

    rows = tamper.rows()
    key = event_key()
    replaced = dict(rows[4], detail={"replaced": True})
    new_hash = tamper.hmac_link(key, rows[4]["prev_hash"], replaced)
    tamper.sql(
        "UPDATE audit_auditevent SET detail = %s, hash = %s WHERE id = 5",
        ['{"replaced": true}', new_hash],
    )
    code, out = tamper.verify_command()
    assert code == 1
    lines = tamper.broken(out)
    assert lines[0].startswith("第 5 条事件与检查点（") and lines[0].endswith("（事件被替换）")
    assert lines[1:] == ["第 6 条事件与前一条事件接不上（链接被改动）"]


def test_another_key_fails_every_seal(chain, settings):
    settings.AUDIT_KEY = "A" * 43 + "="
    report = verify()
    assert not report.ok
    assert report.messages() == [
        f"第 1–6 条{CHANGED}",
        "检查点文件第 1 行损坏或被篡改（密钥校验不通过）",
        f"检查点文件 {settings.AUDIT_ANCHOR_FILE} 中没有有效的检查点",
    ]


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
