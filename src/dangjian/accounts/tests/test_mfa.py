"""Deliver 7: TOTP for administrators (等保 2.0 三级 8.1.4.1 d). Password first, then the
code; Django's login() only after both, so a half-signed-in user reaches nothing."""

import re
import time

import pyotp
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from dangjian.accounts import mfa, services, signin
from dangjian.accounts.models import RecoveryCode, TotpDevice, User
from dangjian.accounts.roles import ROLES
from dangjian.accounts.views import lockout_message
from dangjian.core.scoping import SYSTEM

from .conftest import PASSWORD
from .totp import code_for, enrol

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OTP = reverse("accounts:login_otp")
ENROL = reverse("accounts:login_enrol")


def password_step(client, username, password=PASSWORD, next_url="/accounts/password/"):
    return client.post(LOGIN, {"username": username, "password": password, "next": next_url})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def next_step(monkeypatch):
    """next_step() moves the authenticator clock on by 30 s (a user waiting for a new code)."""
    from types import SimpleNamespace

    from . import totp as helpers

    offset = [0.0]
    fake = SimpleNamespace(time=lambda: time.time() + offset[0])
    monkeypatch.setattr(mfa, "time", fake)
    monkeypatch.setattr(helpers, "time", fake)

    def advance():
        offset[0] += mfa.STEP_SECONDS

    return advance


@pytest.fixture
def gw(tree, make_user):
    return make_user("committee_admin", tree.root, username="gw")


# --- who must use it ---------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLES))
def test_mandatory_for_the_committee_admin_and_the_three_separated_roles(
    client, tree, make_user, role
):
    org = None if ROLES[role].is_global else tree.root
    user = make_user(role, org, username="u")
    resp = password_step(client, "u")
    required = role in {"committee_admin", "system_admin", "security_admin", "audit_admin"}
    assert user.mfa_required() == required
    if required:
        assert resp.status_code == 302 and resp["Location"] == OTP
        assert not signed_in(client)
    else:
        assert resp.status_code == 302 and signed_in(client)


# --- the half-signed-in user ---------------------------------------------------------------


def test_after_the_password_alone_nothing_is_reachable(client, gw):
    anonymous_key = client.session.session_key
    assert password_step(client, "gw")["Location"] == OTP
    assert client.session.session_key != anonymous_key  # new session id for the pending state
    assert not signed_in(client)
    assert client.get("/api/members/").status_code == 401
    assert client.get("/api/users/").status_code == 401
    for url in ("/", reverse("members:member_list"), reverse("accounts:password_change")):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(LOGIN), url


