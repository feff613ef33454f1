"""`dangjian backup` / `dangjian restore` (DESIGN §11): a round trip into a fresh database.

The data is written in this test's database (SQLite or PostgreSQL, whichever the suite runs
on), backed up in-process, then restored by a real `dangjian restore` into a fresh SQLite
data dir, and read back by another process: same rows, encrypted fields still decrypt,
the audit chain still verifies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"

# Printed by the restored side; the same code runs on the source side for comparison.
SNAPSHOT = """
import json
from dangjian.audit.services import verify
from dangjian.core.backup import dumped_models
from dangjian.core.crypto import blind_index
from dangjian.members.models import Member
counts = {m._meta.label_lower: m._base_manager.count() for m in dumped_models()}
members = sorted(
    [m.pk, m.name, m.id_number, m.phone, m.org.path, m.created.isoformat()]
    for m in Member.objects.select_related("org")
)
found = Member.objects.filter(id_number_blind=blind_index("11010519491231002X")).count()
print(json.dumps({"counts": counts, "members": members, "found_by_blind_index": found, "chain_ok": verify().ok}))
"""
assert ID_NUMBER in SNAPSHOT


def snapshot_here() -> dict:
    out = StringIO()
    namespace: dict = {}
    import contextlib

    with contextlib.redirect_stdout(out):
        exec(SNAPSHOT, namespace)  # noqa: S102 - our own constant
    return json.loads(out.getvalue())


def cli_env(data_dir: Path, field_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DANGJIAN_TESTING")}
    env.update(DANGJIAN_DATA_DIR=str(data_dir), DANGJIAN_FIELD_KEY=field_key)
    # The audit key travels apart from the archive, as the field key does.
    from dangjian.audit.chain import key_text

    env["DANGJIAN_AUDIT_KEY"] = key_text() or ""
    return env


def dangjian(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dangjian.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def field_key(settings):
    """A key of this test's own, as DANGJIAN_FIELD_KEY would give it."""
    from dangjian.core import crypto

    key = Fernet.generate_key().decode()
    settings.FIELD_KEY = key
    crypto._master_key.cache_clear()
    crypto._fernet.cache_clear()
    yield key
    crypto._master_key.cache_clear()
    crypto._fernet.cache_clear()


