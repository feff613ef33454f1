"""The platform's own files are private (DESIGN §11): 0600 files, 0700 folders.

Each check runs under a permissive umask (022, or 0 in-process), so it is the platform that
keeps the files private, not the umask the test happened to inherit.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@contextlib.contextmanager
def open_umask():
    """Run the block as if the service had been started with umask 0 (rw for everyone)."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# Started as a fresh process (umask 022, a data dir that does not exist yet): open the
# SQLite database, write in WAL mode, make the field key, and report the modes while the
# -wal and -shm files exist.
FRESH_START = """
import json, os
import django
django.setup()
from django.conf import settings
from django.db import connection
from dangjian.core import crypto
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
crypto._master_key()
open(settings.DATA_DIR / "made-by-the-process.txt", "w").close()
data = settings.DATA_DIR
names = ["dangjian.sqlite3", "dangjian.sqlite3-wal", "dangjian.sqlite3-shm", "secret.key",
         "field.key", "made-by-the-process.txt"]
print(json.dumps({"data_dir": oct(os.stat(data).st_mode & 0o777),
                  **{n: oct(os.stat(data / n).st_mode & 0o777) for n in names}}))
"""


def run_fresh(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DANGJIAN_FIELD_KEY", "DANGJIAN_SECRET_KEY")
    }
    env.update(DANGJIAN_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dangjian.settings")
    result = subprocess.run(
        [sys.executable, "-c", FRESH_START],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=0o022,  # a permissive start: the platform must tighten it itself
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_fresh_data_dir_database_and_keys_are_private(tmp_path):
    modes = run_fresh(tmp_path / "new" / "data")
    assert modes == {
        "data_dir": "0o700",
        "dangjian.sqlite3": "0o600",
        "dangjian.sqlite3-wal": "0o600",
        "dangjian.sqlite3-shm": "0o600",
        "secret.key": "0o600",
        "field.key": "0o600",
        "made-by-the-process.txt": "0o600",  # the umask the platform set itself
    }
    assert mode(tmp_path / "new") == 0o700  # a parent the platform had to create


def test_an_older_readable_data_dir_and_database_are_tightened(tmp_path):
    data = tmp_path / "data"
    run_fresh(data)
    data.chmod(0o755)
    (data / "dangjian.sqlite3").chmod(0o644)
    modes = run_fresh(data)
    assert modes["data_dir"] == "0o700" and modes["dangjian.sqlite3"] == "0o600"


def test_this_process_runs_with_a_private_umask():
    current = os.umask(0)
    os.umask(current)
    assert current & 0o077 == 0o077


def test_uploads_are_private(tmp_path):
    from dangjian.activities.attachments import store_upload

    folder = tmp_path / "files" / "activities"
    upload = SimpleUploadedFile("记录.pdf", b"%PDF-1.4\n%%EOF\n")
    with open_umask():
        written = store_upload(upload, "pdf", folder)
    assert mode(tmp_path / "files") == 0o700 and mode(folder) == 0o700
    assert mode(folder / written.name) == 0o600


@pytest.mark.django_db(transaction=True)
def test_backups_and_restored_files_are_private(tmp_path, settings):
    from dangjian.core.backup import FILES_PREFIX, _restore_media

    archive = tmp_path / "backups" / "dangjian.tar.gz"
    with open_umask():
        call_command("backup", "--output", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert mode(archive.parent) == 0o700 and mode(archive) == 0o600

    built = tmp_path / "files.tar"
    with tarfile.open(built, "w") as tar:
        info = tarfile.TarInfo(FILES_PREFIX + "activities/abc.pdf")
        info.size = 4
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(b"%PDF"))
    settings.MEDIA_ROOT = tmp_path / "restored" / "files"
    with open_umask(), tarfile.open(built) as tar:
        assert _restore_media(tar) == 1
    restored = tmp_path / "restored" / "files" / "activities" / "abc.pdf"
    assert restored.read_bytes() == b"%PDF"
    assert mode(restored) == 0o600
    assert mode(restored.parent) == 0o700 and mode(restored.parent.parent) == 0o700


@pytest.mark.django_db
def test_exports_written_by_commands_are_private(tmp_path):
    from dangjian.assessments.models import Framework

    xlsx = tmp_path / "rules.xlsx"
    yaml = tmp_path / "framework.yaml"
    framework = Framework.objects.order_by("pk").first()
    assert framework is not None  # the shipped library is synced after migrate
    with open_umask():
        call_command(
            "rules", "check", "--format", "xlsx", "--output", str(xlsx), stdout=io.StringIO()
        )
        call_command(
            "frameworks", "export", framework.code, "--output", str(yaml), stdout=io.StringIO()
        )
    assert mode(xlsx) == 0o600 and mode(yaml) == 0o600
