"""`kaohe cycle list|create|open|review|lock|reopen|status`, and `find_cycle`, how every command
names a cycle.

    kaohe cycle list [--json]
    kaohe cycle create NAME --scheme SCHEME [--units CODE,…] [--step 0.1] [--deadline [KIND=]DATE …]
                            [--assign ITEM=DEPARTMENT …] [--json]
    kaohe cycle open|review|lock CYCLE [--json]
    kaohe cycle reopen CYCLE --reason TEXT [--json]
    kaohe cycle status CYCLE [--json]

Each calls the service the pages and the API call (kaohe.cycles.lifecycle; the status is
kaohe.cycles.cockpit's), audited as the command. A refused step ends with exit code 1 and the
service's one-line reason; a cycle, scheme, unit or department that does not exist, or a date that
is not one, with exit code 2.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from kaohe.audit.context import acting_as
from kaohe.cycles import cockpit, lifecycle
from kaohe.cycles.models import Cycle, CycleDepartment
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord

DEADLINES = {"scoring": "scoring_deadline", "review": "review_deadline",
             "self": "self_assessment_deadline", "objection": "objection_deadline"}
UNREADABLE, REFUSED = 2, 1


def find_cycle(text: str) -> Cycle:
    """The cycle a person names on the command line: by its name, else by its id."""
    cycle = Cycle.objects.filter(name=text).first()
    if cycle is None and text.isdigit():
        cycle = Cycle.objects.filter(pk=int(text)).first()
    if cycle is None:
        raise CommandError(f"没有考核周期“{text}”（请给出编号或名称；kaohe cycle list 列出全部）。",
                           returncode=UNREADABLE)
    return cycle


def _scheme(text: str) -> SchemeRecord:
    scheme = SchemeRecord.objects.filter(name=text).first()
    if scheme is None and text.isdigit():
        scheme = SchemeRecord.objects.filter(pk=int(text)).first()
    if scheme is None:
        raise CommandError(f"没有指标体系“{text}”（请给出名称或编号，例如 luoyang-2018-county）。", returncode=UNREADABLE)
    return scheme


def _units(values: list[str], scheme: SchemeRecord) -> list[str]:
    """Unit codes from codes or names (comma-separated or repeated); none: the scheme's default units."""
    wanted = [v.strip() for value in values for v in value.replace("，", ",").split(",") if v.strip()]
    if not wanted:
        return lifecycle.default_unit_codes(scheme)
    found = {u.code: u.code for u in Unit.objects.filter(code__in=wanted)}
    found.update({u.name: u.code for u in Unit.objects.filter(name__in=wanted)})
    unknown = [v for v in wanted if v not in found]
    if unknown:
        raise CommandError(f"没有被考核单位“{'、'.join(unknown)}”（请给出编码或名称）。", returncode=UNREADABLE)
    return list(dict.fromkeys(found[v] for v in wanted))


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{what}“{text}”不是日期（格式 2019-01-15）。", returncode=UNREADABLE) from None


def _deadlines(values: list[str]) -> dict[str, date]:
    """`--deadline 2019-01-15` (the scoring deadline) or `--deadline KIND=DATE`, KIND one of DEADLINES."""
    chosen: dict[str, date] = {}
    for value in values:
        kind, _, text = value.rpartition("=")
        kind = kind.strip() or "scoring"
        if kind not in DEADLINES:
            raise CommandError(f"未知的截止日期类型“{kind}”（可用：{'、'.join(DEADLINES)}）。", returncode=UNREADABLE)
        chosen[DEADLINES[kind]] = _date(text, "截止日期")
    return chosen


def _assignments(values: list[str]) -> dict[str, str]:
    """`--assign 4.2.1=市委组织部` (a department's name or code) → {item code: department code}."""
    assigned = {}
    for value in values:
        item, sep, department = value.partition("=")
        if not sep or not item.strip() or not department.strip():
            raise CommandError(f"“{value}”应写作 考核内容编码=考核部门（名称或编码）。", returncode=UNREADABLE)
        found = Department.objects.filter(Q(code=department.strip()) | Q(name=department.strip())).first()
        if found is None:
            raise CommandError(f"没有考核部门“{department.strip()}”。", returncode=UNREADABLE)
        assigned[item.strip()] = found.code
    return assigned