@pytest.fixture
def data(transactional_db, field_key, make_user):
    """A small tree with members (encrypted fields), users, roles and audited changes."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.core.services import emit
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgKind, Unit

    root = Organization.add_root(kind=OrgKind.COMMITTEE, name="示例市委直属机关工委")
    unit = root.add_child(kind=OrgKind.UNIT_PARTY, name="甲局机关党委")
    dept = Unit.objects.create(name="甲局", party_org=unit)
    Organization.objects.filter(pk=unit.pk).update(unit=dept)
    unit.refresh_from_db()
    branch = unit.add_child(
        kind=OrgKind.BRANCH, name="甲局第一党支部", unit=dept, established_on=dt.date(2015, 3, 1)
    )
    first = Member.objects.create(
        org=branch,
        name="张伟",
        gender="male",
        joined_on=dt.date(2001, 7, 1),
        id_number=ID_NUMBER,
        phone=PHONE,
        unit=dept,
    )
    Member.objects.create(org=branch, name="李娜", gender="female", joined_on=dt.date(2010, 7, 1))
    emit("create", first, after={"name": first.name})
    user = make_user(role="branch_secretary", org=branch, username="sec_a")
    RoleAssignment.objects.create(user=user, role="viewer", org=root)
    return {"branch": branch, "member": first}


def backup(tmp_path: Path, *args: str) -> Path:
    archive = tmp_path / "backup.tar.gz"
    err = StringIO()
    call_command("backup", "--output", str(archive), *args, stdout=StringIO(), stderr=err)
    assert "不在归档中" in err.getvalue() or "包含字段密钥" in err.getvalue()  # the key warning
    return archive


@pytest.mark.parametrize("fmt", ["auto", "json"])
def test_round_trip_into_a_fresh_database(data, tmp_path, field_key, fmt):
    archive = backup(tmp_path, "--format", fmt)
    source = snapshot_here()  # includes the "backup" audit event, which is in the archive too
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert "manifest.json" in names and "field.key" not in names
        manifest = json.load(tar.extractfile("manifest.json"))
        payload = tar.extractfile(
            "data.jsonl" if manifest["kind"] == "json" else "db.sqlite3"
        ).read()
    assert manifest["kind"] == (
        "sqlite"
        if fmt == "auto" and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        else "json"
    )
    assert ID_NUMBER.encode() not in payload and PHONE.encode() not in payload  # still encrypted
    assert archive.stat().st_mode & 0o777 == 0o600

    target = tmp_path / "restored"
    env = cli_env(target, field_key)
    result = dangjian("restore", str(archive), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "恢复完成" in result.stdout

    shown = dangjian("shell", "-c", SNAPSHOT, env=env)
    assert shown.returncode == 0, shown.stderr
    restored = json.loads(shown.stdout.strip().splitlines()[-1])
    assert restored["members"] == source["members"]
    assert [m[2:4] for m in restored["members"]] == [[ID_NUMBER, PHONE], ["", ""]]
    assert restored["found_by_blind_index"] == 1
    assert restored["chain_ok"] is True
    expected = dict(source["counts"])
    expected["audit.auditevent"] += 1  # the restore itself is recorded
    assert restored["counts"] == expected

    # The restored database is a working one: ids continue after the restored rows.
    added = dangjian(
        "shell",
        "-c",
        (
            "import datetime as dt; from dangjian.members.models import Member; "
            f"m = Member.objects.create(org_id={data['branch'].pk}, name='新党员', gender='male', "
            "joined_on=dt.date(2020, 1, 1)); print(m.pk)"
        ),
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert int(added.stdout.strip().splitlines()[-1]) > max(m[0] for m in source["members"])

    # Restoring again would mix two databases: refused, naming what is there.
    again = dangjian("restore", str(archive), env=env)
    assert again.returncode != 0
    assert "目标数据库不是空的" in again.stderr and "党员 3 条" in again.stderr


def test_restore_refuses_another_field_key_before_writing(data, tmp_path):
    archive = backup(tmp_path, "--format", "json")
    target = tmp_path / "restored"
    result = dangjian("restore", str(archive), env=cli_env(target, Fernet.generate_key().decode()))
    assert result.returncode != 0
    assert "字段密钥与备份时使用的不同" in result.stderr
    database = target / "dangjian.sqlite3"
    if database.exists():
        with sqlite3.connect(database) as db:
            assert (
                db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
                == 0
            )


def test_backup_with_field_key_restores_on_a_machine_without_one(data, tmp_path, field_key):
    archive = backup(tmp_path, "--format", "json", "--with-field-key")
    target = tmp_path / "restored"
    env = cli_env(target, "")
    del env["DANGJIAN_FIELD_KEY"]
    result = dangjian("restore", str(archive), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (target / "field.key").read_text().strip() == field_key
    assert (target / "field.key").stat().st_mode & 0o777 == 0o600
    shown = dangjian(
        "shell",
        "-c",
        "from dangjian.members.models import Member; "
        "print(Member.objects.get(name='张伟').id_number)",
        env=env,
    )
    assert shown.stdout.strip().splitlines()[-1] == ID_NUMBER


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path, db):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")
    result = dangjian(
        "restore", str(bogus), env=cli_env(tmp_path / "x", Fernet.generate_key().decode())
    )
    assert result.returncode != 0
    assert "无法读取备份文件" in result.stderr


def test_reference_data_does_not_make_a_database_non_empty(tree, monkeypatch):
    """Rows a data migration seeds (a model with `backup_reference_data = True`) are replaced
    by a restore; any other row makes the target non-empty."""
    from dangjian.core.backup import _data_present
    from dangjian.orgs.models import Organization

    found = _data_present(include_files=False, check_tables=True)
    assert any(phrase.startswith("党组织 ") for phrase in found)
    monkeypatch.setattr(Organization, "backup_reference_data", True, raising=False)
    found = _data_present(include_files=False, check_tables=True)
    assert not any(phrase.startswith("党组织 ") for phrase in found)
    assert any(phrase.startswith("机关单位 ") for phrase in found)  # Units are still data
