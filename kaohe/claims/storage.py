"""Evidence files on disk, named by their content: EVIDENCE_DIR/<sha256[:2]>/<sha256>.

The same file uploaded twice is stored once. Files are written to a temporary name and renamed, so
a crash never leaves a partial file under a real name; they are never served by a public URL, only
by the permission-checked download view (`kaohe.claims.views`, `kaohe.api.claims`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings

from kaohe.formats.files import write_atomically

HEX64 = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(sha256: str) -> Path:
    if not HEX64.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return Path(settings.EVIDENCE_DIR) / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Keep the bytes (once per content) and return their SHA-256."""
    sha256 = digest(data)
    path = path_for(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    return sha256


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)
