"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here (DESIGN §2): it launches /usr/bin/chromium. When
Chromium is missing the tests skip with a message — or fail, when DANGJIAN_REQUIRE_BROWSER=1
(CI), so a missing browser can never pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# and by live_server around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def browser_required() -> bool:
    return os.environ.get("DANGJIAN_REQUIRE_BROWSER", "0") == "1"


def unavailable(reason: str):
    message = f"浏览器测试无法运行：{reason}"
    if browser_required():
        pytest.fail(message + "（DANGJIAN_REQUIRE_BROWSER=1）", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"未找到 {CHROMIUM}（Debian/Ubuntu：apt-get install chromium fonts-noto-cjk）")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("未安装 playwright（pip install -e '.[dev]'）")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name) → saves test-output/<name>.png (full page) and returns the path."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = OUTPUT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in():
    """sign_in(page, base_url, username, password): the real login form, then the second
    factor when the role requires one (enrolling on first use, the code computed from the
    stored secret as the phone would)."""
    from django.urls import reverse

    from dangjian.accounts.tests.totp import finish_browser_sign_in

    def do(page, base_url: str, username: str, password: str) -> None:
        page.goto(base_url + reverse("accounts:login"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        finish_browser_sign_in(page, username)

    return do
