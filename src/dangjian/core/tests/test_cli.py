"""The `dangjian` console script and `dangjian serve` (gunicorn + whitenoise)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian import cli
from dangjian.core.management.commands import serve


def cli_env(data_dir: Path) -> dict[str, str]:
    """A production-like environment on a fresh SQLite data dir (never the test database)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DANGJIAN_TESTING", "DANGJIAN_DEBUG")
    }
    env["DANGJIAN_DATA_DIR"] = str(data_dir)
    return env


def dangjian(*args: str, data_dir: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dangjian.cli", *args],
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "dangjian"
    assert script.exists(), "pip install -e . should have created the dangjian script"
    assert "dangjian.cli" in script.read_text()


def test_main_sets_settings_and_dispatches_to_django(monkeypatch, capsys):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    cli.main(["help"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "dangjian.settings"
    out = capsys.readouterr().out
    assert "dangjian help <subcommand>" in out
    for command in ("serve", "metrics", "backup", "restore", "migrate"):
        assert command in out


def test_main_exits_2_on_unknown_metric(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["metrics", "show", "orgs.no_such_metric"])
    assert exit_info.value.code == 2
    assert "没有编号为“orgs.no_such_metric”的指标" in capsys.readouterr().err


def test_metrics_list_in_a_real_process(tmp_path):
    result = dangjian("metrics", "list", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "orgs.unit_party_count" in result.stdout


# --- serve -------------------------------------------------------------------------


def test_serve_passes_options_to_gunicorn(db, monkeypatch, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # whitenoise warns about a missing static root
    seen = {}
    monkeypatch.setattr(serve, "run_gunicorn", lambda app, options: seen.update(app=app, **options))
    out = StringIO()
    call_command("serve", "--port", "8123", "--workers", "2", "--skip-collectstatic", stdout=out)
    assert seen["bind"] == "127.0.0.1:8123"
    assert seen["workers"] == 2
    assert callable(seen["app"])
    seen["when_ready"](None)
    assert "http://127.0.0.1:8123/" in out.getvalue()


def test_serve_refuses_bad_options_and_unmigrated_database(db, monkeypatch):
    monkeypatch.setattr(serve, "run_gunicorn", lambda app, options: pytest.fail("must not start"))
    with pytest.raises(CommandError, match="--workers"):
        call_command("serve", "--workers", "0")
    with pytest.raises(CommandError, match="--port"):
        call_command("serve", "--port", "70000")
    monkeypatch.setattr(serve, "unapplied_migrations", lambda: 3)
    with pytest.raises(CommandError, match="dangjian migrate"):
        call_command("serve", "--skip-collectstatic")


def test_collectstatic_runs_only_when_sources_changed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    assert serve.collect_static_if_stale(StringIO()) is True
    assert (tmp_path / "static" / "rest_framework").is_dir()
    assert serve.collect_static_if_stale(StringIO()) is False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own local server
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read()


def test_serve_runs_gunicorn_with_compressed_static_files(tmp_path):
    """The real thing, in production mode: migrate, serve, fetch a page and a gzip'd static file."""
    migrated = dangjian("migrate", "--noinput", "-v", "0", data_dir=tmp_path, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dangjian.cli", "serve", "--port", str(port), "--workers", "1"],
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _, body = fetch(base + "/accounts/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "dangjian serve did not answer within 90 s"
                time.sleep(0.3)
        assert status == 200
        assert "登录".encode() in body
        status, headers, _ = fetch(
            base + "/static/rest_framework/css/bootstrap.min.css", **{"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert headers.get("Server", "").startswith("gunicorn")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert f"党建工作平台已启动：http://127.0.0.1:{port}/" in output
