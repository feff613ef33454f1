"""The audit key lives outside the database: made at set-up (0600), never silently replaced,
never in a backup, and required (the same one) to restore."""

import base64
import io
import json
import tarfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.audit import anchor, chain, rekey
from dangjian.audit.models import AuditEvent, ChainHead
from dangjian.audit.services import record, verify
from dangjian.core.backup import BackupError, create_backup, restore_backup

from . import tamper

pytestmark = pytest.mark.django_db

OTHER_KEY = "B" * 43 + "="


@pytest.fixture
def key_file(settings, tmp_path):
    """No DANGJIAN_AUDIT_KEY; the key file in a data dir of this test's own."""
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    return settings.AUDIT_KEY_FILE


def test_set_up_makes_the_key_file_with_mode_0600(
    key_file, settings, django_capture_on_commit_callbacks
):
    """What `dangjian migrate` (migration 0003) does on a new database."""
    settings.AUDIT_ANCHOR_FILE.unlink()
    assert not key_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        rekey.set_up(AuditEvent, ChainHead)
    text = key_file.read_text()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(base64.urlsafe_b64decode(text.strip())) == 32
    assert [line.kind for line in anchor.read().binding] == ["setup"]
    record("login", actor_name="first")
    record("login", actor_name="second")
    assert key_file.read_text() == text
    assert verify().ok


def test_first_use_makes_the_key_when_set_up_did_not(key_file):
    record("login", actor_name="first")
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_lost_key_refuses_writes_instead_of_starting_another_chain(key_file):
    record("login", actor_name="first")
    key_file.unlink()
    with pytest.raises(chain.KeyMissing, match="审计密钥缺失"):
        record("login", actor_name="second")
    assert not key_file.exists() and AuditEvent.objects.count() == 1
    with pytest.raises(CommandError, match="审计密钥缺失"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_the_environment_key_takes_precedence(key_file, settings):
    settings.AUDIT_KEY = OTHER_KEY
    event = record("login", actor_name="x")
    assert not key_file.exists()
    row = tamper.rows()[0]
    assert tamper.hmac_link(chain._subkeys(OTHER_KEY)[0], row["prev_hash"], row) == event.hash


def test_a_malformed_key_is_refused_clearly(settings):
    settings.AUDIT_KEY = "YWJj"  # base64, but of 3 bytes
    with pytest.raises(ImproperlyConfigured, match="必须是 32 字节密钥的 urlsafe base64 编码"):
        record("login", actor_name="x")


@pytest.mark.django_db(transaction=True)  # a backup reads committed data
def test_backup_holds_the_key_fingerprint_never_the_key(tmp_path, settings):
    record("login", actor_name="x")
    archive = tmp_path / "dj.tar.gz"
    create_backup(archive)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert "audit.key" not in names
    assert chain.key_text().encode() not in blob
    assert len(manifest["audit_key_fingerprint"]) == 32


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("key", "message"),
    [(OTHER_KEY, "当前的审计密钥与备份时使用的不同"), (None, "还没有审计密钥")],
)
def test_restore_needs_the_audit_key_of_the_backup(tmp_path, settings, key, message):
    record("login", actor_name="x")
    archive = tmp_path / "dj.tar.gz"
    create_backup(archive)
    settings.AUDIT_KEY = key or ""
    settings.AUDIT_KEY_FILE = tmp_path / "elsewhere" / "audit.key"
    events = AuditEvent.objects.count()
    with pytest.raises(BackupError, match=message):
        restore_backup(archive, log=lambda _: None)
    assert AuditEvent.objects.count() == events  # refused before anything was written
