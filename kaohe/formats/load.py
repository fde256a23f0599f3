"""One entry point for reading schemes: a built-in name or a file in any supported format.

`.xlsx` → the official-layout reader; `.yaml`/`.yml` → YAML; anything else is decoded as text and
read as the official text conversion when it has the official header row, or as YAML when it
starts like a Kaohe scheme file. Official-text drafts borrow units, groups and departments from the
built-in schemes (table 1 → county, table 2 → municipal) so the checker can resolve their notes.
"""

from __future__ import annotations

from pathlib import Path

from kaohe.core.scheme import Location, Scheme
from kaohe.data import builtin_names, builtin_path
from kaohe.formats.errors import FormatError
from kaohe.formats.official_text.reader import looks_like_official_text, parse_official_text
from kaohe.formats.result import ReadResult
from kaohe.formats.text import decode_text
from kaohe.formats.xlsx_scheme import read_xlsx
from kaohe.formats.yaml_scheme import FORMAT_KEY, loads_yaml, read_yaml

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
YAML_SUFFIXES = {".yaml", ".yml"}
TEMPLATE_ORDER = ("luoyang-2018-county", "luoyang-2018-municipal")


def builtin_templates() -> list[Scheme]:
    return [read_yaml(path) for name in TEMPLATE_ORDER if (path := builtin_path(name))]


def read_path(path: str | Path) -> ReadResult:
    path = Path(path)
    if not path.exists():
        raise FormatError("文件不存在", Location(file=str(path)))
    if path.is_dir():
        raise FormatError("这是目录，不是文件", Location(file=str(path)))
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    if suffix in YAML_SUFFIXES:
        return ReadResult([read_yaml(path)])
    text = decode_text(path)
    if looks_like_official_text(text):
        return parse_official_text(text, str(path), templates=builtin_templates())
    if FORMAT_KEY in text[:2000]:
        return ReadResult([loads_yaml(text, str(path))])
    raise FormatError("无法识别的文件格式：既不是官方指标体系文本，也不是 xlsx 或 Kaohe YAML",
                      Location(file=str(path)))


def read_reference(reference: str) -> ReadResult:
    """A built-in scheme by name, or a file by path."""
    path = builtin_path(reference)
    if path is not None and not Path(reference).exists():
        return ReadResult([read_yaml(path)])
    if not Path(reference).exists() and "/" not in reference and "." not in reference:
        known = "、".join(builtin_names()) or "（无）"
        raise FormatError(f"没有名为“{reference}”的内置指标体系，也没有这个文件；内置：{known}")
    return read_path(reference)


def read_one(reference: str) -> Scheme:
    """Exactly one scheme; a file with several tables must be split with `kaohe scheme import`."""
    result = read_reference(reference)
    if len(result.schemes) != 1:
        names = "、".join(s.name for s in result.schemes)
        raise FormatError(f"文件含{len(result.schemes)}个指标体系（{names}），请先用 "
                          f"`kaohe scheme import {reference} --out 目录` 分开", Location(file=reference))
    return result.schemes[0]
