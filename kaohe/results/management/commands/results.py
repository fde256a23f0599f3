"""`kaohe results compute CYCLE [--json]`, `kaohe results publish CYCLE [--confirm-incomplete]`,
`kaohe results export CYCLE --xlsx FILE | --docx FILE | --detail FILE` and
`kaohe results recount CYCLE [--check]`.

CYCLE is the cycle's id or name. Figures in the JSON are decimal strings at full precision (the
same rows as the API and the published snapshots); the table shows two decimals.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaohe.audit.context import acting_as
from kaohe.core.points import format_points, two_places
from kaohe.core.results import RulesError
from kaohe.cycles import totals
from kaohe.cycles.management.commands.cycle import find_cycle
from kaohe.cycles.models import Cycle
from kaohe.formats.errors import FormatError
from kaohe.formats.files import write_atomically
from kaohe.results import exports, service

MAX_LISTED = 20  # differences listed by `recount`; the rest are counted


def one_line(problems: list[str] | tuple[str, ...]) -> str:
    return "；".join(p.replace("\n", " ") for p in problems)


class Command(BaseCommand):
    help = ("考核结果：kaohe results compute CYCLE [--json] | publish CYCLE [--confirm-incomplete] | "
            "export CYCLE --xlsx FILE | --docx FILE | --detail FILE | recount CYCLE [--check]")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="计算考核结果（不保存）")
        compute.add_argument("cycle", help="考核周期的编号或名称")
        compute.add_argument("--json", action="store_true", help="以 JSON 输出（数值为十进制字符串）")
        publish = sub.add_parser("publish", help="发布考核结果的新版本（考核周期须已锁定）")
        publish.add_argument("cycle", help="考核周期的编号或名称")
        publish.add_argument("--confirm-incomplete", action="store_true", help="评分不完整时仍然发布")
        export = sub.add_parser("export", help="导出排名表（xlsx）、通报（docx）或得分明细（xlsx）")
        export.add_argument("cycle", help="考核周期的编号或名称")
        target = export.add_mutually_exclusive_group(required=True)
        target.add_argument("--xlsx", metavar="FILE", help="各分组排名表及计分规则")
        target.add_argument("--docx", metavar="FILE", help="考核结果通报")
        target.add_argument("--detail", metavar="FILE", help="得分明细：考核内容 × 单位")
        recount = sub.add_parser("recount", help="按评分重新核对各单位各一级指标的合计，不一致的予以更正")
        recount.add_argument("cycle", help="考核周期的编号或名称")
        recount.add_argument("--check", action="store_true", help="只核对不更正；有不一致时退出码为 1")

    def handle(self, *args, **options) -> None:
        cycle = find_cycle(options["cycle"])
        if options["action"] == "compute":
            self.compute(cycle, options["json"])
        elif options["action"] == "publish":
            self.publish(cycle, options["confirm_incomplete"])
        elif options["action"] == "recount":
            self.recount(cycle, options["check"])
        else:
            self.export(cycle, options)

    def export(self, cycle: Cycle, options: dict) -> None:
        kind, path = next((k, options[o]) for k, o in (("ranking", "xlsx"), ("notice", "docx"),
                                                         ("detail", "detail")) if options[o])
        try:
            data = exports.REPORTS[kind][0](cycle)
            write_atomically(Path(path), data)
        except RulesError as error:
            raise CommandError(f"结果无法计算：{one_line(error.problems)}") from None
        except FormatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已写出 {path}")

    def compute(self, cycle: Cycle, as_json: bool) -> None:
        try:
            rows = [service.result_row(r) for r in service.compute_cycle(cycle)]
        except RulesError as error:
            raise CommandError(f"结果无法计算：{one_line(error.problems)}") from None
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            components = " ".join(f"{key}={two_places(value)}" for key, value in row["components"].items()
                                  if key != service.ADJUSTED)
            self.stdout.write("\t".join([
                row["group"], str(row["rank"]), row["code"], row["name"], f"{row['obtained']}/{row['maximum']}",
                two_places(row["percent"]), f"+{two_places(row['bonus'])}", f"-{two_places(row['penalty'])}",
                two_places(row["adjusted"]),
                *([components] if components else []), two_places(row["final"]), row["grade"],
                "完整" if row["complete"] else "未完成"]))

    def publish(self, cycle: Cycle, confirm_incomplete: bool) -> None:
        try:
            with acting_as(name="kaohe results publish"):
                snapshot = service.publish(cycle, None, confirm_incomplete=confirm_incomplete)
        except service.ResultsError as error:
            message = error.message
            if "确认后才能发布" in message:
                message += "（加 --confirm-incomplete）"
            raise CommandError(message.replace("\n", " ")) from None
        self.stdout.write(f"已发布“{cycle.name}”的考核结果第{snapshot.version}版（{len(snapshot.results)}个单位）。")

    def recount(self, cycle: Cycle, check_only: bool) -> None:
        """The totals the database keeps (kaohe.cycles.totals) against a recount of the scores."""
        found = totals.differences(cycle.pk)
        for difference in found[:MAX_LISTED]:
            kept, counted = (f"{tasks} / {scored} / {format_points(obtained)} / {format_points(maximum)}"
                             for tasks, scored, obtained, maximum in (difference.kept, difference.counted))
            self.stdout.write(f"单位 {difference.unit} 一级指标 {difference.dimension}：合计为 {kept}，"
                              f"按评分应为 {counted}（适用项数 / 已评项数 / 得分 / 满分）")
        if len(found) > MAX_LISTED:
            self.stdout.write(f"……另有 {len(found) - MAX_LISTED} 处不一致")
        if not found:
            self.stdout.write(f"“{cycle.name}”各单位各一级指标的合计与评分一致。")
        elif check_only:
            raise CommandError(f"{len(found)} 处合计与评分不一致（去掉 --check 即可更正）。", returncode=1)
        else:
            with transaction.atomic():
                totals.rebuild(cycle.pk)
            self.stdout.write(f"已按评分更正 {len(found)} 处合计。")
