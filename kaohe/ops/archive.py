"""The backup archive: one gzip-compressed tar file.

Members, in this order:
- `manifest.json`: format name and version, Kaohe version, creation time, database vendor, the
  applied Django migrations per app, row counts per model, the size and SHA-256 of every other
  member, and `manifest_sha256`, the SHA-256 of the manifest's canonical JSON without that key;
- `database.jsonl`: every row as Django-serialised JSON Lines (natural keys for references to
  content types, permissions and users; primary keys kept);
- `evidence/<sha256[:2]>/<sha256>`: every evidence file.

Reading never trusts a member: each is checked against the manifest while it streams past, and an
archive that is truncated, changed, foreign or of a newer format is refused with an `ArchiveError`
before anything is written to the installation. The file is read to its last byte: after the
members, the tar's two end blocks of zeros, then the gzip trailer, whose CRC-32 and length cover
every byte of the tar (zlib checks them), and nothing after it. `kaohe backup` also writes the
SHA-256 of the whole file beside it (`<archive>.sha256`, the format `sha256sum -c` reads), which
`kaohe restore` checks when it is there; the archive alone still proves its own end.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "kaohe-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
EVIDENCE_PREFIX = "evidence/"
EVIDENCE_MEMBER = re.compile(r"evidence/([0-9a-f]{2})/(\1[0-9a-f]{62})")
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
BLOCK = tarfile.BLOCKSIZE
END_BLOCKS = 2 * BLOCK  # a tar ends with two blocks of zeros


class ArchiveError(Exception):
    """The archive cannot be used; the message (Chinese, one line) says why."""


@dataclass
class Member:
    name: str
    size: int
    sha256: str


@dataclass
class Manifest:
    data: dict[str, Any]

    @property
    def members(self) -> dict[str, Member]:
        return {name: Member(name, int(m["size"]), m["sha256"]) for name, m in self.data["members"].items()}

    @property
    def row_counts(self) -> dict[str, int]:
        return {label: int(n) for label, n in self.data["row_counts"].items()}

    @property
    def migrations(self) -> dict[str, list[str]]:
        return self.data["migrations"]

    @property
    def evidence(self) -> list[str]:
        return [name for name in self.data["members"] if name.startswith(EVIDENCE_PREFIX)]


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(data: dict[str, Any]) -> bytes:
    """The manifest's bytes, with its own checksum inside."""
    body = {k: v for k, v in data.items() if k != "manifest_sha256"}
    sealed = {**body, "manifest_sha256": hashlib.sha256(canonical(body)).hexdigest()}
    return json.dumps(sealed, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def open_manifest(raw: bytes) -> Manifest:
    """Parse and check the manifest; ArchiveError if it is foreign, newer, changed or malformed."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveError("备份清单（manifest.json）无法读取，备份已损坏") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError("不是 Kaohe 备份文件（清单中没有 Kaohe 备份格式标记）")
    version = data.get("format_version")
    if not isinstance(version, int):
        raise ArchiveError("备份清单已损坏：没有格式版本")
    if version > FORMAT_VERSION:
        raise ArchiveError(f"备份格式版本 {version} 比本程序支持的版本 {FORMAT_VERSION} 新"
                           f"（备份由 Kaohe {data.get('kaohe_version', '?')} 写出），请先升级 Kaohe")
    body = {k: v for k, v in data.items() if k != "manifest_sha256"}
    if data.get("manifest_sha256") != hashlib.sha256(canonical(body)).hexdigest():
        raise ArchiveError("备份清单（manifest.json）已被改动：校验和不符")
    try:
        manifest = Manifest(data)
        members = manifest.members
        manifest.row_counts  # noqa: B018 (checks the shape)
        if not isinstance(manifest.migrations, dict):
            raise TypeError
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ArchiveError("备份清单已损坏：缺少或格式错误的条目") from None
    if DATABASE not in members:
        raise ArchiveError("备份清单已损坏：没有数据库成员")
    for name in members:
        if name != DATABASE and not EVIDENCE_MEMBER.fullmatch(name):
            raise ArchiveError(f"备份清单已损坏：不认识的成员“{name}”")
    return manifest


class HashingWriter:
    """A binary file wrapper that counts and hashes what is written through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class TextHashingWriter:
    """Text in, UTF-8 bytes out to a file, hashed and counted (for the streaming serializer)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.bytes = HashingWriter(raw)

    def write(self, text: str) -> int:
        self.bytes.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self.bytes.flush()


def add_file(tar: tarfile.TarFile, name: str, path: Path, expected: Member) -> None:
    """Add `path` as `name`, checking on the way that its bytes are still the ones in the manifest."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = expected.size, 0o600, 0
    with path.open("rb") as handle:
        reader = _CheckingReader(handle, expected)
        tar.addfile(info, reader)
        reader.finish()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, 0
    tar.addfile(info, io.BytesIO(data))


class _CheckingReader:
    def __init__(self, handle: IO[bytes], expected: Member) -> None:
        self.handle, self.expected, self.sha256, self.size = handle, expected, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def finish(self) -> None:
        if self.handle.read(1) or self.size != self.expected.size or \
                self.sha256.hexdigest() != self.expected.sha256:
            raise ArchiveError(f"文件在备份过程中被改动：{self.expected.name}")


@dataclass
class ReadResult:
    manifest: Manifest
    staged: dict[str, Path] = field(default_factory=dict)  # member name → staged file
    end: int = 0  # where the last member's data (with its padding) ends in the tar
    sha256: str = ""  # of the whole archive file
    sidecar_checked: bool = False  # the file beside it held the same SHA-256


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def sidecar(path: Path) -> Path:
    """Where `kaohe backup` records the archive's SHA-256 (`sha256sum -c` reads it too)."""
    return path.with_name(path.name + ".sha256")


def read_archive(path: Path, prepare: Callable[[Manifest], Path | None] | None = None) -> ReadResult:
    """Stream through the archive to its last byte, checking the manifest and then every member's
    size and SHA-256 against it, the tar's end blocks, the gzip trailer (CRC-32 and length of the
    whole tar) and, when the file beside it exists, the SHA-256 of the whole file. `prepare(manifest)`
    runs once the manifest is read and checked, before any member is read (the caller's own
    checks); it returns a folder to copy the members into (`<folder>/<member name>`), or None to
    only check them. ArchiveError on any fault: a truncation anywhere is one."""
    if not path.exists():
        raise ArchiveError("文件不存在")
    if path.is_dir():
        raise ArchiveError("这是目录，不是备份文件")
    try:
        if not is_gzip(path):
            raise ArchiveError("不是 Kaohe 备份文件（不是 gzip 压缩的 tar 文件）")
        with path.open("rb") as raw:
            whole = _Whole(raw)
            with tarfile.open(fileobj=whole, mode="r|") as tar:  # type: ignore[call-overload]
                result = _read_members(tar, prepare)
            result.sha256 = whole.finish(result.end)
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ArchiveError(f"备份文件不完整或已损坏（{_reason(error)}）") from None
    except OSError as error:
        raise ArchiveError(f"无法读取：{error.strerror or error}") from None
    _check_sidecar(path, result)
    return result


def _check_sidecar(path: Path, result: ReadResult) -> None:
    beside = sidecar(path)
    if not beside.is_file():
        return
    try:
        recorded = beside.read_text(encoding="utf-8").split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        raise ArchiveError(f"校验文件 {beside.name} 无法读取") from None
    if recorded != result.sha256:
        raise ArchiveError(f"备份文件与校验文件 {beside.name} 记录的 SHA-256 不符：文件被截断或改动")
    result.sidecar_checked = True


class _Whole:
    """The archive file read once, end to end: decompressed as a gzip stream whose trailer (CRC-32
    and length of every byte of the tar) zlib checks, and hashed (SHA-256 of the whole file). The
    tar reader reads the decompressed bytes from it; `finish()` reads what is left and refuses an
    archive that ends before its gzip trailer, has anything after it, or whose tar does not end
    with its end-of-archive blocks after the last member."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.inflate = zlib.decompressobj(wbits=31)  # gzip: header, deflate, CRC-32 and length checked
        self.pending = b""  # compressed bytes not yet inflated (unconsumed_tail)
        self.buffer = bytearray()
        self.position = 0  # decompressed bytes handed out so far
        self.total = 0  # decompressed bytes made so far
        self.last_data = 0  # the end of the last byte that is not zero, in the decompressed stream
        self.ended = False

    def _more(self) -> None:
        if not self.pending:
            chunk = self.raw.read(CHUNK)
            if not chunk:
                raise ArchiveError("备份文件不完整：在 gzip 结尾（校验和与长度）之前就结束了，可能被截断")
            self.sha256.update(chunk)
            self.pending = chunk
        try:
            data = self.inflate.decompress(self.pending, CHUNK)
        except zlib.error as error:
            raise ArchiveError(f"备份文件已损坏（gzip：{_reason(error)}）") from None
        self.pending = self.inflate.unconsumed_tail
        if data:
            kept = data.rstrip(b"\0")
            if kept:
                self.last_data = self.total + len(kept)
            self.total += len(data)
            self.buffer += data
        if self.inflate.eof:
            rest = self.inflate.unused_data + self.pending + self.raw.read(1)
            if rest:
                raise ArchiveError("备份文件已被改动：gzip 结尾之后还有数据")
            self.ended = True

    def read(self, size: int = -1) -> bytes:
        while not self.ended and (size < 0 or len(self.buffer) < size):
            self._more()
        size = len(self.buffer) if size < 0 else min(size, len(self.buffer))
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        self.position += len(data)
        return data

    def finish(self, members_end: int) -> str:
        """Read to the end and check it (see the class); the SHA-256 of the whole file."""
        while not self.ended:
            self._more()
        if self.last_data > members_end or self.total - members_end < END_BLOCKS:
            raise ArchiveError("备份文件不完整：tar 的结束块缺失或被改动，可能被截断后重新压缩")
        return self.sha256.hexdigest()


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.replace("\n", " ")[:200]


def _read_members(tar: tarfile.TarFile, prepare: Callable[[Manifest], Path | None] | None) -> ReadResult:
    members = iter(tar)
    first = next(members, None)
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError("不是 Kaohe 备份文件（第一个成员不是 manifest.json）")
    if first.size > MANIFEST_MAX_BYTES:
        raise ArchiveError("备份清单过大，备份已损坏")
    manifest = open_manifest(_read_all(tar, first))
    staging = prepare(manifest) if prepare is not None else None
    expected = manifest.members
    result = ReadResult(manifest, end=_end(first))
    seen: set[str] = set()
    for info in members:
        if info.name not in expected or info.name in seen:
            raise ArchiveError(f"备份文件已被改动：有清单之外的成员“{info.name}”")
        if not info.isfile():
            raise ArchiveError(f"备份文件已被改动：成员“{info.name}”不是普通文件")
        seen.add(info.name)
        want = expected[info.name]
        target = staging / info.name if staging is not None else None
        digest, size = _copy(tar, info, target)
        if size != want.size or digest != want.sha256:
            raise ArchiveError(f"备份文件已被改动：{info.name} 的校验和不符")
        if target is not None:
            result.staged[info.name] = target
        result.end = _end(info)
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(f"备份文件不完整：缺少 {len(missing)} 个成员（如 {missing[0]}）")
    return result


def _end(info: tarfile.TarInfo) -> int:
    return info.offset_data + -(-info.size // BLOCK) * BLOCK


def _read_all(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(info)
    assert handle is not None
    return handle.read()


def _copy(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path | None) -> tuple[str, int]:
    handle = tar.extractfile(info)
    assert handle is not None
    sha256, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    try:
        for chunk in _chunks(handle):
            sha256.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return sha256.hexdigest(), size


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk
