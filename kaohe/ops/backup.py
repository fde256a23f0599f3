"""`create_backup(path)`: the database and the evidence files in one archive (see archive.py).

Consistency: the rows are read inside one read transaction — REPEATABLE READ, READ ONLY on
PostgreSQL, so the whole dump is one snapshot while others keep writing; on SQLite the
transaction holds the database's write lock (Kaohe opens SQLite transactions IMMEDIATE), so
writers wait until the dump ends (their 20-second busy timeout). Evidence files are hard-linked
into a hidden folder right after the snapshot starts, so a file deleted while the archive is being
written is still there to copy; an evidence file whose content does not match its name stops the
backup. Only files that a row of the snapshot references are carried (an upload that failed
half-way, or a file whose rows were deleted, is not evidence; `kaohe evidence check` lists them).
Everything is streamed (rows through the serializer, files in chunks) and written to a temporary
file beside `path` that is renamed into place at the end; the archive is readable by its owner
only (it holds password hashes). Then the SHA-256 of the whole file is written beside it
(`<path>.sha256`), which `kaohe restore` checks.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from pathlib import Path

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kaohe import __version__
from kaohe.formats.files import write_atomically
from kaohe.ops import archive, content
from kaohe.ops.archive import ArchiveError, Member


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    rows: int
    models: int
    evidence: int
    size: int
    sha256: str
    missing: tuple[str, ...] = ()  # referenced by a row, but not on disk


def create_backup(path: Path, using: str = DEFAULT_DB_ALIAS) -> BackupSummary:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ArchiveError(f"输出目录不存在：{directory}")
    if path.is_dir():
        raise ArchiveError(f"这是目录，不是文件：{path}")
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".work", dir=directory))
    try:
        database = work / archive.DATABASE
        with ExitStack() as links:
            with _snapshot(using) as connection:
                referenced = content.referenced_evidence(using)
                linked = links.enter_context(_linked_evidence(referenced))
                migrations = content.applied_migrations(connection)
                counts, db_member = _dump(database, using)
            missing = tuple(sorted(referenced - {item.sha256 for item, _source in linked}))
            evidence = _checked(linked)  # after the transaction: hashing files needs no lock
            summary = _write(path, directory, database, db_member, evidence, {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "kaohe_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database_vendor": connections[using].vendor,
                "migrations": migrations,
                "row_counts": counts,
                "members": {m.name: {"size": m.size, "sha256": m.sha256}
                            for m in [db_member, *(e for e, _ in evidence)]},
            })
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return replace(summary, missing=missing)


def _write(path: Path, directory: Path, database: Path, db_member: Member,
           evidence: list[tuple[Member, Path]], manifest: dict) -> BackupSummary:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as raw:
            out = archive.HashingWriter(raw)
            with tarfile.open(fileobj=out, mode="w|gz", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]  # a writable file
                archive.add_bytes(tar, archive.MANIFEST, archive.seal(manifest))
                archive.add_file(tar, archive.DATABASE, database, db_member)
                for member, source in evidence:
                    archive.add_file(tar, member.name, source, member)
            raw.flush()
            os.fsync(raw.fileno())
        archive.sidecar(path).unlink(missing_ok=True)  # never beside an archive it does not describe
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    write_atomically(archive.sidecar(path), f"{out.sha256.hexdigest()}  {path.name}\n".encode())
    counts = manifest["row_counts"]
    return BackupSummary(path, sum(counts.values()), len(counts), len(evidence), out.size,
                         out.sha256.hexdigest())



@contextmanager
def _snapshot(using: str):
    """One read transaction for the whole dump (see the module's note)."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with connection.cursor() as cursor:  # the snapshot starts with the first query
            cursor.execute("SELECT 1")
        yield connection


@contextmanager
def _linked_evidence(referenced: set[str]):
    """[(member, file to copy)] for every evidence file a row references, each checked against its
    name, with hard links in a hidden folder inside EVIDENCE_DIR (same file system) while the
    archive is written."""
    files = [item for item in content.evidence_files() if item.sha256 in referenced]
    links = Path(tempfile.mkdtemp(prefix=".backup-", dir=content.evidence_dir())) if files else None
    try:
        found = []
        for index, item in enumerate(files):
            source = item.path
            assert links is not None  # made when there are files
            try:
                os.link(item.path, links / str(index))
                source = links / str(index)
            except FileNotFoundError:
                continue  # deleted (with its row, after our snapshot) between listing and linking
            except OSError:
                pass  # no hard links here: copy from the original
            found.append((item, source))
        yield found
    finally:
        if links is not None:
            shutil.rmtree(links, ignore_errors=True)


def _checked(linked: list[tuple[content.EvidenceFile, Path]]) -> list[tuple[Member, Path]]:
    checked = []
    for item, source in linked:
        sha256, size = content.file_sha256(source)
        if sha256 != item.sha256:
            raise ArchiveError(f"证据文件内容与文件名不符（文件已损坏）：{item.path}")
        checked.append((Member(item.member, size, sha256), source))
    return checked


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (ECMAScript's precision); a backup keeps the
    microseconds the database holds."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _dump(target: Path, using: str) -> tuple[dict[str, int], Member]:
    counts: dict[str, int] = {}
    with target.open("wb") as raw:
        stream = archive.TextHashingWriter(raw)
        for model in content.backed_up_models():
            label = model._meta.label_lower
            counts[label] = 0

            def rows(model=model, label=label):
                queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
                for row in queryset.iterator(chunk_size=2000):
                    counts[label] += 1
                    yield row

            serializers.serialize("jsonl", rows(), stream=stream, use_natural_foreign_keys=True,
                                  use_natural_primary_keys=False, cls=FullPrecisionEncoder)
    return counts, Member(archive.DATABASE, stream.bytes.size, stream.bytes.sha256.hexdigest())
