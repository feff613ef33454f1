"""Production settings: `check --deploy` is clean; DEBUG, static files and keys as documented."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of docs/deployment.md — nothing of the test run leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DANGJIAN_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        DANGJIAN_DATA_DIR=str(data_dir),
        DANGJIAN_SECRET_KEY=secrets.token_urlsafe(64),
        DANGJIAN_HTTPS="1",
        DANGJIAN_ALLOWED_HOSTS="dangjian.example.gov.cn",
        **extra,
    )
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dangjian.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_debug(tmp_path):
    """The clean result above is meaningful: the same check does complain about DEBUG."""
    result = subprocess.run(
        [sys.executable, "-m", "dangjian.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, DANGJIAN_DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_production_defaults(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'testing': s.TESTING, 'finders': s.WHITENOISE_USE_FINDERS, "
        "'storage': s.STORAGES['staticfiles']['BACKEND'], 'ssl': s.SECURE_SSL_REDIRECT, "
        "'secure_cookie': s.SESSION_COOKIE_SECURE, 'hosts': s.ALLOWED_HOSTS, 'db': s.DATABASES['default']['NAME']}))"
    )
    result = run_python(code, production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False and values["testing"] is False
    assert values["finders"] is False  # collected, compressed copies are served
    assert values["storage"] == "whitenoise.storage.CompressedStaticFilesStorage"
    assert values["ssl"] is True and values["secure_cookie"] is True
    assert values["hosts"] == ["dangjian.example.gov.cn"]
    assert values["db"] == str(tmp_path / "dangjian.sqlite3")


def test_secret_key_file_is_created_once_with_mode_0600(tmp_path):
    env = production_env(tmp_path)
    del env["DANGJIAN_SECRET_KEY"]
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first, second = run_python(code, env), run_python(code, env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
