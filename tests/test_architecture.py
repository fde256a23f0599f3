"""The import rule of docs/architecture.md, read from the code: no import from a higher layer (nor
between the components of one layer), no import cycle, no function-local import of a kaohe module
without a comment saying why. The rule and the layers are in scripts/import-graph."""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "import-graph"


@pytest.fixture(scope="module")
def graph():
    loader = SourceFileLoader("kaohe_import_graph", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up
    loader.exec_module(module)
    yield module
    del sys.modules[loader.name]


def test_the_imports_keep_the_layers(graph):
    assert graph.problems() == []


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_check_finds_each_kind_of_breach(graph, tmp_path):
    write(tmp_path, {
        "kaohe/__init__.py": "",
        "kaohe/core/__init__.py": "",
        "kaohe/core/sums.py": "from kaohe.cycles.models import Cycle\n",  # up from the core
        "kaohe/cycles/__init__.py": "",
        "kaohe/cycles/models.py": "from kaohe.cycles import review\n",
        "kaohe/cycles/review.py": "from kaohe.cycles.models import Cycle\n",  # a loop with models
        "kaohe/claims/__init__.py": "",
        "kaohe/claims/rules.py": ("def check():\n    from kaohe.results import service\n\n\n"
                                  "def explained():\n    # Django's app loading: models are ready only now\n"
                                  "    from kaohe.cycles import models\n"),
        "kaohe/results/__init__.py": "",
        "kaohe/results/service.py": "import kaohe.cycles.models\n",
        "kaohe/survey/__init__.py": "",
        "kaohe/survey/values.py": "from kaohe.cycles.models import Cycle\n",  # a new app, placed already
        "kaohe/nowhere/__init__.py": "from kaohe.core import sums\n",
        "kaohe/core/migrations/0001_initial.py": "from kaohe.cycles import models\n",  # migrations aside
    })
    imports = graph.read_imports(tmp_path)
    assert {(i.source, i.target) for i in imports} >= {
        ("kaohe.core.sums", "kaohe.cycles.models"), ("kaohe.cycles.models", "kaohe.cycles.review"),
        ("kaohe.results.service", "kaohe.cycles.models"), ("kaohe.survey.values", "kaohe.cycles.models")}
    found = "\n".join(graph.problems(imports))
    assert "kaohe/core/sums.py:1: kaohe.core.sums (kaohe.core) imports kaohe.cycles.models from a higher layer" in found
    assert "kaohe/claims/rules.py:2: kaohe.claims.rules (kaohe.claims) imports kaohe.results.service from its own layer" in found
    assert "kaohe/claims/rules.py:2: a function-local import of kaohe.results.service without a comment" in found
    assert "rules.py:7: a function-local" not in found  # the comment above says why
    assert "import cycle: kaohe.cycles.models ↔ kaohe.cycles.review" in found
    assert "kaohe.nowhere is in no layer" in found
    assert "migrations" not in found and "survey" not in found and "kaohe.results.service (" not in found
    assert len(graph.problems(imports)) == 5


def test_imports_under_type_checking_make_no_cycle(graph, tmp_path):
    write(tmp_path, {
        "kaohe/__init__.py": "",
        "kaohe/cycles/__init__.py": "",
        "kaohe/cycles/a.py": "from kaohe.cycles import b\n",
        "kaohe/cycles/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kaohe.cycles import a\n",
    })
    assert graph.problems(graph.read_imports(tmp_path)) == []



HEAVY_LIBRARIES = ("openpyxl", "xlsxwriter", "docx", "docxtpl", "weasyprint", "PIL", "rjieba", "duckdb")


def test_setting_up_django_loads_no_spreadsheet_word_or_pdf_library(tmp_path):
    """A command, the results computation and the benchmarks' child processes set Django up; the
    libraries that read and write files are loaded by the code that needs them, not by the apps'
    ready() (their to-do and cockpit registries): about 16 MB less in every such process."""
    import subprocess

    probe = f"import sys, django; django.setup(); print(sorted(n for n in {HEAVY_LIBRARIES!r} if n in sys.modules))"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "kaohe.web.settings", "KAOHE_DATA_DIR": str(tmp_path)}
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                            cwd=SCRIPT.parents[1], check=True).stdout.strip()
    assert loaded == "[]", f"loaded by django.setup(): {loaded}"
