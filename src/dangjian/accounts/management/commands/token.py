"""`dangjian token create USERNAME`: print a new API token (replacing the user's old one)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.scoping import SYSTEM

from ... import services
from ...models import User


class Command(BaseCommand):
    help = "API 令牌管理：token create USERNAME 生成新令牌并打印（旧令牌随即失效）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="为用户生成新令牌")
        create.add_argument("username")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"找不到用户“{options['username']}”。")
        try:
            token = services.create_token(SYSTEM, user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(token.key)
