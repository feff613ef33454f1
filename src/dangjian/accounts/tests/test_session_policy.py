"""Hole 4: the session policy (forced password change, password age, account expiry) holds
for session-authenticated API calls and for API tokens, not only for pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.accounts import services
from dangjian.accounts.models import User
from dangjian.core.scoping import SYSTEM
from dangjian.members.tests.factories import MemberFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

MEMBERS = "/api/members/"


@pytest.fixture
def members(tree):
    return [MemberFactory(org=tree.branch_a, name=f"党员{i}") for i in range(3)]


def _must_change(user):
    User.objects.filter(pk=user.pk).update(must_change_password=True)


def _password_expired(user):
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=400)
    )


def _account_expired(user):
    User.objects.filter(pk=user.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))


PENDING = {"must_change": _must_change, "password_expired": _password_expired}


@pytest.mark.parametrize("state", sorted(PENDING))
def test_session_api_call_with_a_pending_password_change_is_403(
    client, tree, members, make_user, login, state
):
    user = make_user("committee_admin", tree.root, username="gw")
    assert login("gw").status_code == 302  # signs in through the real form (no MFA device)
    assert client.get(MEMBERS).status_code == 200
    PENDING[state](user)
    resp = client.get(MEMBERS)
    assert resp.status_code == 403
    assert resp["Content-Type"].startswith("application/json")
    assert "请先修改密码" in resp.json()["detail"]
    assert "党员0" not in resp.content.decode()
    # pages still go to the password change page, which stays reachable
    page = client.get(reverse("members:member_list"))
    assert page.status_code == 302 and page["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_after_changing_the_password_the_api_answers(client, tree, members, make_user, login):
    user = make_user("committee_admin", tree.root, username="gw")
    _must_change(user)
    login("gw")
    assert client.get(MEMBERS).status_code == 403
    resp = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "New!pass2024",
            "new_password2": "New!pass2024",
        },
    )
    assert resp.status_code == 302
    assert client.get(MEMBERS).status_code == 200


@pytest.mark.parametrize("state", sorted(PENDING))
def test_no_token_for_a_pending_password_change(make_user, state):
    user = make_user(username="carol")
    PENDING[state](user)
    user.refresh_from_db()
    with pytest.raises(ValidationError, match="修改密码"):
        services.create_token(SYSTEM, user)
    with pytest.raises(CommandError, match="修改密码"):
        call_command("token", "create", "carol")
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.parametrize("state", sorted(PENDING))
def test_an_existing_token_stops_working_while_a_change_is_pending(
    client, tree, members, make_user, state
):
    user = make_user("committee_admin", tree.root)
    key = services.create_token(SYSTEM, user).key
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get(MEMBERS, **auth).status_code == 200
    PENDING[state](user)
    resp = client.get(MEMBERS, **auth)
    assert resp.status_code == 403
    assert "请先修改密码" in resp.json()["detail"]


# --- account expiry ---------------------------------------------------------------------


def test_expired_account_cannot_log_in(client, make_user, login, events):
    user = make_user(username="temp")
    _account_expired(user)
    resp = login("temp")
    assert resp.status_code == 200
    assert "账号已过有效期" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    (event,) = events("login_failed")
    assert event.detail == {"attempted_username": "temp", "reason": "account_expired"}


def test_account_valid_through_its_last_day(client, make_user, login):
    user = make_user(username="temp")
    User.objects.filter(pk=user.pk).update(expires_on=timezone.localdate())
    assert login("temp", next_url="/accounts/password/").status_code == 302


def test_expired_account_session_ends_on_pages_and_api(client, tree, members, make_user, events):
    user = make_user("committee_admin", tree.root)
    client.force_login(user)
    assert client.get(MEMBERS).status_code == 200
    _account_expired(user)
    resp = client.get(MEMBERS)
    assert resp.status_code == 403 and "账号已过有效期" in resp.json()["detail"]
    assert "_auth_user_id" not in client.session
    client.force_login(user)
    page = client.get(reverse("members:member_list"))
    assert page.status_code == 302 and "reason=expired" in page["Location"]
    assert "账号已过有效期" in client.get(page["Location"]).content.decode()
    assert [e.detail for e in events("logout")] == [{"reason": "expired"}] * 2


def test_expired_account_gets_no_token_and_its_token_fails(client, tree, members, make_user):
    user = make_user("committee_admin", tree.root, username="temp")
    key = services.create_token(SYSTEM, user).key
    _account_expired(user)
    resp = client.get(MEMBERS, HTTP_AUTHORIZATION=f"Token {key}")
    assert resp.status_code == 401 and "账号已过有效期" in resp.json()["detail"]
    user.refresh_from_db()
    with pytest.raises(ValidationError, match="有效期"):
        services.create_token(SYSTEM, user)


def test_disabled_account_gets_no_token_and_its_token_fails(client, tree, members, make_user):
    user = make_user("committee_admin", tree.root, username="temp")
    key = services.create_token(SYSTEM, user).key
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(MEMBERS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    user.refresh_from_db()
    with pytest.raises(ValidationError, match="停用"):
        services.create_token(SYSTEM, user)


def test_system_admin_sets_and_clears_the_expiry(client, sysadmin, make_user, events):
    target = make_user(username="temp")
    client.force_login(sysadmin)
    url = reverse("accounts:user_expiry", args=[target.pk])
    resp = client.post(url, {"expires_on": "2031-06-30"})
    assert resp.status_code == 302
    target.refresh_from_db()
    assert target.expires_on == dt.date(2031, 6, 30)
    (update,) = events("update")
    assert update.before["expires_on"] is None and update.after["expires_on"] == "2031-06-30"
    detail = client.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    assert "2031-06-30" in detail
    bad = client.post(url, {"expires_on": "2031-02-30"}, follow=True)
    assert "日期" in bad.content.decode()
    client.post(url, {"expires_on": ""})
    target.refresh_from_db()
    assert target.expires_on is None


def test_security_admin_cannot_set_the_expiry(client, make_user):
    target = make_user()
    client.force_login(make_user("security_admin"))
    url = reverse("accounts:user_expiry", args=[target.pk])
    assert client.post(url, {"expires_on": "2031-06-30"}).status_code == 403


def test_api_sets_the_expiry_and_range_checks_it(client, sysadmin, make_user):
    target = make_user()
    client.force_login(sysadmin)
    url = f"/api/users/{target.pk}/"
    resp = client.patch(url, {"expires_on": "2031-06-30"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["expires_on"] == "2031-06-30"
    bad = client.patch(url, {"expires_on": "99999-01-01"}, content_type="application/json")
    assert bad.status_code == 400


def _api_views():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if route.startswith("api/") and cls is not None:
            yield route, cls


def test_every_api_view_authenticates_tokens_through_the_policy():
    """A view with its own authentication_classes must not bring back DRF's plain token check."""
    from rest_framework.authentication import TokenAuthentication

    from dangjian.accounts.authentication import PolicyTokenAuthentication

    views = list(_api_views())
    assert len(views) > 10
    bypass = [
        route
        for route, cls in views
        for auth in getattr(cls, "authentication_classes", ())
        if issubclass(auth, TokenAuthentication) and not issubclass(auth, PolicyTokenAuthentication)
    ]
    assert bypass == []


def test_token_policy_holds_on_views_with_their_own_authentication(client, tree, make_user):
    user = make_user("committee_admin", tree.root)
    key = services.create_token(SYSTEM, user).key
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    urls = ["/api/rules/", "/api/metrics/"]
    for url in urls:
        assert client.get(url, **auth).status_code == 200, url
    _must_change(user)
    for url in urls:
        assert client.get(url, **auth).status_code == 403, url
