"""`kaohe token create USERNAME [--name 用途]`: prints a new API token once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kaohe.accounts.models import ApiToken, User
from kaohe.audit.context import acting_as
from kaohe.audit.record import record
from kaohe.core.text import TOKEN_NAME, TextError, clean


class Command(BaseCommand):
    help = "为用户创建 API 令牌（只显示一次）：kaohe token create USERNAME"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="创建令牌")
        create.add_argument("username")
        create.add_argument("--name", default="", help="用途说明")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户“{options['username']}”。")
        try:
            name = clean(options["name"], TOKEN_NAME)
        except TextError as error:
            raise CommandError(error.message()) from None
        with acting_as(name="kaohe token create"):
            token, key = ApiToken.issue(user, name)
            record("token.create", "user", f"user:{user.username}", new={"token": f"{token.prefix}…"})
        self.stdout.write(key)
