"""The benchmarks' command line: `python -m benchmarks …` (or `kaohe bench …` in a checkout).

    python -m benchmarks generate --units N --items M [--db URL] [--seed S] [--locked] [--unscored SHARE]
    python -m benchmarks run [--quick | --full | --tiny] [--only NAME …] [--output BENCHMARKS.md] [--no-postgres]
                             [--results-units N]
    python -m benchmarks measure NAME --size SIZE --units N --items M   (the runner's worker)

`generate` writes a synthetic cycle (`benchmarks.generate`) into a benchmark database — by default
`$KAOHE_DATA_DIR/bench.sqlite3`, never the database Kaohe itself uses — migrating it first.
`run` runs the benchmarks and writes BENCHMARKS.md (`benchmarks.runner`). Both work in child
processes with DATABASE_URL set to the benchmark database, under `benchmarks.settings`.

Exit codes: 0 done; 1 refused (with a one-line reason on stderr); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

SETTINGS = "benchmarks.settings"
CHILD = "KAOHE_BENCH_CHILD"
PROG = "python -m benchmarks"


class Refused(Exception):
    """A one-line reason the command cannot do what was asked (Chinese, for the user)."""


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    from benchmarks import runner

    top = argparse.ArgumentParser(prog=prog, description="性能基准：生成合成考核周期，运行基准并写出 BENCHMARKS.md。")
    sub = top.add_subparsers(dest="action", required=True, metavar="ACTION")
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
    run.add_argument("--workdir", metavar="DIR", help="基准数据库和临时文件所在目录（默认 $KAOHE_DATA_DIR/bench）")
    run.add_argument("--no-postgres", action="store_true",
                     help="不使用 PostgreSQL（默认用 KAOHE_BENCH_POSTGRES_URL，或临时启动一个集群）")
    run.add_argument("--results-units", type=int, metavar="N",
                     help="结果基准（results，及沿用其周期的 export）的合成周期用 N 个单位（PostgreSQL 和 SQLite 都是；"
                          "考核内容数不变），代替该规模的单位数，如 --quick --results-units 50000，"
                          "看时间花在哪里而不必跑完整规模")
    run.set_defaults(size="quick")

    measure = sub.add_parser("measure", help="（运行器内部使用）在 DATABASE_URL 上运行一个基准，输出 JSON")
    measure.add_argument("name", choices=runner.CHILD_BENCHMARKS)
    measure.add_argument("--size", choices=list(runner.SIZES), default="quick")
    measure.add_argument("--units", type=int, required=True)
    measure.add_argument("--items", type=int, required=True)
    return top


def setup() -> None:
    """Django under the benchmarks' settings, unless the caller has already set it up (a test)."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
        django.setup()


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    args = parser(prog).parse_args(list(sys.argv[1:] if argv is None else argv))
    setup()
    try:
        {"generate": generate, "run": run, "measure": measure}[args.action](args)
    except Refused as error:
        print(f"{prog}: 错误：{error}", file=sys.stderr)
        return 1
    return 0


def default_bench_url() -> str:
    from django.conf import settings

    return f"sqlite:///{Path(settings.DATA_DIR) / 'bench.sqlite3'}"


def generate(args: argparse.Namespace) -> None:
    from benchmarks import runner

    if args.units < 1 or args.items < 1:
        raise Refused("--units 和 --items 都必须至少为 1。")
    if not 0 <= args.unscored < 1:
        raise Refused("--unscored 必须在 0 到 1 之间（不含 1）。")
    if os.environ.get(CHILD) != "generate":  # this process: hand over to a child on the benchmark database
        url = args.db or default_bench_url()
        argv = ["generate", "--units", str(args.units), "--items", str(args.items), "--seed", str(args.seed),
                "--unscored", str(args.unscored)] + (["--locked"] if args.locked else [])
        errors: list[str] = []

        def echo(line: str) -> None:
            if "错误：" in line:
                errors.append(line.split("错误：", 1)[1])
            else:
                print(line)

        code, _figures = runner.run_child(argv, url, echo=echo, env={CHILD: "generate"})
        if code != 0:
            raise Refused(f"生成失败：{'；'.join(errors) or f'退出码 {code}'}")
        return
    from django.core.management import call_command

    from benchmarks.generate import GenerateError
    from benchmarks.generate import generate as write_cycle

    call_command("migrate", verbosity=0, skip_checks=True)
    try:
        made = write_cycle(args.units, args.items, seed=args.seed, locked=args.locked, unscored=args.unscored,
                           progress=print)
    except GenerateError as error:
        raise Refused(str(error)) from None
    print(f"已生成考核周期“{made.name}”（编号 {made.cycle_id}）：{made.units:,} 个单位 × "
          f"{made.items} 项 = {made.scores:,} 个评分（{made.deductions:,} 个扣分），"
          f"{made.adjustments} 项结果调整；用时 {made.seconds:.1f} 秒（{made.vendor}）。")


def run(args: argparse.Namespace) -> None:
    from benchmarks import runner

    try:
        path = runner.run(args.size, only=args.only, output=Path(args.output), postgres=not args.no_postgres,
                          results_units=args.results_units,
                          workdir=Path(args.workdir) if args.workdir else None)
    except runner.BenchError as error:
        raise Refused(str(error)) from None
    print(f"已写出 {path}")


def measure(args: argparse.Namespace) -> None:
    from benchmarks import runner

    if os.environ.get(CHILD) != "measure":
        raise Refused("measure 由 run 在子进程中调用，请用 python -m benchmarks run。")
    figures = runner.measure_here(args.name, args.size, args.units, args.items,
                                  say=lambda m: print(m, file=sys.stderr, flush=True))
    sys.stdout.write(runner.FIGURES_MARK + json.dumps([asdict(f) for f in figures], ensure_ascii=False) + "\n")
    sys.stdout.flush()
