"""Two-step sign-in in a real browser: an administrator enrols at first sign-in by "scanning"
(reading the secret shown beside the QR code, as a phone's authenticator would) and signs in
again later with a code. Screenshots at 1366 and 390 px wide go to test-output/."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Adm1n!e2e-pass"


def _password_step(page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def _code(secret: str, used_step: int | None) -> tuple[str, int]:
    """What the phone shows: the current code, or the next one when this 30 s step was used."""
    import pyotp

    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    if used_step is not None and step <= used_step:
        step = used_step + 1
    return totp.generate_otp(step), step


def _csp_watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return problems


@pytest.mark.parametrize(("width", "role"), [(1366, "committee_admin"), (390, "security_admin")])
def test_enrol_then_sign_in_with_a_code(
    live_server, browser, tree, make_user, screenshot, width, role
):
    from playwright.sync_api import expect

    from dangjian.accounts.models import TotpDevice

    org = tree.root if role == "committee_admin" else None
    user = make_user(role, org, username="admin_e2e", password=PASSWORD)
    base = live_server.url
    viewport = {"width": width, "height": 900 if width > 800 else 844}

    # --- first sign-in: the password, then the enrolment page ------------------------------
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    csp_errors = _csp_watch(page)
    _password_step(page, base, "admin_e2e")
    assert page.url.endswith(reverse("accounts:login_enrol"))
    qr = page.locator("img.dj-totp-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('img.dj-totp-qr').naturalWidth") > 0
    # Not signed in yet: the API answers as to a stranger.
    assert page.request.get(base + "/api/users/").status == 401
    screenshot(page, f"mfa-enrol-{width}")

    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    assert secret == TotpDevice.objects.get(user=user).secret  # what the QR code carries
    page.fill("input[name=code]", "000000")
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    expect(page.locator(".alert-danger")).to_contain_text("验证码不正确")
    code, used = _code(secret, None)
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    screenshot(page, f"mfa-recovery-{width}")
    with page.expect_navigation():
        page.click("#recovery-continue")
    assert reverse("accounts:login") not in page.url
    assert page.request.get(base + "/api/users/").status in (200, 403)  # signed in now
    context.close()

    # --- a later sign-in: password, then the code from the phone ----------------------------
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    csp_errors += _csp_watch(page)
    _password_step(page, base, "admin_e2e")
    assert page.url.endswith(reverse("accounts:login_otp"))
    expect(page.locator("h2")).to_have_text("两步验证")
    screenshot(page, f"mfa-otp-{width}")
    code, _ = _code(secret, used)
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    assert reverse("accounts:login") not in page.url
    expect(page.locator(".dj-navbar")).to_be_visible()
    context.close()
    assert csp_errors == []
