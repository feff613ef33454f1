"""`dangjian mfa reset USERNAME`: clear a user's second factor as the server operator.

For when no 安全管理员 can do it on the user page (e.g. the only one lost their phone).
Audited as `mfa_reset` by `system`; the user enrols again at the next sign-in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.scoping import SYSTEM

from ... import mfa
from ...models import User


class Command(BaseCommand):
    help = "两步验证管理：mfa reset USERNAME 重置该用户的两步验证（下次登录时重新设置）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        reset = sub.add_parser("reset", help="重置用户的两步验证")
        reset.add_argument("username")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"找不到用户“{options['username']}”。")
        try:
            mfa.reset(SYSTEM, user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已重置用户 {user.username} 的两步验证；该用户下次登录时须重新设置。")
