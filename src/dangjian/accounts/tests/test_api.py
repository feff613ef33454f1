from pathlib import Path

import pytest
from django.core.management import call_command

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.testing.querycount import assert_query_count_constant, check_baseline

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")
URL = "/api/users/"


def test_anonymous_401(client, make_user):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{make_user().pk}/").status_code == 401


@pytest.mark.parametrize("role", ["branch_secretary", "committee_admin", "audit_admin"])
def test_others_403(client, tree, make_user, role):
    client.force_login(make_user(role, None if role == "audit_admin" else tree.root))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"username": "x"}, content_type="application/json").status_code == 403


def test_system_admin_lists_users_without_secrets(client, tree, sysadmin, make_user):
    target = make_user("branch_secretary", tree.branch_a, display_name="李四")
    client.force_login(sysadmin)
    resp = client.get(URL)
    assert resp.status_code == 200
    rows = {row["username"]: row for row in resp.json()["results"]}
    row = rows[target.username]
    assert "password" not in row and target.password not in resp.content.decode()
    assert row["role_assignments"] == [
        {
            "id": target.role_assignments.get().pk,
            "role": "branch_secretary",
            "role_label": "支部书记",
            "org": tree.branch_a.pk,
            "org_name": "甲局第一党支部",
            "created": row["role_assignments"][0]["created"],
        }
    ]
    assert client.get(f"{URL}{target.pk}/").json()["display_name"] == "李四"
    assert [
        r["username"] for r in client.get(URL + "?role=branch_secretary").json()["results"]
    ] == [target.username]


def test_create_and_update(client, sysadmin, events):
    client.force_login(sysadmin)
    resp = client.post(
        URL,
        {"username": "api1", "password": "Api!pass123", "display_name": "接口"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert "password" not in resp.json()
    user = User.objects.get(username="api1")
    assert user.must_change_password and user.check_password("Api!pass123")
    assert events("create")[0].object_id == str(user.pk)

    resp = client.patch(f"{URL}{user.pk}/", {"is_active": False}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["is_active"] is False
    (update,) = events("update")
    assert update.before["is_active"] is True and update.after["is_active"] is False


def test_bad_input_is_400(client, sysadmin, make_user):
    make_user(username="taken")
    client.force_login(sysadmin)
    weak = client.post(
        URL, {"username": "api2", "password": "abcdefgh"}, content_type="application/json"
    )
    assert weak.status_code == 400 and "password" in weak.json()
    missing = client.post(URL, {"username": "api3"}, content_type="application/json")
    assert missing.status_code == 400 and "请填写初始密码" in missing.json()["password"][0]
    dup = client.post(
        URL, {"username": "taken", "password": "Api!pass123"}, content_type="application/json"
    )
    assert dup.status_code == 400 and "username" in dup.json()
    target = User.objects.get(username="taken")
    pw = client.patch(
        f"{URL}{target.pk}/", {"password": "Api!pass123"}, content_type="application/json"
    )
    assert pw.status_code == 400
    assert client.get(f"{URL}999999/").status_code == 404


def test_security_admin_reads_only(client, make_user):
    client.force_login(make_user("security_admin"))
    assert client.get(URL).status_code == 200
    resp = client.post(
        URL, {"username": "api4", "password": "Api!pass123"}, content_type="application/json"
    )
    assert resp.status_code == 403
    assert not User.objects.filter(username="api4").exists()


def test_token_authentication(client, sysadmin, capsys):
    call_command("token", "create", "sysadmin")
    key = capsys.readouterr().out.strip()
    resp = client.get(URL, HTTP_AUTHORIZATION=f"Token {key}")
    assert resp.status_code == 200


def test_query_count_is_constant(client, tree, sysadmin, make_user):
    client.force_login(sysadmin)

    def add_rows():
        for _ in range(5):
            user = make_user("viewer", tree.unit_a)
            RoleAssignment.objects.create(user=user, role="party_member", org=tree.branch_b)

    count = assert_query_count_constant(client, URL, add_rows)
    check_baseline(BASELINES, "api:users", count)
