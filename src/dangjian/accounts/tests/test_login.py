import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from dangjian.accounts.middleware import ACTIVITY_WRITE_EVERY, LAST_ACTIVITY_KEY
from dangjian.accounts.views import lockout_message

from .conftest import PASSWORD, stored

pytestmark = pytest.mark.django_db

WRONG = "Wrong!pass99"


def test_login_rotates_session_and_is_audited(client, make_user, login, events):
    make_user(username="alice")
    session = client.session
    session["probe"] = 1
    session.save()
    anonymous_key = session.session_key
    resp = login("alice", next_url="/accounts/password/")
    assert resp.status_code == 302
    assert client.session.session_key != anonymous_key
    assert client.session["_auth_user_id"]
    (event,) = events("login")
    assert event.outcome == "success" and event.actor_name == "alice"
    assert event.source_address == "127.0.0.1" and event.request_id and event.channel == "web"


def test_login_page_renders_in_chinese(client):
    resp = client.get(reverse("accounts:login"))
    assert resp.status_code == 200
    assert "登录" in resp.content.decode()


def test_failed_login_is_audited_without_the_password(client, make_user, login, events):
    make_user(username="alice")
    resp = login("alice", WRONG)
    assert resp.status_code == 200
    assert "用户名或密码不正确" in resp.content.decode()
    (event,) = events("login_failed")
    assert event.outcome == "failure"
    assert event.actor_name == "alice" and event.actor_id is None
    assert event.detail == {"attempted_username": "alice"}
    assert WRONG not in stored(event)
    assert "*****" not in stored(event)


def test_unknown_and_disabled_users_get_the_same_message(client, make_user, login):
    make_user(username="bob", is_active=False)
    texts = [login(name).content.decode() for name in ("bob", "nobody")]
    for text in texts:
        assert "用户名或密码不正确" in text
    assert "_auth_user_id" not in client.session


def test_logout_is_audited(client, make_user, login, events):
    make_user(username="alice")
    login("alice", next_url="/accounts/password/")
    resp = client.post(reverse("accounts:logout"))
    assert resp.status_code == 302 and resp["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    (event,) = events("logout")
    assert event.actor_name == "alice" and event.detail == {"reason": "user"}


def _lock(login, username):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        resp = login(username, WRONG)
        assert resp.status_code == 200 and "用户名或密码不正确" in resp.content.decode()
    return login(username, WRONG)  # the fifth failure locks


@pytest.mark.parametrize("exists", [True, False], ids=["existing-user", "unknown-user"])
def test_lockout_after_five_failures(client, make_user, login, events, exists):
    if exists:
        make_user(username="carol")
    fifth = _lock(login, "carol")
    assert fifth.status_code == 403
    assert lockout_message() in fifth.content.decode()
    assert "15 分钟" in lockout_message()
    # even the right password is refused while locked
    resp = login("carol", PASSWORD)
    assert resp.status_code == 403 and lockout_message() in resp.content.decode()
    assert "_auth_user_id" not in client.session
    lockouts = events("lockout")
    assert lockouts and all(e.detail == {"attempted_username": "carol"} for e in lockouts)
    assert len(events("login_failed")) == 6


def test_lockout_page_does_not_reveal_whether_the_user_exists(client, make_user, login):
    make_user(username="carol")
    pages = [_lock(login, name) for name in ("carol", "nobody")]
    assert pages[0].status_code == pages[1].status_code == 403
    # identical but for the per-request CSRF tokens
    bodies = [re.sub(r"[A-Za-z0-9]{64}", "TOKEN", p.content.decode()) for p in pages]
    assert bodies[0] == bodies[1]
    assert "carol" not in bodies[0] and "nobody" not in bodies[1]


def test_security_admin_unlocks(client, make_user, login, events):
    make_user(username="carol")
    _lock(login, "carol")
    from dangjian.accounts.models import User

    carol = User.objects.get(username="carol")
    secadmin = make_user("security_admin")
    client.force_login(secadmin)
    page = client.get(reverse("accounts:user_detail", args=[carol.pk]))
    assert "已锁定" in page.content.decode() and "解除锁定" in page.content.decode()
    resp = client.post(reverse("accounts:user_unlock", args=[carol.pk]))
    assert resp.status_code == 302
    (event,) = events("unlock")
    assert event.actor_name == secadmin.username and event.object_id == str(carol.pk)
    assert event.detail["attempts_cleared"] >= 1
    client.logout()
    assert login("carol", next_url="/accounts/password/").status_code == 302


def test_system_admin_cannot_unlock(client, make_user, sysadmin):
    target = make_user()
    client.force_login(sysadmin)
    assert client.post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 403


def _age_session(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


def test_idle_session_is_logged_out(client, sysadmin, events):
    client.force_login(sysadmin)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)
    url = reverse("accounts:user_list")
    resp = client.get(url)
    assert resp.status_code == 302
    assert (
        resp["Location"].startswith(reverse("accounts:login")) and "reason=idle" in resp["Location"]
    )
    (event,) = events("logout")
    assert event.detail == {"reason": "idle"} and event.actor_name == "sysadmin"
    assert client.get(url).status_code == 302  # anonymous now
    notice = client.get(resp["Location"]).content.decode()
    assert "长时间未操作" in notice


def test_active_session_stays(client, sysadmin, events):
    client.force_login(sysadmin)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 2
    assert not events("logout")


def test_idle_api_session_gets_401_not_a_redirect(client, sysadmin):
    client.force_login(sysadmin)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)
    assert client.get("/api/users/").status_code in (401, 403)
    assert "_auth_user_id" not in client.session


def test_recent_activity_is_not_written_on_every_request(client, sysadmin):
    """Within a minute of the recorded activity a page leaves the session as it is: no
    UPDATE of the session row, no new cookie."""
    client.force_login(sysadmin)
    _age_session(client, 10)
    recorded = client.session[LAST_ACTIVITY_KEY]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse("accounts:user_list"))
    assert resp.status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == recorded
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"] and "session" in q["sql"]]
    assert settings.SESSION_COOKIE_NAME not in resp.cookies


def test_activity_older_than_a_minute_is_written(client, sysadmin):
    client.force_login(sysadmin)
    _age_session(client, ACTIVITY_WRITE_EVERY + 1)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 2


def test_idle_timeout_counts_from_the_last_written_activity(client, sysadmin, monkeypatch):
    """Requests that do not rewrite the activity do not stretch the idle timeout: a session
    whose recorded activity is older than the timeout ends, although it was in use less than a
    minute after that record."""
    from dangjian.accounts import middleware

    client.force_login(sysadmin)
    start = int(time.time())
    _age_session(client, 0)
    url = reverse("accounts:user_list")
    clock = {"now": start + ACTIVITY_WRITE_EVERY - 1}
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: clock["now"]))
    assert client.get(url).status_code == 200  # not written: under a minute
    assert client.session[LAST_ACTIVITY_KEY] <= start + 1
    clock["now"] = start + settings.SESSION_IDLE_TIMEOUT + 2
    resp = client.get(url)
    assert resp.status_code == 302 and "reason=idle" in resp["Location"]
