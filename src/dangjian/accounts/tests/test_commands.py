import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import User

from .conftest import stored

pytestmark = pytest.mark.django_db

GOOD = "Adm1n!secret"


@pytest.fixture
def password_file(tmp_path):
    def make(text: str = GOOD + "\n"):
        path = tmp_path / "pw.txt"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def test_createadmin_with_password_file(password_file, capsys, events):
    call_command("createadmin", "--username", "root", "--password-file", password_file())
    out = capsys.readouterr().out
    assert "已创建用户 root" in out and "系统管理员" in out
    user = User.objects.get(username="root")
    assert user.check_password(GOOD) and not user.must_change_password
    assert user.has_global_perm("accounts.propose_role")
    (create,) = events("create")
    (grant,) = events("role_grant")
    assert create.actor_name == grant.actor_name == "system"
    assert create.channel == "cli"


def test_createadmin_scoped_role_needs_an_org(tree, password_file, capsys):
    with pytest.raises(CommandError, match="--org"):
        call_command(
            "createadmin",
            "--username",
            "u1",
            "--password-file",
            password_file(),
            "--role",
            "unit_admin",
        )
    call_command(
        "createadmin",
        "--username",
        "u1",
        "--password-file",
        password_file(),
        "--role",
        "unit_admin",
        "--org",
        str(tree.unit_a.pk),
    )
    assert "甲局机关党委" in capsys.readouterr().out
    assert User.objects.get(username="u1").get_scope_paths("members.view_member") == [
        tree.unit_a.path
    ]


def test_createadmin_refuses_existing_username(make_user, password_file):
    existing = make_user(username="root")
    with pytest.raises(CommandError, match="已存在"):
        call_command("createadmin", "--username", "ROOT", "--password-file", password_file())
    existing.refresh_from_db()
    assert not existing.role_assignments.exists() and existing.check_password("Zz9!abcdefg")


@pytest.mark.parametrize("text", ["short1!\n", "alllowercase\n", "\n"])
def test_createadmin_refuses_weak_password(password_file, text):
    with pytest.raises(CommandError):
        call_command("createadmin", "--username", "root", "--password-file", password_file(text))
    assert not User.objects.filter(username="root").exists()


def test_createadmin_interactive(monkeypatch, capsys):
    answers = iter(["Weak", "Weak", GOOD, "mismatch", GOOD, GOOD])
    monkeypatch.setattr("builtins.input", lambda prompt="": "chief")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createadmin")
    captured = capsys.readouterr()
    assert "已创建用户 chief" in captured.out
    assert "不一致" in captured.err and "至少" in captured.err
    assert User.objects.get(username="chief").check_password(GOOD)


def test_token_create(make_user, capsys, events):
    user = make_user(username="client")
    call_command("token", "create", "client")
    first = capsys.readouterr().out.strip()
    assert Token.objects.get(user=user).key == first
    call_command("token", "create", "client")
    second = capsys.readouterr().out.strip()
    assert second != first and Token.objects.get(user=user).key == second
    created = events("token_create")
    assert [e.detail["replaced"] for e in created] == [False, True]
    assert all(first not in stored(e) and second not in stored(e) for e in created)


def test_token_create_refuses_unknown_or_inactive(make_user):
    make_user(username="gone", is_active=False)
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("token", "create", "nobody")
    with pytest.raises(CommandError, match="已停用"):
        call_command("token", "create", "gone")
