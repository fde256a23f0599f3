"""`kaohe demo`: the 2018 defaults, one demo account per role and a cycle open for scoring."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kaohe.ops.demo import DEMO_PASSWORD, DEMO_USERS, build_demo


class Command(BaseCommand):
    help = "载入演示数据：内置数据、每个角色一个演示账号、一个正在评分的考核周期（可重复执行）。"

    def handle(self, *args, **options) -> None:
        demo = build_demo()
        self.stdout.write(f"演示考核周期：{demo['cycle']}")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, department, unit, _ in DEMO_USERS:
            where = department or unit or ""
            self.stdout.write(f"  {username:<8} {role.label}{'（' + where + '）' if where else ''}")
