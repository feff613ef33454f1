"""`dangjian createadmin`: the first administrator (there is no default account).

Interactive by default; for automation: `--username U --password-file F`, optionally
`--role ROLE` (default system_admin) and `--org ORG_ID` for a role over an org subtree.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from ... import services
from ...models import User
from ...roles import ROLES


class Command(BaseCommand):
    help = "创建管理员账号（交互式，或 --username 与 --password-file 用于自动化）。"

    def add_arguments(self, parser):
        parser.add_argument("--username", help="用户名；不给则交互式询问")
        parser.add_argument(
            "--password-file", help="读取密码的文件（首行；不要把密码写在命令行上）"
        )
        parser.add_argument("--display-name", default="", help="姓名")
        parser.add_argument(
            "--role", default="system_admin", choices=sorted(ROLES), help="角色，默认 system_admin"
        )
        parser.add_argument("--org", type=int, help="党组织 ID（党组织相关角色必填）")

    def handle(self, *args, **options):
        role = ROLES[options["role"]]
        org = self._org(options["org"])
        if role.is_global and org is not None:
            raise CommandError(f"“{role.label}”是全局角色，不能指定 --org。")
        if not role.is_global and org is None:
            raise CommandError(f"“{role.label}”须用 --org 指定所辖党组织的 ID。")

        username = options["username"] or self._ask_username()
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名“{username}”已存在，未做任何修改。")
        if options["password_file"]:
            password = self._read_password(Path(options["password_file"]))
        else:
            password = self._ask_password(username)
        try:
            user = services.create_user(
                SYSTEM,
                username=username,
                password=password,
                display_name=options["display_name"],
                must_change_password=False,
                roles=[(role.code, org)],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        where = f"，所辖组织：{org.name}（ID {org.pk}）" if org is not None else ""
        self.stdout.write(
            f"已创建用户 {user.username}（ID {user.pk}），角色：{role.label}{where}。"
        )

    def _org(self, org_id):
        if org_id is None:
            return None
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:
            raise CommandError(f"找不到 ID 为 {org_id} 的党组织。")
        return org

    def _ask_username(self) -> str:
        while True:
            username = input("用户名：").strip()
            if username:
                return username
            self.stderr.write("用户名不能为空。")

    def _read_password(self, path: Path) -> str:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"无法读取密码文件 {path}：{exc.strerror}") from exc
        if not lines or not lines[0]:
            raise CommandError(f"密码文件 {path} 的第一行是空的。")
        return lines[0]

    def _ask_password(self, username: str) -> str:
        candidate = User(username=username)
        while True:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                self.stderr.write("两次输入的密码不一致，请重新输入。")
                continue
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as exc:
                self.stderr.write("；".join(exc.messages))
                continue
            return password
