"""Every finding code, the checker's and the readers', has a short Chinese label shown beside it
(kaohe.formats.labels), every label is in the site's English catalogue, and the README lists the
checker's codes as the checker has them."""

from __future__ import annotations

import re
from pathlib import Path

import kaohe
from kaohe.core import check
from kaohe.formats import labels

PACKAGE = Path(kaohe.__file__).resolve().parent
README = PACKAGE.parent / "README.md"
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"


def emitted_by_the_checker() -> set[str]:
    source = (PACKAGE / "core" / "check.py").read_text(encoding="utf-8")
    return set(re.findall(r'(?:emit|make)\(\s*[^,]+,\s*[^,]+,\s*"([a-z-]+)"', source))


def emitted_by_the_readers() -> set[str]:
    found = set()
    for path in (PACKAGE / "formats").rglob("*.py"):
        if path.name != "labels.py":
            found |= set(re.findall(r'"((?:text|xlsx)-[a-z]+(?:-[a-z]+)*)"', path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_checker_and_the_readers_emit_has_a_label():
    checker, readers = emitted_by_the_checker(), emitted_by_the_readers()
    assert "points-mismatch" in checker and "text-no-year" in readers and "xlsx-no-year" in readers
    assert checker == set(check.ERRORS) | set(check.WARNINGS) == set(check.LABELS)
    assert not readers - set(labels.READER_LABELS), "reader codes without a label in kaohe/formats/labels.py"
    assert all(labels.label(code) for code in checker | readers)
    assert labels.label("no-such-code") == ""


def test_every_label_is_translated():
    catalogue = CATALOGUE.read_text(encoding="utf-8")
    missing = [label for label in labels.LABELS.values() if f'msgid "{label}"' not in catalogue]
    assert not missing, f"labels missing from django.po (run `make messages`): {missing}"


def test_the_readme_lists_the_checkers_codes_with_their_severity():
    text = " ".join(README.read_text(encoding="utf-8").split())
    listed = text.split("What the checker reports (codes):", 1)[1].split("Readers add", 1)[0]
    errors, warnings = listed.split("(errors);", 1)
    assert sorted(re.findall(r"`([a-z-]+)`", errors)) == sorted(check.ERRORS)
    assert sorted(re.findall(r"`([a-z-]+)`", warnings)) == sorted(check.WARNINGS)
