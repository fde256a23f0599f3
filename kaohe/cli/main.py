"""`kaohe`: the project's one command line.

    kaohe scheme list|check|show|summary|import|export|diff …   (no database needed)
    kaohe user create … | token create … | load-defaults | cycle list | demo
    kaohe migrate | runserver | … (every Django management command)
    kaohe bench …   (in a checkout only: the benchmarks, `python -m benchmarks …`)

Exit codes: 0 success; 1 the input was read but has errors (e.g. `scheme check` found errors);
2 unreadable input or bad usage, with a one-line reason on stderr. No tracebacks: set
KAOHE_DEBUG=1 to see one for an unexpected internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from kaohe import __version__
from kaohe.cli import scheme as scheme_commands
from kaohe.formats.errors import FormatError

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own errors: one line, exit 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNREADABLE, f"kaohe: 错误：{message}\n")


OWN_COMMANDS = {"scheme"}
CHECKOUT = Path(__file__).resolve().parents[2]  # the source checkout, when Kaohe runs from one
EPILOG = ("其他命令由 Django 执行：kaohe user create、kaohe token create、kaohe load-defaults、"
          "kaohe cycle list、kaohe demo、kaohe migrate、kaohe runserver 等；"
          "kaohe help 列出全部，kaohe help 命令 查看说明。")


def run_django(argv: list[str]) -> int:
    """Django's management commands under the same `kaohe` command (`load-defaults` → load_defaults)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.web.settings")
    from django.core.management import execute_from_command_line

    name, rest = argv[0].replace("-", "_"), argv[1:]
    if name == "help" and rest:
        rest = [rest[0].replace("-", "_"), *rest[1:]]
    try:
        execute_from_command_line(["kaohe", name, *rest])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else EXIT_FINDINGS
    return EXIT_OK


def run_benchmarks(argv: list[str]) -> int:
    """`kaohe bench …`: the checkout's benchmarks (benchmarks/, never shipped in the package), as
    `python -m benchmarks …` runs them; one line on stderr where there is no checkout."""
    if not (CHECKOUT / "benchmarks" / "cli.py").is_file():
        print(f"kaohe: 错误：kaohe bench 只能在源码检出中运行（基准不随安装包发布），{CHECKOUT} 下没有 benchmarks/。",
              file=sys.stderr)
        return EXIT_UNREADABLE
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    # imported here, not at the top: the benchmarks are not part of the installed package
    from benchmarks.cli import main as benchmarks_main

    return benchmarks_main(argv, prog="kaohe bench")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kaohe", description="Kaohe (考核)：按指标体系开展综合考核。", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"kaohe {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    scheme_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "bench":
            return run_benchmarks(argv[1:])
        if argv and not argv[0].startswith("-") and argv[0] not in OWN_COMMANDS:
            return run_django(argv)
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or EXIT_OK)
    except FormatError as error:
        print(f"kaohe: 错误：{error}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BrokenPipeError:  # the reader went away (`kaohe … | head`): not an error
        sys.stderr.close()  # nothing more can be written, and Python must not complain at exit
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # last resort: one line, never a traceback in front of a user
        if os.environ.get("KAOHE_DEBUG"):
            raise
        print(f"kaohe: 内部错误：{type(error).__name__}: {error}（设 KAOHE_DEBUG=1 查看详情）", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
