"""`kaohe bench generate …`, `kaohe bench run …` and `kaohe bench measure …` (the runner's worker).

    kaohe bench generate --units N --items M [--db URL] [--seed S] [--locked] [--unscored SHARE]
    kaohe bench run [--quick | --full | --tiny] [--only NAME …] [--output BENCHMARKS.md] [--no-postgres]

`generate` writes a synthetic cycle (`kaohe.bench.generate`) into a benchmark database — by
default `$KAOHE_DATA_DIR/bench.sqlite3`, never the database Kaohe itself uses — migrating it first.
`run` runs the benchmarks and writes BENCHMARKS.md (`kaohe.bench.runner`). Both work in child
processes with DATABASE_URL set to the benchmark database.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaohe.bench import runner

CHILD = "KAOHE_BENCH_CHILD"


def default_bench_url() -> str:
    return f"sqlite:///{Path(settings.DATA_DIR) / 'bench.sqlite3'}"


class Command(BaseCommand):
    help = ("性能基准：kaohe bench generate --units N --items M [--db URL] [--seed S] 生成合成考核周期；"
            "kaohe bench run [--quick|--full] [--only 名称…] [--output BENCHMARKS.md] 运行基准并写出结果")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="生成合成考核周期（单位 × 考核内容个评分）")
        generate.add_argument("--units", type=int, required=True, help="被考核单位数")
        generate.add_argument("--items", type=int, required=True, help="每个单位的考核内容数")
        generate.add_argument("--db", metavar="URL",
                              help="基准数据库，如 postgres://… 或 sqlite:///路径（默认 $KAOHE_DATA_DIR/bench.sqlite3，"
                                   "不是 Kaohe 自己的数据库）")
        generate.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）：同一种子在任何数据库上生成相同数据")
        generate.add_argument("--locked", action="store_true", help="生成已锁定的考核周期（默认为评分中）")
        generate.add_argument("--unscored", type=float, default=0.0, help="未评分任务的比例（默认 0）")

        run = sub.add_parser("run", help="运行基准并写出 BENCHMARKS.md")
        size = run.add_mutually_exclusive_group()
        size.add_argument("--quick", dest="size", action="store_const", const="quick",
                          help="快速模式（默认）：小规模，几分钟内完成")
        size.add_argument("--full", dest="size", action="store_const", const="full",
                          help="完整规模：PostgreSQL 上 20 万单位 × 60 项（1200 万个评分）等")
        size.add_argument("--tiny", dest="size", action="store_const", const="tiny",
                          help="最小规模，只检查基准代码能运行（测试用）")
        run.add_argument("--only", nargs="+", metavar="NAME", choices=runner.BENCHMARKS,
                         help=f"只运行这些基准：{' '.join(runner.BENCHMARKS)}")
        run.add_argument("--output", default="BENCHMARKS.md", help="结果文件（默认 BENCHMARKS.md）")
        run.add_argument("--workdir", metavar="DIR",
                         help="基准数据库和临时文件所在目录（默认 $KAOHE_DATA_DIR/bench）")
        run.add_argument("--no-postgres", action="store_true",
                         help="不使用 PostgreSQL（默认用 KAOHE_BENCH_POSTGRES_URL，或临时启动一个集群）")
        run.set_defaults(size="quick")

        measure = sub.add_parser("measure", help="（运行器内部使用）在 DATABASE_URL 上运行一个基准，输出 JSON")
        measure.add_argument("name", choices=runner.CHILD_BENCHMARKS)
        measure.add_argument("--size", choices=list(runner.SIZES), default="quick")
        measure.add_argument("--units", type=int, required=True)
        measure.add_argument("--items", type=int, required=True)

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        action = options["action"]
        if action == "generate":
            self.generate(options)
        elif action == "run":
            self.run(options)
        else:
            self.measure(options)

    # -- generate ------------------------------------------------------------------------------

    def generate(self, options: dict) -> None:
        units, items = options["units"], options["items"]
        if units < 1 or items < 1:
            raise CommandError("--units 和 --items 都必须至少为 1。")
        if not 0 <= options["unscored"] < 1:
            raise CommandError("--unscored 必须在 0 到 1 之间（不含 1）。")
        if os.environ.get(CHILD) != "generate":
            url = options["db"] or default_bench_url()
            argv = ["bench", "generate", "--units", str(units), "--items", str(items), "--seed", str(options["seed"]),
                    "--unscored", str(options["unscored"])] + (["--locked"] if options["locked"] else [])
            errors: list[str] = []

            def echo(line: str) -> None:
                if line.startswith(("CommandError: ", "kaohe: ")):
                    errors.append(line.split(": ", 1)[1])
                else:
                    self.stdout.write(line)

            code, _figures = runner.run_child(argv, url, echo=echo, env={CHILD: "generate"})
            if code != 0:
                raise CommandError(f"生成失败：{'；'.join(errors) or f'退出码 {code}'}")
            return
        from django.core.management import call_command

        from kaohe.bench.generate import GenerateError, generate

        call_command("migrate", verbosity=0, skip_checks=True)
        try:
            made = generate(units, items, seed=options["seed"], locked=options["locked"],
                            unscored=options["unscored"], progress=lambda m: self.stdout.write(m))
        except GenerateError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已生成考核周期“{made.name}”（编号 {made.cycle_id}）：{made.units:,} 个单位 × "
                          f"{made.items} 项 = {made.scores:,} 个评分（{made.deductions:,} 个扣分），"
                          f"{made.adjustments} 项结果调整；用时 {made.seconds:.1f} 秒（{made.vendor}）。")

    # -- run -----------------------------------------------------------------------------------

    def run(self, options: dict) -> None:
        try:
            path = runner.run(options["size"], only=options["only"], output=Path(options["output"]),
                              postgres=not options["no_postgres"], say=self.stdout.write,
                              workdir=Path(options["workdir"]) if options["workdir"] else None)
        except runner.BenchError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已写出 {path}")

    def measure(self, options: dict) -> None:
        if os.environ.get(CHILD) != "measure":
            raise CommandError("kaohe bench measure 由 kaohe bench run 在子进程中调用，请用 kaohe bench run。")
        figures = runner.measure_here(options["name"], options["size"], options["units"], options["items"],
                                      say=lambda m: print(m, file=sys.stderr, flush=True))
        sys.stdout.write(runner.FIGURES_MARK + json.dumps([asdict(f) for f in figures], ensure_ascii=False) + "\n")
        sys.stdout.flush()

