"""`kaohe ledger import CYCLE FILE --department DEPT [--json]`,
`kaohe ledger list CYCLE [--unit U] [--quarter Q] [--json]` and
`kaohe ledger standings CYCLE --quarter Q [--json]`: the 平时考核台账 on the command line (the
office's view: every entry, every state). An import checks every row like the page does and
stores all rows or none (exit 1 listing every bad row); the entries wait for the head.

CYCLE is the cycle's id or name. Points in the JSON are decimal strings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kaohe.audit.context import acting_as
from kaohe.core import ledger as core
from kaohe.core.points import optional_points
from kaohe.cycles.management.commands.cycle import find_cycle
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit
from kaohe.ledger import imports, standings
from kaohe.ledger.models import Entry
from kaohe.ledger.rules import LedgerError


def _quarter(text: str | None, required: bool = False) -> int | None:
    if text is None and not required:
        return None
    if text not in ("1", "2", "3", "4"):
        raise CommandError(f"季度只能是1到4（--quarter {text}）。")
    return int(text)


class Command(BaseCommand):
    help = ("平时考核台账：kaohe ledger import CYCLE FILE --department DEPT [--json] | "
            "list CYCLE [--unit U] [--quarter Q] [--json] | standings CYCLE --quarter Q [--json]")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="从 Excel 台账表导入一个考核部门的台账（全部导入或一条也不导入）")
        importing.add_argument("cycle", help="考核周期的编号或名称")
        importing.add_argument("file", help="台账表（.xlsx，工作表“台账”）")
        importing.add_argument("--department", required=True, help="考核部门的编码")
        importing.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        listing = sub.add_parser("list", help="列出台账记录（全部状态），按日期从新到旧")
        listing.add_argument("cycle", help="考核周期的编号或名称")
        listing.add_argument("--unit", help="只列这个被考核单位（编码）的记录")
        listing.add_argument("--quarter", help="只列这个季度（1-4）的记录")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        ranking = sub.add_parser("standings", help="季度情况：本季度和年度累计的扣分、加分、净分和组内名次")
        ranking.add_argument("cycle", help="考核周期的编号或名称")
        ranking.add_argument("--quarter", required=True, help="季度（1-4）")
        ranking.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = find_cycle(options["cycle"])
        if options["action"] == "import":
            self.import_file(cycle, Path(options["file"]), options["department"], options["json"])
        elif options["action"] == "list":
            self.list_entries(cycle, options.get("unit"), _quarter(options.get("quarter")), options["json"])
        else:
            quarter = _quarter(options.get("quarter"), required=True)
            assert quarter is not None  # required
            self.standings(cycle, quarter, options["json"])

    def list_entries(self, cycle: Cycle, unit: str | None, quarter: int | None, as_json: bool) -> None:
        entries = Entry.objects.filter(cycle=cycle).select_related("unit", "department", "task__node")
        if unit:
            if not CycleUnit.objects.filter(cycle=cycle, code=unit).exists():
                raise CommandError(f"考核周期“{cycle.name}”没有被考核单位 {unit}。")
            entries = entries.filter(unit__code=unit)
        if quarter is not None:
            entries = entries.filter(quarter=quarter)
        rows: list[dict[str, Any]] = [{"id": e.pk, "date": e.date.isoformat(), "quarter": e.quarter, "unit": e.unit.code,
                 "department": e.department.code, "item": e.task.node.code if e.task is not None else None,
                 "kind": e.kind, "points": optional_points(e.points), "state": e.state, "reason": e.reason,
                 "document": e.document} for e in entries.order_by("-date", "-pk").iterator(chunk_size=2000)]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        kinds, states = dict(Entry.Kind.choices), dict(Entry.State.choices)
        for row in rows:
            self.stdout.write("\t".join([str(row["id"]), row["date"], row["unit"], row["department"],
                                         row["item"] or "加分", str(kinds[row["kind"]]), row["points"] or "—",
                                         str(states[row["state"]]), row["reason"].replace("\n", " ")]))
        self.stdout.write(f"共 {len(rows)} 条。")

    def standings(self, cycle: Cycle, quarter: int, as_json: bool) -> None:
        figures = standings.figures(cycle, quarter)
        periods = (("quarter", figures.quarter_standings), ("year_to_date", figures.year_standings))
        if as_json:
            self.stdout.write(json.dumps({
                "cycle": cycle.pk, "quarter": quarter, "bonus_cap": optional_points(figures.bonus_cap),
                **{name: [{"group": group, "units": [
                    {"rank": s.rank, "unit": s.code, "name": s.name, "deductions": core.shown(s.deductions),
                     "bonus": core.shown(s.bonus), "net": core.shown(s.net), "entries": s.entries,
                     "dimensions": {code: core.shown(s.by_dimension.get(code, 0)) for code, _t in figures.dimensions}}
                    for s in members]} for group, members in found.groups]
                   for name, found in periods}}, ensure_ascii=False, indent=2))
            return
        for name, found in periods:
            self.stdout.write(f"第{quarter}季度" if name == "quarter" else f"截至第{quarter}季度累计")
            for group, members in found.groups:
                self.stdout.write(f"  {group or '（未分组）'}")
                for s in members:
                    self.stdout.write(f"    {s.rank}\t{s.name}\t扣分 {core.shown(s.deductions)}\t"
                                      f"加分 {core.shown(s.bonus)}\t净分 {core.shown(s.net)}\t{s.entries} 条")

    def import_file(self, cycle: Cycle, path: Path, code: str, as_json: bool) -> None:
        department = CycleDepartment.objects.filter(cycle=cycle, code=code).first()
        if department is None:
            raise CommandError(f"考核周期“{cycle.name}”没有考核部门 {code}（kaohe cycle list 之后在页面中查看各部门编码）。")
        try:
            with path.open("rb") as source:
                rows, report = imports.read(source, path.name)
        except OSError as error:
            raise CommandError(f"{path}：无法读取（{error.strerror}）。") from None
        if report.ok:
            try:
                with acting_as(name="kaohe ledger import"):
                    report = imports.import_rows(None, cycle, department, rows, source="command")
            except LedgerError as error:
                raise CommandError(error.message) from None
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        elif report.ok:
            self.stdout.write(f"已导入 {len(report.created)} 条台账记录（{department.name}），等待部门负责人确认。")
        else:
            for problem in report.problems:
                where = f"第{problem.row}行" if problem.row else path.name
                self.stderr.write(f"{where}{'，' + problem.column if problem.column else ''}：{problem.message}")
        if not report.ok:
            raise CommandError(f"{len(report.problems)} 处问题，未导入任何记录。", returncode=1)