class Command(BaseCommand):
    help = ("考核周期：kaohe cycle list | create NAME --scheme SCHEME | open CYCLE | review CYCLE | lock CYCLE | "
            "reopen CYCLE --reason TEXT | status CYCLE")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出考核周期")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        create = sub.add_parser("create", help="用已发布的指标体系创建考核周期（草稿）")
        create.add_argument("name", help="考核周期名称")
        create.add_argument("--scheme", required=True, help="已发布的指标体系（名称或编号）")
        create.add_argument("--units", action="append", default=[],
                            help="被考核单位的编码或名称，逗号分隔或重复给出；不给则为以该指标体系为默认的全部单位")
        create.add_argument("--step", default="0.1", help="评分步长，默认 0.1")
        create.add_argument("--deadline", action="append", default=[], metavar="[KIND=]DATE",
                            help="截止日期，可重复：scoring=评分、review=审核、self=自评、objection=异议；只给日期即评分截止日期")
        create.add_argument("--assign", action="append", default=[], metavar="ITEM=DEPARTMENT",
                            help="为指标体系中没有考核部门的考核内容指定本周期的考核部门，可重复")
        create.add_argument("--json", action="store_true", help="以 JSON 输出创建后的状态")
        for name, text in (("open", "开始评分：固定单位和部门，生成评分任务"), ("review", "进入审核"),
                           ("lock", "锁定考核周期（各考核部门须已锁定）")):
            step = sub.add_parser(name, help=text)
            step.add_argument("cycle", help="考核周期的编号或名称")
            step.add_argument("--json", action="store_true", help="以 JSON 输出操作后的状态")
        reopen = sub.add_parser("reopen", help="重新打开已锁定的考核周期（回到审核中）")
        reopen.add_argument("cycle", help="考核周期的编号或名称")
        reopen.add_argument("--reason", required=True, help="重新打开的理由")
        reopen.add_argument("--json", action="store_true", help="以 JSON 输出操作后的状态")
        status = sub.add_parser("status", help="考核周期进行到哪一步：下一步、阻碍、各部门和各单位的情况")
        status.add_argument("cycle", help="考核周期的编号或名称")
        status.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "list":
            self.list(options["json"])
            return
        if action == "create":
            cycle, message = self.create(options)
        else:
            cycle = find_cycle(options["cycle"])
            message = ""
            if action != "status":
                message = self.move(cycle, action, options.get("reason") or "")
                cycle.refresh_from_db()
        board = cockpit.overview(cycle)
        if options["json"]:
            self.stdout.write(json.dumps(board.as_json(), ensure_ascii=False, indent=2))
            return
        if message:
            self.stdout.write(message)
        if action == "status":
            self.status(board)
        else:
            self.stdout.write(f"下一步：{board.step.title}")

    def list(self, as_json: bool) -> None:
        cycles = (Cycle.objects.select_related("scheme").order_by("pk")
                  .annotate(tasks=Count("scores"), scored=Count("scores", filter=Q(scores__points__isnull=False))))
        rows = [{"id": c.pk, "name": c.name, "scheme": c.scheme.name, "status": c.status,
                 "scoring_deadline": c.scoring_deadline.isoformat() if c.scoring_deadline else None,
                 "tasks": c.tasks, "scored": c.scored} for c in cycles]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row, cycle in zip(rows, cycles, strict=True):
            self.stdout.write(f"{row['id']}\t{row['name']}\t{cycle.get_status_display()}\t{row['scheme']}\t"
                              f"已评 {row['scored']}/{row['tasks']}")

    def create(self, options: dict[str, Any]) -> tuple[Cycle, str]:
        scheme = _scheme(options["scheme"])
        try:
            step = Decimal(options["step"].strip())
        except InvalidOperation:
            raise CommandError(f"评分步长“{options['step']}”不是数字。", returncode=UNREADABLE) from None
        with acting_as(name="kaohe cycle create"):
            try:
                cycle = lifecycle.create_cycle(name=options["name"], scheme=scheme,
                                               unit_codes=_units(options["units"], scheme), step=step,
                                               item_departments=_assignments(options["assign"]),
                                               **_deadlines(options["deadline"]))
            except lifecycle.CycleError as error:
                raise CommandError(error.message, returncode=REFUSED) from None
        return cycle, f"已创建考核周期“{cycle.name}”（编号 {cycle.pk}，草稿，{len(cycle.unit_codes)}个被考核单位）。"

    def move(self, cycle: Cycle, action: str, reason: str) -> str:
        with acting_as(name=f"kaohe cycle {action}"):
            try:
                if action == "open":
                    tasks = lifecycle.open_cycle(cycle)
                    departments = CycleDepartment.objects.filter(cycle=cycle).count()
                    return f"已开始评分：生成评分任务{tasks}项，涉及{departments}个考核部门。"
                if action == "review":
                    lifecycle.start_review(cycle)
                    return "考核周期已进入审核。"
                if action == "lock":
                    lifecycle.lock_cycle(cycle)
                    return "考核周期已锁定。"
                lifecycle.reopen_cycle(cycle, reason)
                return "考核周期已重新打开，回到审核中。"
            except lifecycle.CycleError as error:
                raise CommandError(error.message, returncode=REFUSED) from None

    def status(self, board: cockpit.Overview) -> None:
        cycle, step = board.cycle, board.step
        self.stdout.write(f"{cycle.name}（编号 {cycle.pk}）\t{cycle.get_status_display()}\t{cycle.scheme.name}")
        marks = {"done": "✓", "current": "▶", "later": " "}
        self.stdout.write("进程：" + " → ".join(f"{marks[p.state]}{p.label}" for p in board.timeline))
        self.stdout.write(f"下一步：{step.title}")
        if step.action is not None:
            command = COMMANDS.get(step.key)
            self.stdout.write(f"  操作：{step.action.label}" + (f"（{command.format(id=cycle.pk)}）" if command else ""))
        for blocker in step.blockers:
            self.stdout.write(f"  {'仍在进行' if step.action else '等待'}：{blocker}")
        for note in step.notes:
            self.stdout.write(f"  注意：{note}")
        for section in board.sections:
            self.stdout.write(f"\n{section.title}")
            for line in section.lines:
                self.stdout.write(f"  {line}")


# The command or API call that takes each next step, for `kaohe cycle status`.
COMMANDS = {
    "open": "kaohe cycle open {id}",
    "start_review": "kaohe cycle review {id}",
    "lock": "kaohe cycle lock {id}",
    "lock_approved": "POST /api/v1/cycles/{id}/departments/lock-approved",
    "publish": "kaohe results publish {id}",
}
