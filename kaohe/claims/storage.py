"""Evidence files on disk, named by their content: EVIDENCE_DIR/<sha256[:2]>/<sha256>.

The same file uploaded twice is stored once. A file is streamed (from the upload's temporary file)
to a hidden temporary name in its folder while it is hashed, then renamed, so a crash never
leaves a partial file under a real name; files are never served by a public URL, only by the
permission-checked download view (`kaohe.claims.views`, `kaohe.api.claims`).

A store that fails is a `StorageError` with the message users see ("证明材料无法保存，请联系管理员"),
logged with its cause. `removed_unless_committed()` wraps a multi-file store and its transaction:
if anything fails, the files this store created (not those that were there before) and that no
row references are removed again, so a failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from kaohe.claims.models import Evidence

HEX64 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024
log = logging.getLogger(__name__)
_created: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("evidence_created", default=None)


class StorageError(Exception):
    """The evidence folder could not take a file; the message is for the user, the cause is logged."""

    def __init__(self) -> None:
        super().__init__(_("证明材料无法保存，请联系管理员。"))
        self.message = str(self.args[0])


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(sha256: str) -> Path:
    if not HEX64.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return Path(settings.EVIDENCE_DIR) / sha256[:2] / sha256


def _chunks(source: bytes | IO[bytes]) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    source.seek(0)
    while chunk := source.read(CHUNK):
        yield chunk


def store(source: bytes | IO[bytes]) -> str:
    """Keep the bytes (once per content) and return their SHA-256; StorageError if the folder
    cannot take them."""
    root = Path(settings.EVIDENCE_DIR)
    temporary: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=root)
        temporary = Path(name)
        sha256 = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(source):
                sha256.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        found = sha256.hexdigest()
        path = path_for(found)
        if path.exists():
            return found
        path.parent.mkdir(exist_ok=True)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; give it the usual permissions
        os.replace(temporary, path)
        temporary = None
        created = _created.get()
        if created is not None:
            created.append(found)
        return found
    except OSError as error:
        log.error("evidence could not be stored in %s: %s", root, error)
        raise StorageError() from error
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def file_response(evidence: Evidence) -> FileResponse:
    """The file as a download (never shown inline, sandboxed, not cached); 404 when it is missing.
    The caller has checked who may read it."""
    try:
        handle = path_for(evidence.sha256).open("rb")
    except OSError:
        raise Http404(_("佐证材料“%(name)s”的文件已丢失，请联系考核办。") % {"name": evidence.name}) from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=evidence.mime)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)


def remove_unreferenced(sha256: str) -> None:
    if not Evidence.objects.filter(sha256=sha256).exists():
        try:
            remove(sha256)
        except OSError as error:
            log.error("evidence %s could not be removed after a failed upload: %s", sha256, error)


@contextmanager
def removed_unless_committed() -> Iterator[None]:
    """Around a transaction that stores files: if it fails, the files it created go again."""
    created: list[str] = []
    token = _created.set(created)
    try:
        yield
    except BaseException:
        _created.reset(token)
        for sha256 in created:
            remove_unreferenced(sha256)
        raise
    _created.reset(token)
