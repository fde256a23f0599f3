"""`kaohe results compute CYCLE [--json]`, `kaohe results publish CYCLE [--confirm-incomplete]`,
`kaohe results export CYCLE [--version N] --xlsx FILE | --ranking-pdf FILE | --docx FILE | --pdf FILE |
--detail FILE | --scorecards-pdf FILE | --scorecard FILE --unit CODE`,
`kaohe results notice CYCLE [--version N] [--issuer …] [--number …] … [--json]`,
`kaohe results template CYCLE --kind notice|scorecard --upload FILE | --default FILE | --reset [--installation]`
and `kaohe results recount CYCLE [--check]`.

CYCLE is the cycle's id or name. Figures in the JSON are decimal strings at full precision (the
same rows as the API and the published snapshots); the table shows two decimals.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaohe.audit.context import acting_as
from kaohe.core.points import format_points, two_places
from kaohe.core.results import RulesError
from kaohe.cycles import totals
from kaohe.cycles.management.commands.cycle import find_cycle
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats.errors import FormatError
from kaohe.formats.files import read_bytes, write_atomically
from kaohe.formats.pdf import PdfError
from kaohe.formats.results_report.detail import detail_xlsx
from kaohe.formats.results_report.ranking import ranking_xlsx
from kaohe.results import documents, exports, service
from kaohe.results.models import ResultSnapshot
from kaohe.results.service import ResultsError

MAX_LISTED = 20  # differences listed by `recount`; the rest are counted


def one_line(problems: list[str] | tuple[str, ...]) -> str:
    return "；".join(p.replace("\n", " ") for p in problems)


class Command(BaseCommand):
    help = ("考核结果：kaohe results compute CYCLE [--json] | publish CYCLE [--confirm-incomplete] | "
            "export CYCLE [--version N] --xlsx|--ranking-pdf|--docx|--pdf|--detail|--scorecards-pdf FILE | "
            "notice CYCLE [--version N] [--issuer …] [--number …] … | template CYCLE --kind … | recount CYCLE [--check]")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="计算考核结果（不保存）")
        compute.add_argument("cycle", help="考核周期的编号或名称")
        compute.add_argument("--json", action="store_true", help="以 JSON 输出（数值为十进制字符串）")
        publish = sub.add_parser("publish", help="发布考核结果的新版本（考核周期须已锁定）")
        publish.add_argument("cycle", help="考核周期的编号或名称")
        publish.add_argument("--confirm-incomplete", action="store_true", help="评分不完整时仍然发布")
        export = sub.add_parser("export", help="导出排名表、通报、得分明细或得分表（xlsx、docx、PDF）")
        export.add_argument("cycle", help="考核周期的编号或名称")
        export.add_argument("--version", type=int, help="已发布的版本（通报默认最新版本；排名表不指定时为当前计算结果）")
        target = export.add_mutually_exclusive_group(required=True)
        target.add_argument("--xlsx", metavar="FILE", help="各分组排名表及计分规则（xlsx）")
        target.add_argument("--ranking-pdf", metavar="FILE", help="排名表（PDF）")
        target.add_argument("--docx", metavar="FILE", help="考核结果通报（Word，须先填写发文机关和发文字号：kaohe results notice）")
        target.add_argument("--pdf", metavar="FILE", help="考核结果通报（PDF）")
        target.add_argument("--detail", metavar="FILE", help="得分明细：考核内容 × 单位（xlsx）")
        target.add_argument("--scorecards-pdf", metavar="FILE", help="各单位得分表合为一个 PDF（每个单位另起一页）")
        target.add_argument("--scorecard", metavar="FILE", help="一个单位的得分表（.pdf 或 .docx，按文件名后缀），须同时给出 --unit")
        export.add_argument("--unit", help="单位编码（与 --scorecard 同用）")
        notice = sub.add_parser("notice", help="查看或填写某个发布版本的通报信息（发文机关、发文字号、主送等）")
        notice.add_argument("cycle", help="考核周期的编号或名称")
        notice.add_argument("--version", type=int, help="已发布的版本（默认最新版本）")
        for name, label in (("issuer", "发文机关"), ("number", "发文字号，如 洛党建〔2019〕1号"), ("title", "标题"),
                            ("recipients", "主送机关"), ("copies", "抄送机关"), ("printer", "印发机关"),
                            ("date", "成文日期 YYYY-MM-DD"), ("opening", "开头段落（多段用换行分隔）"),
                            ("closing", "结尾段落")):
            notice.add_argument(f"--{name}", help=label)
        notice.add_argument("--json", action="store_true", help="以 JSON 输出")
        template = sub.add_parser("template", help="通报或得分表的 Word 模板：上传、导出默认模板、恢复默认")
        template.add_argument("cycle", help="考核周期的编号或名称")
        template.add_argument("--kind", required=True, choices=["notice", "scorecard"], help="文书：notice 通报，scorecard 得分表")
        action = template.add_mutually_exclusive_group(required=True)
        action.add_argument("--upload", metavar="FILE", help="上传 .docx 模板（无法生成文书时不予采用）")
        action.add_argument("--default", metavar="FILE", help="把默认模板写到 FILE")
        action.add_argument("--reset", action="store_true", help="删除上传的模板，恢复默认")
        template.add_argument("--installation", action="store_true", help="用于全系统（不加时仅用于这个考核周期）")
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
        elif options["action"] == "notice":
            self.notice(cycle, options)
        elif options["action"] == "template":
            self.template(cycle, options)
        else:
            self.export(cycle, options)

    def snapshot(self, cycle: Cycle, version: int | None, required: bool = True) -> ResultSnapshot | None:
        found = ResultSnapshot.objects.filter(cycle=cycle)
        snapshot = (found.filter(version=version) if version is not None else found.order_by("-version")).first()
        if snapshot is None and (required or version is not None):
            raise CommandError(f"“{cycle.name}”没有第{version}版已发布结果。" if version is not None
                               else f"“{cycle.name}”的结果尚未发布：通报按已发布的版本生成（kaohe results publish）。")
        return snapshot

    def export(self, cycle: Cycle, options: dict) -> None:
        kind = next(o for o in ("xlsx", "ranking_pdf", "docx", "pdf", "detail", "scorecards_pdf", "scorecard")
                    if options[o])
        path = Path(options[kind])
        try:
            if kind in ("docx", "pdf"):
                snapshot = self.snapshot(cycle, options["version"])
                assert snapshot is not None
                data = documents.notice_docx(snapshot) if kind == "docx" else documents.notice_pdf(snapshot)
            elif kind in ("xlsx", "ranking_pdf"):
                snapshot = self.snapshot(cycle, options["version"], required=False)
                report = documents.version_report(snapshot) if snapshot else documents.current_report(cycle)
                data = ranking_xlsx(report) if kind == "xlsx" else documents.ranking_pdf(report)
            elif kind == "detail":
                data = detail_xlsx(exports.detail_report(cycle))
            elif kind == "scorecard":
                unit = CycleUnit.objects.filter(cycle=cycle, code=options["unit"] or "").first()
                if unit is None:
                    raise CommandError("请用 --unit 给出这个考核周期的单位编码。")
                context = next(documents.current_scorecards(cycle, only=unit))
                data = (documents.scorecard_docx(cycle, context) if path.suffix.lower() == ".docx"
                        else documents.scorecard_pdf(context))
            else:
                self.write_scorecards(cycle, path)
                return
            write_atomically(path, data)
        except RulesError as error:
            raise CommandError(f"结果无法计算：{one_line(error.problems)}") from None
        except ResultsError as error:
            message = error.message
            if "发文" in message:
                message += "（kaohe results notice CYCLE --issuer … --number …）"
            raise CommandError(message) from None
        except (FormatError, PdfError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已写出 {path}")

    def write_scorecards(self, cycle: Cycle, path: Path) -> None:
        """Every unit's scorecard, written batch by batch to a temporary file renamed into place."""
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise CommandError(f"{directory}：输出目录不存在")
        with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False) as out:
            try:
                pages = documents.write_scorecards_pdf(documents.current_scorecards(cycle), out)  # type: ignore[arg-type]
            except BaseException:
                Path(out.name).unlink(missing_ok=True)
                raise
        Path(out.name).replace(path)
        self.stdout.write(f"已写出 {path}（{pages}页）")

    def notice(self, cycle: Cycle, options: dict) -> None:
        snapshot = self.snapshot(cycle, options["version"])
        assert snapshot is not None
        values = {name: options[key] for name, key in (
            ("issuer", "issuer"), ("number", "number"), ("title", "title"), ("recipients", "recipients"),
            ("copies", "copies"), ("printer", "printer"), ("day", "date"), ("opening", "opening"),
            ("closing", "closing")) if options[key] is not None}
        if values:
            try:
                with acting_as(name="kaohe results notice"):
                    documents.save_notice(snapshot, None, values)
            except ResultsError as error:
                raise CommandError(one_line(error.problems or [error.message])) from None
        details = documents.details_json(documents.notice_details(snapshot))
        missing = documents.missing_fields(documents.notice_details(snapshot))
        if options["json"]:
            self.stdout.write(json.dumps({"version": snapshot.version, **details, "missing": missing},
                                         ensure_ascii=False, indent=2))
            return
        for name, label in (("issuer", "发文机关"), ("number", "发文字号"), ("title", "标题"), ("recipients", "主送机关"),
                            ("copies", "抄送机关"), ("printer", "印发机关"), ("day", "成文日期"),
                            ("opening", "开头段落"), ("closing", "结尾段落")):
            self.stdout.write(f"{label}：{details[name] or '（空）'}")
        if missing:
            self.stdout.write(f"生成通报前请填写：{'、'.join(missing)}")

    def template(self, cycle: Cycle, options: dict) -> None:
        kind, scope = options["kind"], None if options["installation"] else cycle
        where = "全系统" if scope is None else f"“{cycle.name}”"
        if options["default"]:
            write_atomically(Path(options["default"]), documents.TEMPLATES[kind][0]())
            self.stdout.write(f"已写出 {options['default']}")
        elif options["reset"]:
            with acting_as(name="kaohe results template"):
                count = documents.reset_template(kind, scope, None)
            self.stdout.write(f"已恢复{where}的默认模板（删除{count}个上传的模板）。")
        else:
            path = Path(options["upload"])
            try:
                data = read_bytes(path)
                with acting_as(name="kaohe results template"):
                    documents.store_template(kind, scope, None, path.name, data)
            except FormatError as error:
                raise CommandError(str(error)) from None
            except ResultsError as error:
                raise CommandError(f"{path}：{error.message}") from None
            self.stdout.write(f"已采用{where}的新模板 {path.name}。")

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