def test_enrolment_at_first_sign_in(client, gw, events):
    password_step(client, "gw")
    assert client.get(OTP)["Location"] == ENROL
    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    # the QR code is drawn here and inlined; nothing is fetched from elsewhere
    assert re.search(r'<img src="data:image/svg\+xml;charset=utf-8,[^"]+"', html)
    assert "http://" not in html.split("<img", 1)[1].split(">", 1)[0]
    device = TotpDevice.objects.get(user=gw)
    assert device.confirmed_at is None
    assert device.secret[:4] in html  # shown grouped, for typing by hand

    wrong = client.post(ENROL, {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert not signed_in(client)
    (failure,) = events("login_failed")
    assert failure.detail == {"attempted_username": "gw", "factor": "otp"}

    done = client.post(ENROL, {"code": code_for(gw)})
    assert done.status_code == 200 and signed_in(client)
    codes = re.findall(
        r"<code class=\"fs-3\">([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode()
    )
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "/accounts/password/" in done.content.decode()  # the continue link keeps `next`
    (login_event,) = events("login")
    assert login_event.detail == {"second_factor": "totp"}
    assert len(events("mfa_enrol")) == 1
    assert client.get("/api/members/").status_code == 200


def test_secret_encrypted_and_recovery_codes_hashed_at_rest(gw):
    codes = enrol(gw)
    secret = TotpDevice.objects.get(user=gw).secret
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM accounts_totpdevice WHERE user_id = %s", [gw.pk])
        (raw,) = cur.fetchone()
        cur.execute("SELECT digest FROM accounts_recoverycode WHERE user_id = %s", [gw.pk])
        digests = {row[0] for row in cur.fetchall()}
    assert raw != secret and secret not in raw and raw.startswith("gAAAA")  # Fernet
    assert len(digests) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert all(plain not in d and code not in d for d in digests)


def test_later_sign_in_with_the_code_and_no_replay(client, gw, events):
    enrol(gw)
    assert password_step(client, "gw")["Location"] == OTP
    assert client.get(OTP).status_code == 200
    code = code_for(gw)
    resp = client.post(OTP, {"code": code})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/password/"
    assert signed_in(client) and client.session[signin.FACTOR_KEY] == "totp"
    client.logout()
    password_step(client, "gw")
    again = client.post(OTP, {"code": code})
    assert again.status_code == 200 and not signed_in(client)
    assert "已使用过" in again.content.decode()


def test_recovery_code_works_once(client, gw, events):
    codes = enrol(gw)
    password_step(client, "gw")
    resp = client.post(OTP, {"code": codes[3].upper().replace("-", " ")})
    assert resp.status_code == 302 and signed_in(client)
    assert events("login")[-1].detail == {"second_factor": "recovery"}
    assert RecoveryCode.objects.filter(user=gw, used_at__isnull=True).count() == 9
    client.logout()
    password_step(client, "gw")
    assert client.post(OTP, {"code": codes[3]}).status_code == 200
    assert not signed_in(client)


def test_pending_sign_in_expires(client, gw):
    enrol(gw)
    password_step(client, "gw")
    session = client.session
    session[signin.PENDING_KEY]["at"] -= signin.PENDING_TTL + 1
    session.save()
    resp = client.post(OTP, {"code": code_for(gw)})
    assert resp.status_code == 302 and "reason=mfa_timeout" in resp["Location"]
    assert not signed_in(client)
    assert "验证已超时" in client.get(resp["Location"]).content.decode()


def test_otp_pages_need_a_pending_sign_in(client):
    for url in (OTP, ENROL):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(LOGIN)


def test_disabled_while_pending(client, gw):
    enrol(gw)
    password_step(client, "gw")
    User.objects.filter(pk=gw.pk).update(is_active=False)
    assert client.post(OTP, {"code": code_for(gw)}).status_code == 302
    assert not signed_in(client)


# --- lockout -------------------------------------------------------------------------------


def test_wrong_codes_count_toward_the_password_lockout(client, gw, events):
    enrol(gw)
    password_step(client, "gw")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        resp = client.post(OTP, {"code": "123456"})
        assert resp.status_code == 200 and "验证码不正确" in resp.content.decode()
    fifth = client.post(OTP, {"code": "123456"})
    assert fifth.status_code == 403 and lockout_message() in fifth.content.decode()
    assert not signed_in(client)
    # locked: even the right password and the right code are refused now
    assert password_step(client, "gw").status_code == 403
    assert not signed_in(client)
    assert events("lockout")


def test_password_and_code_failures_add_up(client, gw):
    enrol(gw)
    for _ in range(2):
        assert password_step(client, "gw", "Wrong!pass99").status_code == 200
    password_step(client, "gw")
    for _ in range(2):
        assert client.post(OTP, {"code": "123456"}).status_code == 200
    assert client.post(OTP, {"code": "123456"}).status_code == 403
    assert password_step(client, "gw").status_code == 403


def test_a_locked_account_cannot_finish_a_pending_sign_in(client, gw):
    enrol(gw)
    password_step(client, "gw")
    other = client.__class__()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        other.post(LOGIN, {"username": "gw", "password": "Wrong!pass99"})
    resp = client.post(OTP, {"code": code_for(gw)})
    assert resp.status_code == 403 and not signed_in(client)


def test_success_clears_earlier_failures(client, gw):
    enrol(gw)
    password_step(client, "gw")
    for _ in range(3):
        client.post(OTP, {"code": "123456"})
    assert client.post(OTP, {"code": code_for(gw)}).status_code == 302
    client.logout()
    password_step(client, "gw")
    for _ in range(3):
        assert client.post(OTP, {"code": "123456"}).status_code == 200


# --- optional for others, self service ---------------------------------------------------------


def test_optional_enrolment_then_asked_at_sign_in_then_turned_off(
    client, tree, make_user, events, next_step
):
    user = make_user("branch_secretary", tree.branch_a, username="sec")
    assert password_step(client, "sec").status_code == 302 and signed_in(client)
    page = client.get(reverse("accounts:mfa"))
    assert page.status_code == 200 and "启用两步验证" in page.content.decode()
    done = client.post(reverse("accounts:mfa"), {"action": "enrol", "code": code_for(user)})
    assert done.status_code == 200 and "恢复码" in done.content.decode()
    client.logout()
    assert password_step(client, "sec")["Location"] == OTP
    assert client.post(OTP, {"code": code_for(user)}).status_code == 302
    next_step()
    off = client.post(reverse("accounts:mfa"), {"action": "disable", "code": code_for(user)})
    assert off.status_code == 302 and not TotpDevice.objects.filter(user=user).exists()
    assert len(events("mfa_disable")) == 1
    client.logout()
    assert password_step(client, "sec").status_code == 302 and signed_in(client)


def test_required_roles_cannot_turn_it_off(client, gw):
    enrol(gw)
    client.force_login(gw)
    resp = client.post(reverse("accounts:mfa"), {"action": "disable", "code": code_for(gw)})
    assert resp.status_code == 200 and "不能关闭" in resp.content.decode()
    assert TotpDevice.objects.filter(user=gw, confirmed_at__isnull=False).exists()


def test_regenerate_recovery_codes(client, gw, events):
    old = enrol(gw)
    client.force_login(gw)
    bad = client.post(reverse("accounts:mfa"), {"action": "regenerate", "code": "000000"})
    assert "验证码不正确" in bad.content.decode()
    resp = client.post(reverse("accounts:mfa"), {"action": "regenerate", "code": code_for(gw)})
    new = re.findall(
        r"<code class=\"fs-3\">([a-z0-9]{5}-[a-z0-9]{5})</code>", resp.content.decode()
    )
    assert len(set(new)) == 10 and not set(new) & set(old)
    assert len(events("mfa_recovery_codes")) == 1
    client.logout()
    password_step(client, "gw")
    assert client.post(OTP, {"code": old[0]}).status_code == 200  # old codes are void
    assert client.post(OTP, {"code": new[0]}).status_code == 302


def test_a_role_that_needs_mfa_ends_a_session_signed_in_without_it(client, tree, make_user):
    user = make_user("branch_secretary", tree.branch_a, username="sec")
    password_step(client, "sec")
    assert client.get("/api/members/").status_code == 200
    services.grant_role(SYSTEM, user, "committee_admin", tree.root)
    api = client.get("/api/members/")
    assert api.status_code == 403 and "两步验证" in api.json()["detail"]
    assert not signed_in(client)
    password_step(client, "sec")
    assert not signed_in(client) and client.get(OTP)["Location"] == ENROL


# --- reset by the 安全管理员 ----------------------------------------------------------------


def test_security_admin_resets_and_the_user_enrols_again(client, gw, make_user, events):
    enrol(gw)
    secadmin = make_user("security_admin", username="anquan")
    client.force_login(secadmin)
    page = client.get(reverse("accounts:user_detail", args=[gw.pk])).content.decode()
    assert "已启用" in page and reverse("accounts:user_mfa_reset", args=[gw.pk]) in page
    resp = client.post(reverse("accounts:user_mfa_reset", args=[gw.pk]))
    assert resp.status_code == 302
    assert not TotpDevice.objects.filter(user=gw).exists()
    assert not RecoveryCode.objects.filter(user=gw).exists()
    (event,) = events("mfa_reset")
    assert event.actor_name == "anquan" and event.object_id == str(gw.pk)
    client.logout()
    password_step(client, "gw")
    assert client.get(OTP)["Location"] == ENROL


@pytest.mark.parametrize("role", ["system_admin", "audit_admin", "committee_admin"])
def test_only_the_security_admin_resets(client, tree, gw, make_user, role):
    enrol(gw)
    client.force_login(make_user(role, None if ROLES[role].is_global else tree.root))
    assert client.post(reverse("accounts:user_mfa_reset", args=[gw.pk])).status_code == 403
    assert TotpDevice.objects.filter(user=gw).exists()


def test_security_admin_cannot_reset_their_own(client, make_user):
    secadmin = make_user("security_admin", username="anquan")
    enrol(secadmin)
    client.force_login(secadmin)
    resp = client.post(reverse("accounts:user_mfa_reset", args=[secadmin.pk]), follow=True)
    assert "不能重置自己的两步验证" in resp.content.decode()
    assert TotpDevice.objects.filter(user=secadmin).exists()


def test_codes_from_the_next_step_are_accepted_once(gw):
    """Clock skew of one step either way is tolerated; each step is used at most once."""
    enrol(gw)
    device = TotpDevice.objects.get(user=gw)
    totp = pyotp.TOTP(device.secret)
    step = totp.timecode(time.time())
    later = totp.generate_otp(step + 1)
    assert mfa.verify(gw, later) == mfa.TOTP
    assert mfa.verify(gw, later) is None
    assert mfa.verify(gw, totp.generate_otp(step)) is None  # an earlier step after a later one
    assert mfa.verify(gw, totp.generate_otp(step + 5)) is None  # too far ahead


def test_failed_codes_are_not_kept_in_the_lockout_records(client, gw):
    from axes.models import AccessAttempt

    codes = enrol(gw)
    password_step(client, "gw")
    typo = codes[0][:-1] + ("x" if codes[0][-1] != "x" else "y")
    assert client.post(OTP, {"code": typo}).status_code == 200
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert stored and typo not in stored


def test_operator_resets_from_the_command_line(gw, capsys, events):
    from django.core.management import CommandError, call_command

    enrol(gw)
    call_command("mfa", "reset", "gw")
    assert "已重置" in capsys.readouterr().out
    assert not TotpDevice.objects.filter(user=gw).exists()
    (event,) = events("mfa_reset")
    assert event.actor_name == "system" and event.channel == "cli"
    with pytest.raises(CommandError, match="尚未启用"):
        call_command("mfa", "reset", "gw")
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("mfa", "reset", "nobody")


def test_demo_administrators_enrol_at_first_sign_in(client):
    """`dangjian demo`: the admin accounts sign in by enrolling; the others as before."""
    import datetime as dt
    import io

    from django.core.management import call_command

    call_command("demo", scale="tiny", today=dt.date(2025, 6, 1), verbosity=0, stdout=io.StringIO())
    demo_password = "Demo@2024"  # published in the README's demo-account table
    for username in ("gongwei", "xitong", "anquan", "shenji"):
        user = User.objects.get(username=username)
        assert password_step(client, username, demo_password)["Location"] == OTP
        assert client.get(OTP)["Location"] == ENROL
        client.get(ENROL)
        assert client.post(ENROL, {"code": code_for(user)}).status_code == 200
        assert signed_in(client), username
        client.logout()
    assert password_step(client, "shuji", demo_password).status_code == 302
    assert signed_in(client)
