"""`restore_backup(path)`: a backup into an empty installation; `verify_backup(path)`: check only.

Nothing in the installation is touched until the whole archive has been read and every member
matched the manifest: members are first copied into a hidden folder inside EVIDENCE_DIR (the same
file system, so evidence files can be renamed into place). Then, in one transaction, the rows are
loaded (`loaddata`, which also resets PostgreSQL's sequences), the row counts are compared with the
manifest, the dimension totals (derived, not backed up) are recounted from the scores, the evidence
files are renamed into place and the restore is recorded in the audit trail. Any failure rolls the
rows back and removes the files placed so far.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from kaohe.audit.context import acting_as
from kaohe.audit.record import record
from kaohe.cycles import totals
from kaohe.ops import archive, content
from kaohe.ops.archive import ArchiveError, Manifest


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    rows: int
    models: int
    evidence: int
    sidecar_checked: bool = False


def verify_backup(path: Path) -> RestoreSummary:
    """Read the whole archive and check every member; nothing is written anywhere."""
    result = archive.read_archive(path)
    return _summary(result.manifest, result.sidecar_checked)


def restore_backup(path: Path, using: str = DEFAULT_DB_ALIAS) -> RestoreSummary:
    connection = connections[using]
    evidence_root = content.evidence_dir()
    staging: Path | None = None

    def prepare(manifest: Manifest) -> Path:
        nonlocal staging
        check_migrations(manifest, content.applied_migrations(connection))
        check_empty(using)
        evidence_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=evidence_root))
        return staging

    placed: list[Path] = []
    try:
        result = archive.read_archive(path, prepare)
        with transaction.atomic(using=using):
            with totals.paused(connection):  # derived, not in the backup: counted once, after
                _load(result.staged[archive.DATABASE], using)
            check_counts(result.manifest, using)
            totals.rebuild_all(connection)
            for name, staged in result.staged.items():
                if name != archive.DATABASE:
                    target = evidence_root / name.removeprefix(archive.EVIDENCE_PREFIX)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, target)
                    placed.append(target)
            summary = _summary(result.manifest, result.sidecar_checked)
            with acting_as(name="kaohe restore"):
                record("backup.restore", "backup", path.name[:200], new={
                    "created_at": result.manifest.data.get("created_at"),
                    "kaohe_version": result.manifest.data.get("kaohe_version"),
                    "database_vendor": result.manifest.data.get("database_vendor"),
                    "rows": summary.rows, "evidence": summary.evidence})
    except BaseException:
        for target in placed:
            target.unlink(missing_ok=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return summary


def check_migrations(manifest: Manifest, here: dict[str, list[str]]) -> None:
    """The archive's schema must be this installation's: the same migrations applied."""
    if not here:
        raise ArchiveError("数据库尚未建立：请先运行 kaohe migrate")
    theirs = {(app, name) for app, names in manifest.migrations.items() for name in names}
    ours = {(app, name) for app, names in here.items() for name in names}
    if theirs - ours:
        app, name = sorted(theirs - ours)[0]
        raise ArchiveError(f"备份来自更新的 Kaohe（含本安装没有的迁移 {app}.{name}，"
                           f"备份由 Kaohe {manifest.data.get('kaohe_version', '?')} 写出）：请先升级本安装再恢复")
    if ours - theirs:
        app, name = sorted(ours - theirs)[0]
        raise ArchiveError(f"本安装的数据库结构比备份新（多出迁移 {app}.{name}）：请用写出备份的 Kaohe "
                           f"{manifest.data.get('kaohe_version', '?')} 恢复，然后升级并运行 kaohe migrate")


def check_empty(using: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse unless the installation has no rows and no evidence files."""
    found = []
    try:
        for model in content.backed_up_models():
            count = model._base_manager.using(using).count()
            if count:
                found.append(f"{model._meta.verbose_name} {count} 条")
    except DatabaseError:
        raise ArchiveError("数据库尚未建立或不完整：请先运行 kaohe migrate") from None
    files = len(content.evidence_files())
    if files:
        found.append(f"证据文件 {files} 个")
    if found:
        shown = "、".join(found[:5]) + ("等" if len(found) > 5 else "")
        raise ArchiveError(f"本安装不是空的（已有{shown}）：只能恢复到新安装"
                           "（新的数据库和数据目录，已运行 kaohe migrate）")


def check_counts(manifest: Manifest, using: str) -> None:
    for label, expected in manifest.row_counts.items():
        model = content.model_for(label)
        if model is None:
            raise ArchiveError(f"备份含本安装没有的数据表 {label}")
        loaded = model._base_manager.using(using).count()
        if loaded != expected:
            raise ArchiveError(f"恢复后 {label} 有 {loaded} 行，备份清单记为 {expected} 行")


def _load(database: Path, using: str) -> None:
    try:
        call_command("loaddata", str(database), database=using, verbosity=0)
    except ArchiveError:
        raise
    except Exception as error:  # the rows do not fit this installation: say so, in one line
        reason = str(error).replace("\n", " ")[:300]
        raise ArchiveError(f"数据无法载入（{type(error).__name__}: {reason}）") from None


def _summary(manifest: Manifest, sidecar_checked: bool = False) -> RestoreSummary:
    counts = manifest.row_counts
    return RestoreSummary(manifest, sum(counts.values()), len(counts), len(manifest.evidence), sidecar_checked)
