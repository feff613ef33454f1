"""Second factor (等保 2.0 三级 8.1.4.1 d): TOTP (RFC 6238, pyotp) and recovery codes.

Mandatory for the roles in `roles.MFA_REQUIRED_ROLES`, optional for everyone else. An
account that must use it and has no authenticator yet enrols at its next sign-in; the
安全管理员 resets a lost one (the owner then enrols again). Every change is audited.

- The secret is encrypted at rest (`TotpDevice.secret`, core.crypto).
- A code is accepted once: the time step it belongs to must be later than the last one
  used (`last_used_step`), so a code seen over someone's shoulder cannot be replayed.
- Recovery codes are shown once, stored as keyed digests (`core.crypto.blind_index`, key
  outside the database) and each works once.
- Failures count toward the same django-axes lockout as wrong passwords (see `views_mfa`).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pyotp
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pyotp import utils as otp_utils

from dangjian.audit.services import record
from dangjian.core.bounds import is_digits
from dangjian.core.crypto import blind_index
from dangjian.core.scoping import has_global_perm

from .models import RecoveryCode, TotpDevice, User

ISSUER = "党建工作平台"
STEP_SECONDS = 30
# One step either side: a phone clock off by up to half a minute still works.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Unambiguous lowercase letters and digits (no 0/o, 1/l/i): 10 characters ≈ 50 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

TOTP = "totp"
RECOVERY = "recovery"
# The ValidationError code of a wrong or replayed code (counted toward the lockout).
WRONG_CODE = "wrong_code"
WRONG_CODE_MESSAGE = "验证码不正确或已使用过，请输入验证器上当前显示的 6 位数字。"


def _normalize(code: str) -> str:
    return "".join(ch for ch in str(code).lower() if ch.isalnum())[:32]


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def needs_second_factor(user: User) -> bool:
    """Sign-in asks for a code: the user has an authenticator, or their role requires one."""
    return user.mfa_required() or confirmed_device(user) is not None


# --- enrolment ------------------------------------------------------------------------------


def pending_device(user: User) -> TotpDevice:
    """The authenticator being enrolled: a fresh secret, kept until confirmed (a reload of
    the enrolment page shows the same QR code). Refused when one is already in use."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ValidationError("已启用两步验证；如需更换手机，请联系安全管理员重置。")
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def qr_data_uri(device: TotpDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI, drawn here (no outside service)."""
    qr = segno.make(provisioning_uri(device), error="m")
    return qr.svg_data_uri(scale=5, border=2, dark="#1d273b", light="#ffffff")


def grouped_secret(device: TotpDevice) -> str:
    """The secret in groups of four, for typing into an authenticator by hand."""
    secret = device.secret
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a first code; returns the new recovery codes
    (to show once), or None when the code is wrong."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None or device.confirmed_at is not None:
            return None
        if not _accept_totp(device, code):
            return None
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        codes = _new_recovery_codes(user)
        record("mfa_enrol", user=user, obj=user, detail={"recovery_codes": len(codes)})
    return codes


# --- verification ---------------------------------------------------------------------------


def _accept_totp(device: TotpDevice, code: str) -> bool:
    """Is `code` the device's code for a step near now, later than the last one used?

    The step is claimed with a conditional UPDATE, so two requests racing with the same
    code cannot both succeed.
    """
    code = _normalize(code)
    if len(code) != 6 or not is_digits(code):
        return False
    totp = pyotp.TOTP(device.secret, interval=STEP_SECONDS)
    now_step = totp.timecode(time.time())
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if device.last_used_step is not None and step <= device.last_used_step:
            continue
        if otp_utils.strings_equal(code, totp.generate_otp(step)):
            unused = Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)
            claimed = (
                TotpDevice.objects.filter(unused, pk=device.pk).update(last_used_step=step) == 1
            )
            if claimed:
                device.last_used_step = step
            return claimed
    return False


def _use_recovery_code(user: User, code: str) -> bool:
    code = _normalize(code)
    if len(code) != 10:
        return False
    unused = RecoveryCode.objects.filter(user=user, digest=blind_index(code), used_at__isnull=True)
    return unused.update(used_at=timezone.now()) == 1


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: a TOTP code or a recovery code. Returns which, or None."""
    device = confirmed_device(user)
    if device is None:
        return None
    if _accept_totp(device, code):
        return TOTP
    if _use_recovery_code(user, code):
        return RECOVERY
    return None


# --- recovery codes -------------------------------------------------------------------------


def _new_recovery_codes(user: User) -> list[str]:
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=blind_index(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New codes replace the old ones; proven with a current authenticator code."""
    device = confirmed_device(user)
    if device is None:
        raise ValidationError("尚未启用两步验证。")
    if not _accept_totp(device, code):
        raise ValidationError(WRONG_CODE_MESSAGE, code=WRONG_CODE)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record("mfa_recovery_codes", user=user, obj=user, detail={"count": len(codes)})
    return codes


# --- turning it off -------------------------------------------------------------------------


def disable(user: User, code: str) -> None:
    """The owner turns the optional second factor off, proven with a current code."""
    if user.mfa_required():
        raise ValidationError("您的角色须使用两步验证，不能关闭。")
    device = confirmed_device(user)
    if device is None:
        raise ValidationError("尚未启用两步验证。")
    if not _accept_totp(device, code):
        raise ValidationError(WRONG_CODE_MESSAGE, code=WRONG_CODE)
    with transaction.atomic():
        _remove(user)
        record("mfa_disable", user=user, obj=user)


def reset(actor: Any, user: User) -> None:
    """The 安全管理员 clears a lost authenticator; the owner enrols again at the next sign-in."""
    if not has_global_perm(actor, "accounts.reset_mfa"):
        raise PermissionDenied("您没有执行此操作的权限。")
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        raise ValidationError("不能重置自己的两步验证，请由另一位安全管理员操作。")
    if not TotpDevice.objects.filter(user=user).exists():
        raise ValidationError("该用户尚未启用两步验证，无需重置。")
    with transaction.atomic():
        _remove(user)
        record("mfa_reset", user=actor, obj=user)


def _remove(user: User) -> None:
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
