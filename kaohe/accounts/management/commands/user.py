"""`kaohe user create USERNAME --role ROLE [--department 名称 | --unit 名称] [--name 姓名] [--email 地址]`
and `kaohe user set-password USERNAME`.

The password comes from `--password-file FILE` (its first line; `-` reads standard input), else
from the environment variable KAOHE_PASSWORD, else — on a terminal — typed twice without echo.
Never as an argument (it would stay in the shell's history and show in the process list). With
none of them the command says so in one line and ends with exit code 2, before touching anything.
The rules are kaohe.accounts.users', the ones the office's pages use.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaohe.accounts.models import Role, User
from kaohe.accounts.users import UserError, create_user, set_password
from kaohe.audit.context import acting_as
from kaohe.orgs.models import Department, Unit

PASSWORD_ENV = "KAOHE_PASSWORD"
UNREADABLE = 2
PASSWORD_FILE_MAX = 4096  # bytes: a password file is one short line


def read_password(path: str | None, stdin=None, environ=None) -> str:
    """The password from --password-file, KAOHE_PASSWORD or the terminal; a CommandError (exit 2) without."""
    stdin = stdin if stdin is not None else sys.stdin
    environ = environ if environ is not None else os.environ
    if path:
        try:
            raw = stdin.read(PASSWORD_FILE_MAX + 1) if path == "-" else Path(path).read_bytes()[:PASSWORD_FILE_MAX + 1]
        except OSError as error:
            raise CommandError(f"无法读取密码文件 {path}：{error.strerror}。", returncode=UNREADABLE) from None
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CommandError(f"密码文件 {path} 不是 UTF-8 文本。", returncode=UNREADABLE) from None
        lines = raw.splitlines()
        if len(raw) > PASSWORD_FILE_MAX or not lines or not lines[0]:
            raise CommandError(f"密码文件 {path} 的第一行应为密码（不超过{PASSWORD_FILE_MAX}字节）。",
                               returncode=UNREADABLE)
        return lines[0]
    if environ.get(PASSWORD_ENV):
        return environ[PASSWORD_ENV]
    if stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise CommandError("两次输入的密码不一致。", returncode=UNREADABLE)
        return first
    raise CommandError(f"需要密码：请用 --password-file 文件（- 为标准输入）、环境变量 {PASSWORD_ENV} 或在终端中输入。",
                       returncode=UNREADABLE)


def _one_line(error: UserError) -> str:
    return error.message.replace("\n", " ")


class Command(BaseCommand):
    help = ("用户：kaohe user create USERNAME --role ROLE [--department 名称 | --unit 名称] | "
            "kaohe user set-password USERNAME（密码来自 --password-file、环境变量 KAOHE_PASSWORD 或终端）")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="创建用户")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[r.value for r in Role],
                            help="office 考核办 | scorer 评分人 | head 部门负责人 | unit 单位用户 | leader 领导")
        create.add_argument("--department", help="考核部门名称或编码（评分人、部门负责人）")
        create.add_argument("--unit", help="被考核单位名称或编码（单位用户）")
        create.add_argument("--name", default="", help="姓名")
        create.add_argument("--email", default="", help="电子邮箱（接收通知）")
        create.add_argument("--password-file", help=f"从文件的第一行读取密码（- 为标准输入）；不给则读环境变量 {PASSWORD_ENV}，再不然在终端输入")
        change = sub.add_parser("set-password", help="设置（重置）用户的密码")
        change.add_argument("username")
        change.add_argument("--password-file", help=f"从文件的第一行读取密码（- 为标准输入）；不给则读环境变量 {PASSWORD_ENV}，再不然在终端输入")

    def handle(self, *args, **options) -> None:
        if options["action"] == "create":
            self.create(options)
        else:
            self.set_password(options)

    def create(self, options: dict) -> None:
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
        password = read_password(options["password_file"])
        try:
            with acting_as(name="kaohe user create"):
                user = create_user(username=username, role=options["role"], password=password, department=department,
                                   unit=unit, name=options["name"], email=options["email"])
        except UserError as error:
            prefix = "密码不符合要求：" if set(error.errors) == {"password"} else ""
            raise CommandError(prefix + _one_line(error)) from None
        self.stdout.write(f"已创建用户 {username}（{user.get_role_display()}）")

    def set_password(self, options: dict) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户“{options['username']}”。")
        password = read_password(options["password_file"])
        try:
            with acting_as(name="kaohe user set-password"):
                set_password(user, password)
        except UserError as error:
            raise CommandError("密码不符合要求：" + _one_line(error)) from None
        self.stdout.write(f"已设置用户 {user.username} 的密码。")
