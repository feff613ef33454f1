import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import services
from dangjian.accounts.models import PasswordHistory, User
from dangjian.accounts.validators import CharacterClassValidator, character_classes

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abcdefgh", 1),
        ("abcdefg1", 2),
        ("Abcdefg1", 3),
        ("abcdef1!", 3),
        ("Abcdef1!", 4),
        ("ABCD 1234", 3),
    ],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


def test_two_classes_refused_with_chinese_message():
    with pytest.raises(ValidationError) as exc:
        validate_password("qwertyuiop12", User(username="x"))
    assert any("至少 3 类" in m for m in exc.value.messages)
    CharacterClassValidator().validate("Qwertyuiop12")  # three classes: accepted


def test_short_password_refused():
    with pytest.raises(ValidationError):
        validate_password("Ab1!x", User(username="x"))


def test_setting_a_password_dates_it_and_keeps_its_hash(make_user):
    user = make_user()
    assert user.password_changed_at is not None
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)
    assert list(user.password_history.values_list("password", flat=True)) == [user.password]


def test_recent_passwords_cannot_be_reused(make_user):
    user = make_user(password="First!pass1")
    services.set_password(user, "Second!pass2")
    with pytest.raises(ValidationError) as exc:
        services.set_password(user, "First!pass1")
    assert "最近 5 次" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.set_password(user, "Second!pass2")  # the current one either


def test_history_keeps_only_the_last_five(make_user):
    user = make_user(password="First!pass1")
    for i in range(5):
        services.set_password(user, f"Next!pass{i}x")
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # "First" has left the window of the last five: allowed again
    services.set_password(user, "First!pass1")
    user.refresh_from_db()
    assert user.check_password("First!pass1")


def test_rehash_on_login_is_not_a_password_change(make_user, settings):
    user = make_user(password="First!pass1")
    changed_at = user.password_changed_at
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert user.check_password("First!pass1")  # upgrades the MD5 hash and saves it
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.password_changed_at == changed_at
    assert PasswordHistory.objects.filter(user=user).count() == 1


def test_expiry_age(make_user, settings):
    user = make_user()
    assert not user.password_expired()
    user.password_changed_at = timezone.now() - dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    assert user.password_expired()


def _expire(user):
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )


def test_expired_password_redirects_web_and_refuses_api(client, sysadmin):
    _expire(sysadmin)
    client.force_login(sysadmin)
    resp = client.get(reverse("accounts:user_list"))
    assert resp.status_code == 302 and resp["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    assert "90 天" in page.content.decode()
    api = client.get("/api/users/")
    assert api.status_code == 403 and "请先修改密码" in api.json()["detail"]


def test_initial_password_must_be_changed(client, sysadmin):
    User.objects.filter(pk=sysadmin.pk).update(must_change_password=True)
    client.force_login(sysadmin)
    resp = client.get(reverse("accounts:user_list"))
    assert resp["Location"] == reverse("accounts:password_change")


def test_password_change_view(client, sysadmin, events):
    User.objects.filter(pk=sysadmin.pk).update(must_change_password=True)
    client.force_login(sysadmin)
    resp = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Brand!new42", "new_password2": "Brand!new42"},
    )
    assert resp.status_code == 302
    sysadmin.refresh_from_db()
    assert sysadmin.check_password("Brand!new42") and not sysadmin.must_change_password
    # still logged in (session auth hash updated) and no longer redirected
    assert client.get(reverse("accounts:user_list")).status_code == 200
    (event,) = events("password_change")
    assert event.outcome == "success" and event.actor_name == "sysadmin"
    assert event.detail == {"by_owner": True}


def test_password_change_view_refuses_reuse(client, sysadmin, events):
    client.force_login(sysadmin)
    resp = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert resp.status_code == 200
    assert "不能使用最近 5 次用过的密码" in resp.content.decode()
    sysadmin.refresh_from_db()
    assert sysadmin.check_password(PASSWORD)
    (event,) = events("password_change")
    assert event.outcome == "failure" and event.detail == {"invalid_fields": ["new_password2"]}


def test_password_change_view_wrong_old_password(client, sysadmin):
    client.force_login(sysadmin)
    resp = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Wrong!pass1",
            "new_password1": "Brand!new42",
            "new_password2": "Brand!new42",
        },
    )
    assert "原密码不正确" in resp.content.decode()
