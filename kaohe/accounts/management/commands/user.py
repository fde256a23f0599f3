"""`kaohe user create USERNAME --role ROLE [--department NAME | --unit NAME]`."""

from __future__ import annotations

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaohe.accounts.models import Role, User
from kaohe.audit.context import acting_as
from kaohe.orgs.models import Department, Unit


class Command(BaseCommand):
    help = "创建用户：kaohe user create USERNAME --role ROLE [--department 名称 | --unit 名称]"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="创建用户")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[r.value for r in Role],
                            help="office 考核办 | scorer 评分人 | head 部门负责人 | unit 单位用户 | leader 领导")
        create.add_argument("--department", help="考核部门名称或编码（评分人、部门负责人）")
        create.add_argument("--unit", help="被考核单位名称或编码（单位用户）")
        create.add_argument("--name", default="", help="姓名")
        create.add_argument("--password", help="密码；不给则交互输入")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户“{username}”已存在。")
        department = unit = None
        if options["department"]:
            department = Department.objects.filter(name=options["department"]).first() or \
                Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"没有考核部门“{options['department']}”。")
        if options["unit"]:
            unit = Unit.objects.filter(name=options["unit"]).first() or Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有被考核单位“{options['unit']}”。")
        password = options["password"]
        if password is None:
            password = getpass.getpass("密码：")
        user = User(username=username, role=options["role"], department=department, unit=unit,
                    last_name=options["name"])
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + "；".join(error.messages)) from None
        user.set_password(password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise CommandError("；".join(f"{k}: {'，'.join(v)}" for k, v in error.message_dict.items())) from None
        with transaction.atomic(), acting_as(name="kaohe user create"):
            user.save()
        self.stdout.write(f"已创建用户 {username}（{user.get_role_display()}）")
