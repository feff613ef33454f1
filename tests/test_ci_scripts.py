"""`.ci/test-databases` (the pytest half of `make test`) and `.ci/run`: skips, requirements, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_postgres(tmp_path) -> dict[str, str]:
    """An environment in which pg_isready says no server answers on 127.0.0.1:5432."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_isready"
    fake.write_text("#!/bin/sh\nexit 2\n")
    fake.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DANGJIAN_REQUIRE", "DANGJIAN_TEST_POSTGRES"))
    }
    env.update(
        PATH=f"{bin_dir}:{env['PATH']}",
        VENV=str(Path(sys.executable).parent.parent),
        DANGJIAN_DATA_DIR=str(tmp_path / "data"),
        PYTEST_ARGS="-k no_test_has_this_name",  # collect everything, run nothing
        PYTEST_WORKERS="0",
    )
    return env


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", ".ci/test-databases"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_missing_postgres_is_skipped_with_a_message(no_postgres):
    result = run_script(no_postgres)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL 不可用：已跳过 PostgreSQL 测试" in result.stdout
    summary = result.stdout.split("==== 测试汇总 ====")[1]
    assert "SQLite：未选中任何测试" in summary and "deselected" in summary
    assert "PostgreSQL：已跳过" in summary


def test_missing_postgres_fails_when_required(no_postgres):
    result = run_script(no_postgres | {"DANGJIAN_REQUIRE_POSTGRES": "1"})
    assert result.returncode == 1
    assert "PostgreSQL：失败：不可用" in result.stdout


def test_ci_scripts_are_valid_shell():
    assert subprocess.run(["bash", "-n", ".ci/run"], cwd=ROOT, check=False).returncode == 0
    assert subprocess.run(["sh", "-n", ".ci/test-databases"], cwd=ROOT, check=False).returncode == 0
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
