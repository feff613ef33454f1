"""Test helpers: compute TOTP codes from the stored secret, as a user's phone would.

Used by the accounts tests, the browser tests (tests/e2e) and anything else that signs
in through the real login form as an administrator.
"""

from __future__ import annotations

import time

import pyotp
from django.urls import reverse

from dangjian.accounts import mfa
from dangjian.accounts.models import TotpDevice


def code_for(user) -> str:
    """A code the device accepts now: the current step's, or the next one's when the
    current step was already used (a second sign-in within 30 seconds)."""
    device = TotpDevice.objects.get(user=user)
    totp = pyotp.TOTP(device.secret, interval=mfa.STEP_SECONDS)
    step = totp.timecode(time.time())
    if device.last_used_step is not None and step <= device.last_used_step:
        step = device.last_used_step + 1
    return totp.generate_otp(step)


def enrol(user) -> list[str]:
    """Give `user` a confirmed authenticator; returns the recovery codes."""
    mfa.pending_device(user)
    codes = mfa.confirm_enrolment(user, code_for(user))
    assert codes is not None
    return codes


def complete_second_factor(client, user):
    """After the password step: enrol when due, else enter the current code."""
    if not TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        client.get(reverse("accounts:login_enrol"))  # the page creates the secret
        return client.post(reverse("accounts:login_enrol"), {"code": code_for(user)})
    return client.post(reverse("accounts:login_otp"), {"code": code_for(user)})


def finish_browser_sign_in(page, username: str) -> None:
    """In a browser (Playwright), after the password step: enrol or enter the code, computed
    from the stored secret, and continue past the recovery codes. No-op when none is due."""
    from dangjian.accounts.models import User

    if not any(page.url.split("?")[0].endswith(p) for p in ("/login/verify/", "/login/enrol/")):
        return
    user = User.objects.get(username=username)
    page.fill("input[name=code]", code_for(user))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    if page.locator("#recovery-continue").count():
        with page.expect_navigation():
            page.click("#recovery-continue")
