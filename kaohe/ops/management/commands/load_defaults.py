"""`kaohe load-defaults`: units, departments and the 2018 schemes (published)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kaohe.audit.context import acting_as
from kaohe.ops.defaults import load_defaults


class Command(BaseCommand):
    help = "载入内置数据：单位、考核部门和 2018 年两个指标体系（已发布）；已有的不变。"

    def handle(self, *args, **options) -> None:
        with acting_as(name="kaohe load-defaults"):
            made = load_defaults()
        self.stdout.write(f"新增考核部门 {made['departments']} 个、单位 {made['units']} 个、指标体系 {made['schemes']} 个。")
