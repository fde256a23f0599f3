"""What a backup holds: which models' rows, the migration state, and the evidence files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import models
from django.db.migrations.recorder import MigrationRecorder

from kaohe.claims.models import Evidence

# Rebuilt by `kaohe migrate` in every installation (referenced by natural key), or worthless in
# another one (log-in sessions: the restored installation starts with everyone logged out).
# The dimension totals are derived from the scores, and recounted after a restore (kaohe.cycles.totals).
NOT_BACKED_UP = {"contenttypes.contenttype", "auth.permission", "sessions.session", "cycles.dimensiontotal"}
EVIDENCE_NAME = re.compile(r"[0-9a-f]{64}")


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete, managed model except NOT_BACKED_UP, ordered so that a model comes after
    the models its natural keys refer to (as `dumpdata` orders them)."""
    chosen = [m for m in apps.get_models()
              if m._meta.label_lower not in NOT_BACKED_UP and m._meta.managed and not m._meta.proxy]
    return serializers.sort_dependencies([(None, chosen)], allow_cycles=True)


def model_for(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def applied_migrations(connection) -> dict[str, list[str]]:
    """Applied migrations per app, from django_migrations ({} when the database has no tables)."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


@dataclass(frozen=True)
class EvidenceFile:
    sha256: str
    path: Path

    @property
    def member(self) -> str:
        return f"evidence/{self.sha256[:2]}/{self.sha256}"


def evidence_dir() -> Path:
    return Path(settings.EVIDENCE_DIR)


def evidence_files(root: Path | None = None) -> list[EvidenceFile]:
    """The evidence files: `<sha256[:2]>/<sha256>` under EVIDENCE_DIR (none if it does not exist).
    Hidden files (uploads being written) and anything else not named like that are not evidence."""
    root = evidence_dir() if root is None else root
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not (folder.is_dir() and re.fullmatch(r"[0-9a-f]{2}", folder.name)):
            continue
        for path in sorted(folder.iterdir()):
            if EVIDENCE_NAME.fullmatch(path.name) and path.name.startswith(folder.name) and path.is_file():
                found.append(EvidenceFile(path.name, path))
    return found


def referenced_evidence(using: str = "default") -> set[str]:
    """The SHA-256 of every evidence file a row refers to."""
    return set(Evidence.objects.using(using).values_list("sha256", flat=True).distinct())


@dataclass(frozen=True)
class EvidenceReport:
    files: int  # on disk
    referenced: int  # distinct files the rows refer to
    orphans: list[Path]  # on disk, referenced by no row
    missing: dict[str, list[str]]  # referenced, not on disk: SHA-256 → the names it was uploaded as
    damaged: list[Path]  # content does not match the name


def check_evidence_files() -> EvidenceReport:
    """The evidence folder against the Evidence rows (every file read once, to check its name)."""
    names: dict[str, list[str]] = {}
    for sha256, name in Evidence.objects.values_list("sha256", "name").order_by("sha256", "pk"):
        names.setdefault(sha256, []).append(name)
    files = evidence_files()
    on_disk = {item.sha256 for item in files}
    orphans = [item.path for item in files if item.sha256 not in names]
    damaged = [item.path for item in files if item.sha256 in names and file_sha256(item.path)[0] != item.sha256]
    missing = {sha256: found for sha256, found in names.items() if sha256 not in on_disk}
    return EvidenceReport(len(files), len(names), orphans, missing, damaged)


def file_sha256(path: Path) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            sha256.update(chunk)
            size += len(chunk)
    return sha256.hexdigest(), size
