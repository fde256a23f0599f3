"""`kaohe survey list | create | codes | close | results | publish`: the 民主测评 on the command line.

    kaohe survey create CYCLE --name NAME --opens "2026-12-10 09:00" --closes "2026-12-10 10:00" \\
        --group 市级领导:0.2:30 --group 市直部门负责人:0.4:120 [--group …] \\
        [--question 总体评价:1] [--options "好=100 较好=80 一般=60 差=40"] [--target CODE …] \\
        [--valid 2/3] [--min-group-size 5] [--no-abstain]
    kaohe survey codes SURVEY --group G [--add N] [--void 3,17,20-25] [--pdf FILE]
    kaohe survey close SURVEY
    kaohe survey results SURVEY [--json]
    kaohe survey publish SURVEY

CYCLE and SURVEY are ids or names; times are Beijing time. `codes` makes the group's planned codes
when it has none yet, adds N more with --add, voids unused ones by serial number with --void, and
writes the group's unused codes as the A4 sheet of slips with --pdf.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kaohe.audit.context import acting_as
from kaohe.core.survey import DEFAULT_OPTIONS, BallotError, parse_options
from kaohe.cycles.management.commands.cycle import find_cycle
from kaohe.formats.files import write_atomically
from kaohe.formats.pdf import PdfError
from kaohe.survey import codes, outcome, sheet
from kaohe.survey.definition import (
    GroupInput,
    QuestionInput,
    SurveyError,
    SurveyInput,
    save_survey,
    set_window,
)
from kaohe.survey.forms import CodesForm, parse_rule
from kaohe.survey.models import PublishedSurvey, RaterGroup, Survey

STATES = {"draft": "未开始", "open": "测评中", "closed": "已结束"}


def find_survey(text: str) -> Survey:
    found = list(Survey.objects.filter(name=text).select_related("cycle")[:2])
    if not found and text.isdigit():
        found = list(Survey.objects.filter(pk=int(text)).select_related("cycle"))
    if len(found) > 1:
        raise CommandError(f"有多个名为“{text}”的测评，请给出编号（kaohe survey list）。")
    if not found:
        raise CommandError(f"没有测评“{text}”（请给出编号或名称；kaohe survey list 列出全部）。")
    return found[0]


def parse_time(text: str, what: str) -> datetime:
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return timezone.make_aware(datetime.strptime(text.strip(), layout))
        except ValueError:
            continue
    raise CommandError(f"{what}应写成“2026-12-10 09:00”（北京时间）：{text}")


def parse_group(text: str) -> GroupInput:
    name, _, rest = text.rpartition(":")
    name, _, weight = name.rpartition(":")
    try:
        return GroupInput(name.strip(), Decimal(weight), int(rest))
    except (InvalidOperation, ValueError):
        raise CommandError(f"--group 应写成“名称:权重:测评码数”，如“市级领导:0.2:30”：{text}") from None


def problems_text(error: SurveyError) -> str:
    return "；".join(error.problems)


class Command(BaseCommand):
    help = ("民主测评：kaohe survey list | create CYCLE … | codes SURVEY --group G [--add N] [--void 序号] "
            "[--pdf FILE] | close SURVEY | results SURVEY [--json] | publish SURVEY")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出全部测评")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        create = sub.add_parser("create", help="新建测评")
        create.add_argument("cycle", help="考核周期的编号或名称")
        create.add_argument("--name", required=True, help="测评名称")
        create.add_argument("--opens", required=True, help="开始时间，如“2026-12-10 09:00”（北京时间）")
        create.add_argument("--closes", required=True, help="结束时间")
        create.add_argument("--group", action="append", required=True, metavar="名称:权重:码数",
                            help="测评群体，可重复；权重之和为1")
        create.add_argument("--question", action="append", metavar="问题:权重",
                            help="测评问题，可重复；默认“总体评价:1”；权重之和为1")
        create.add_argument("--options", default=None, help="每个问题的选项，默认“好=100 较好=80 一般=60 差=40”")
        create.add_argument("--target", action="append", default=[], metavar="单位编码",
                            help="被测评对象，可重复；默认本考核周期全部单位")
        create.add_argument("--valid", default="2/3", help="有效票：至少评价的对象比例，默认 2/3")
        create.add_argument("--min-group-size", type=int, default=5, help="分组显示的最少人数，默认 5")
        create.add_argument("--no-abstain", action="store_true", help="不允许弃权")
        code = sub.add_parser("codes", help="生成、增加、作废测评码，打印测评码纸条（PDF）")
        code.add_argument("survey", help="测评的编号或名称")
        code.add_argument("--group", required=True, help="测评群体名称")
        code.add_argument("--add", type=int, default=None, metavar="N", help="再增加 N 个测评码")
        code.add_argument("--void", default="", metavar="序号", help="作废未使用的测评码，如“3,17,20-25”")
        code.add_argument("--pdf", metavar="FILE", help="把该群体未使用的测评码写成 A4 纸条 PDF")
        close = sub.add_parser("close", help="立即结束测评")
        close.add_argument("survey", help="测评的编号或名称")
        results = sub.add_parser("results", help="测评结果（测评结束后）")
        results.add_argument("survey", help="测评的编号或名称")
        results.add_argument("--json", action="store_true", help="以 JSON 输出")
        publish = sub.add_parser("publish", help="发布测评结果（不可更改）")
        publish.add_argument("survey", help="测评的编号或名称")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        with acting_as(name=f"kaohe survey {action}"):
            try:
                getattr(self, action)(options)
            except SurveyError as error:
                raise CommandError(problems_text(error)) from None

    def list(self, options: dict) -> None:
        rows = [{"id": s.pk, "name": s.name, "cycle": s.cycle.name, "state": s.state(),
                 "published": hasattr(s, "published"), "opens_at": s.opens_at.isoformat(),
                 "closes_at": s.closes_at.isoformat()}
                for s in Survey.objects.select_related("cycle", "published").order_by("pk")]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            state = "已发布" if row["published"] else STATES[str(row["state"])]
            self.stdout.write(f"{row['id']}\t{row['name']}\t{row['cycle']}\t{state}")

    def create(self, options: dict) -> None:
        cycle = find_cycle(options["cycle"])
        try:
            choices = parse_options(options["options"]) if options["options"] else DEFAULT_OPTIONS
        except BallotError as error:
            raise CommandError(error.problems[0]) from None
        questions = []
        for text in options["question"] or ["总体评价:1"]:
            name, _, weight = text.rpartition(":")
            try:
                questions.append(QuestionInput(name, Decimal(weight), choices))
            except InvalidOperation:
                raise CommandError(f"--question 应写成“问题:权重”：{text}") from None
        rule = parse_rule(options["valid"])
        if rule is None:
            raise CommandError(f"--valid 应写成分数，如 2/3：{options['valid']}")
        values = SurveyInput(
            name=options["name"], opens_at=parse_time(options["opens"], "--opens"),
            closes_at=parse_time(options["closes"], "--closes"),
            groups=[parse_group(g) for g in options["group"]], questions=questions, targets=options["target"],
            valid_numerator=rule[0], valid_denominator=rule[1], min_group_size=options["min_group_size"],
            abstain_allowed=not options["no_abstain"])
        survey = save_survey(cycle, None, values)
        self.stdout.write(f"已新建测评 {survey.pk}“{survey.name}”（{len(survey.targets)}个被测评对象，"
                          f"{survey.groups.count()}个测评群体）。")

    def codes(self, options: dict) -> None:
        survey = find_survey(options["survey"])
        group = RaterGroup.objects.select_related("survey__cycle").filter(survey=survey, name=options["group"]).first()
        if group is None:
            names = "、".join(survey.groups.values_list("name", flat=True))
            raise CommandError(f"测评“{survey.name}”没有测评群体“{options['group']}”（有：{names}）。")
        if options["void"]:
            form = CodesForm({"serials": options["void"]})
            form.is_valid()
            try:
                serials = form.serial_numbers()
            except ValidationError as error:
                raise CommandError("；".join(error.messages)) from None
            voided = codes.void_codes(survey, group, serials=serials)
            self.stdout.write(f"已作废 {voided} 个未使用的测评码。")
        if options["add"] is not None:
            made = codes.add_codes(group, options["add"])
            self.stdout.write(f"已为“{group.name}”增加 {made} 个测评码。")
        elif not group.codes.exists():
            made = codes.add_codes(group)
            self.stdout.write(f"已为“{group.name}”生成 {made} 个测评码。")
        if options["pdf"]:
            found = codes.slips(group)
            if not found:
                raise CommandError(f"“{group.name}”没有未使用的测评码可打印。")
            try:
                write_atomically(Path(options["pdf"]), sheet.sheet_pdf(group, found))
            except PdfError as error:
                raise CommandError(str(error)) from None
            codes.printed(group, len(found))
            self.stdout.write(f"已写出 {options['pdf']}（{len(found)} 张测评码纸条）。")

    def close(self, options: dict) -> None:
        survey = set_window(find_survey(options["survey"]), None, closes_at=timezone.now())
        self.stdout.write(f"测评“{survey.name}”已结束。")

    def results(self, options: dict) -> None:
        survey = find_survey(options["survey"])
        published = PublishedSurvey.objects.filter(survey=survey).first()
        if published is None and survey.state() != "closed":
            raise CommandError("测评结束后才能查看结果（kaohe survey close 可立即结束）。")
        data = published.results if published is not None else outcome.compute(survey)
        if options["json"]:
            self.stdout.write(json.dumps({**data, "published": published is not None}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['name']}：收回选票 {data['cast']} 张，有效 {data['valid']} 张"
                          f"{'（已发布）' if published else '（未发布）'}")
        for target in data["targets"]:
            groups = " ".join(f"{g['name']}={g['average'] if g['shown'] else '不显示'}({g['rated']})"
                              for g in target["groups"])
            self.stdout.write(f"{target['code']}\t{target['name']}\t{target['score'] or '—'}\t{groups}\t"
                              f"弃权 {target['abstained']}")

    def publish(self, options: dict) -> None:
        survey = find_survey(options["survey"])
        published = outcome.publish(survey, None)
        self.stdout.write(f"已发布测评“{survey.name}”的结果（{len(published.results['targets'])}个被测评对象）；"
                          "可在考核结果设置中选作得分构成的来源。")
