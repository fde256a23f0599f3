"""The shipped defaults: the two 2018 Luoyang schemes (curated YAML), the units and departments.

`builtin_names()` lists the schemes; `builtin_path(name)` finds one. Units and departments are
read by `kaohe.formats.masterdata`.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
SCHEMES_DIR = DATA_DIR / "schemes"
UNITS_FILE = DATA_DIR / "units.yaml"
DEPARTMENTS_FILE = DATA_DIR / "departments.yaml"


def builtin_names() -> list[str]:
    return sorted(path.stem for path in SCHEMES_DIR.glob("*.yaml"))


def builtin_path(name: str) -> Path | None:
    path = SCHEMES_DIR / f"{name}.yaml"
    return path if name in builtin_names() else None
