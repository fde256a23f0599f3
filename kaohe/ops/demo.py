"""The demo that `make run` starts with, and that the web tests share: the 2018 defaults, one
account per role, and the county cycle open for scoring. Idempotent.

Demo log-ins (password `kaohe-demo`): office (考核办), scorer and head (市委组织部),
scorer2 (市委宣传部), unit (偃师市), leader (领导).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from kaohe.accounts.models import Role, User
from kaohe.audit.context import acting_as
from kaohe.cycles.lifecycle import create_cycle, open_cycle
from kaohe.cycles.models import Cycle
from kaohe.ops.defaults import load_defaults
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord

DEMO_PASSWORD = "kaohe-demo"
DEMO_CYCLE = "2018年度县(市、区)党建工作综合考核"
DEMO_USERS = [
    # username, role, department, unit, name
    ("office", Role.OFFICE, None, None, "考核办管理员"),
    ("scorer", Role.SCORER, "市委组织部", None, "组织部评分人"),
    ("head", Role.HEAD, "市委组织部", None, "组织部负责人"),
    ("scorer2", Role.SCORER, "市委宣传部", None, "宣传部评分人"),
    ("unit", Role.UNIT, None, "偃师市", "偃师市用户"),
    ("leader", Role.LEADER, None, None, "市领导"),
]


@transaction.atomic
def build_demo() -> dict[str, object]:
    with acting_as(name="kaohe demo"):
        load_defaults()
        for username, role, department, unit, name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(username=username, role=role, last_name=name,
                        department=Department.objects.get(name=department) if department else None,
                        unit=Unit.objects.get(name=unit) if unit else None)
            user.set_password(DEMO_PASSWORD)
            user.save()
        cycle = Cycle.objects.filter(name=DEMO_CYCLE).first()
        if cycle is None:
            scheme = SchemeRecord.objects.get(name="luoyang-2018-county")
            codes = list(Unit.objects.filter(scheme_name=scheme.name).values_list("code", flat=True))
            cycle = create_cycle(name=DEMO_CYCLE, scheme=scheme, unit_codes=codes, step=Decimal("0.1"),
                                 scoring_deadline=date(2019, 1, 15), review_deadline=date(2019, 1, 31),
                                 created_by=User.objects.get(username="office"))
            open_cycle(cycle)
    return {"cycle": cycle, "users": [u[0] for u in DEMO_USERS], "password": DEMO_PASSWORD}
