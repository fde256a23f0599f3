"""`kaohe backup FILE` and `kaohe restore FILE`: a round trip into a second, empty installation
reproduces the published results, every score and every evidence file; a truncated, changed,
foreign or newer archive, or a non-empty target, is refused with a one-line reason, exit code 1,
and nothing changed. The second installation is a new SQLite file, or a new database on the
same PostgreSQL server, driven by `kaohe` in a subprocess.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.claims.models import Evidence
from kaohe.cli.main import main
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.ops import archive
from kaohe.ops.backup import create_backup
from kaohe.ops.demo import DEMO_CYCLE
from kaohe.results import service

KAOHE = str(Path(sys.executable).with_name("kaohe"))

# Run in both installations: checksums of what must survive a restore unchanged.
DIGEST = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from kaohe.cycles.models import DimensionTotal, Score
from kaohe.results.models import ResultSnapshot
from kaohe.audit.models import Event
from kaohe.claims.models import Evidence

def _sha(rows):
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()

_root = Path(settings.EVIDENCE_DIR)
_files = sorted(p for p in _root.rglob("*") if p.is_file()) if _root.is_dir() else []
digest = {
    "snapshots": _sha([[s.pk, s.cycle_id, s.version, s.complete, s.rules, s.results, s.published_at.isoformat(),
                        s.published_by.username if s.published_by else None]
                       for s in ResultSnapshot.objects.order_by("pk").select_related("published_by")]),
    "snapshot_count": ResultSnapshot.objects.count(),
    "scores": _sha([{k: str(v) for k, v in row.items()} for row in Score.objects.order_by("pk").values()]),
    "score_count": Score.objects.count(),
    # not backed up, but recounted by the restore: the same as the trigger kept them
    "totals": _sha(list(DimensionTotal.objects.order_by("unit_id", "dimension_code").values_list(
        "cycle_id", "unit_id", "dimension_code", "tasks", "scored", "obtained_cents", "maximum_cents"))),
    "total_count": DimensionTotal.objects.count(),
    "evidence": {str(p.relative_to(_root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files},
    "events": Event.objects.exclude(action__startswith="backup.").count(),
    "restores": Event.objects.filter(action="backup.restore").count(),
}
"""


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """Django's command runner closes every connection when a command ends (see test_commands)."""
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.fixture
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


def put_evidence(root: Path, data: bytes, referenced: bool = True) -> str:
    """An evidence file on disk and, when `referenced`, its row (偃师市's, in the demo cycle): a
    backup carries only the files that rows reference."""
    sha256 = hashlib.sha256(data).hexdigest()
    (root / sha256[:2]).mkdir(parents=True, exist_ok=True)
    (root / sha256[:2] / sha256).write_bytes(data)
    if referenced:
        unit = CycleUnit.objects.get(cycle__name=DEMO_CYCLE, code="yanshi")
        Evidence.objects.create(cycle=unit.cycle, unit=unit, sha256=sha256, size=len(data), mime="application/pdf",
                                kind="PDF 文档", name=f"{sha256[:8]}.pdf")
    return sha256


def local_digest() -> dict:
    namespace: dict = {}
    exec(DIGEST, namespace)  # our own code, the same the subprocess runs
    return namespace["digest"]


# --- the second installation -------------------------------------------------------------------


class Installation:
    """An installation of its own: a data folder, and a new SQLite file or PostgreSQL database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_") and k != "DATABASE_URL"}
        self.env.update({"KAOHE_DATA_DIR": str(root), "KAOHE_EVIDENCE_DIR": str(root / "evidence"),
                         "PYTHONUNBUFFERED": "1"})
        if connection.vendor == "postgresql":
            self.database = f"kaohe_restore_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = self._url(self.database)

    def _url(self, name: str) -> str:
        s = connection.settings_dict
        return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._url("postgres"), autocommit=True) as admin:
            admin.execute(sql)

    def drop(self) -> None:
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def kaohe(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([KAOHE, *args], env=self.env, capture_output=True, text=True, timeout=600)

    def digest(self) -> dict:
        done = self.kaohe("shell", "-c", DIGEST + "\nprint('DIGEST ' + json.dumps(digest))")
        assert done.returncode == 0, done.stderr
        line = next(x for x in done.stdout.splitlines() if x.startswith("DIGEST "))
        return json.loads(line.removeprefix("DIGEST "))

    def rows(self) -> int:
        done = self.kaohe("shell", "-c", "from kaohe.ops.content import backed_up_models\n"
                          "print('ROWS', sum(m._base_manager.count() for m in backed_up_models()))")
        assert done.returncode == 0, done.stderr
        return int(next(x for x in done.stdout.splitlines() if x.startswith("ROWS ")).split()[1])

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file() and p.name != "kaohe.sqlite3"
                      and not p.name.startswith("kaohe.sqlite3-"))


def new_installation(root: Path) -> Installation:
    target = Installation(root)
    done = target.kaohe("migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture(scope="module")
def empty_target(tmp_path_factory, django_db_setup, django_db_blocker):
    """One migrated, empty installation that refused restores must leave empty."""
    with django_db_blocker.unblock():
        target = new_installation(tmp_path_factory.mktemp("empty"))
    yield target
    with django_db_blocker.unblock():
        target.drop()


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory, django_db_setup, django_db_blocker):
    """A backup of the shared demo database with two evidence files (no audit event: read only)."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("demo-backup")
    saved = settings.EVIDENCE_DIR
    settings.EVIDENCE_DIR = root / "evidence"
    try:
        with django_db_blocker.unblock():
            put_evidence(settings.EVIDENCE_DIR, b"%PDF-1.4 demo evidence")
            put_evidence(settings.EVIDENCE_DIR, "台账".encode() * 1000)
            put_evidence(settings.EVIDENCE_DIR, b"an orphan: no row refers to it", referenced=False)
            try:
                create_backup(root / "demo.tar.gz")
            finally:
                Evidence.objects.all().delete()  # the shared demo database as it was
    finally:
        settings.EVIDENCE_DIR = saved
    return root / "demo.tar.gz"


def repack(source: Path, target: Path, *, manifest=None, member=None, reseal: bool = False) -> Path:
    """A copy of the archive with the manifest (dict → dict) or members ((name, bytes) → bytes) edited."""
    with tarfile.open(source, "r:gz") as tar:
        items = [(info.name, tar.extractfile(info).read()) for info in tar.getmembers()]
    with tarfile.open(target, "w:gz") as out:
        for name, data in items:
            if name == archive.MANIFEST and manifest is not None:
                edited = manifest(json.loads(data))
                data = archive.seal(edited) if reseal else json.dumps(edited).encode()
            elif member is not None:
                data = member(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def flip_first_byte_of(wanted: str):
    def edit(name: str, data: bytes) -> bytes:
        return bytes([data[0] ^ 1]) + data[1:] if name.startswith(wanted) else data
    return edit


# --- the round trip ----------------------------------------------------------------------------


def publish_results(cycle: Cycle, office) -> None:
    """Every task scored (full marks, then zeros so the units differ), locked and published."""
    from django.db.models import OuterRef, Subquery

    from kaohe.schemes.models import Node

    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    for position, unit in enumerate(CycleUnit.objects.filter(cycle=cycle).order_by("position")):
        items = Score.objects.filter(cycle=cycle, unit=unit).order_by("node__position").values_list("pk", flat=True)
        Score.objects.filter(pk__in=list(items[:position * 2])).update(points=Decimal("0.5"))
    cycle.status = Cycle.Status.LOCKED
    cycle.save(update_fields=["status"])
    with acting_as(office):
        service.publish(cycle, office)


def test_a_restore_into_an_empty_installation_reproduces_results_scores_and_evidence(
        capsys, cycle, users, evidence_dir, tmp_path):
    publish_results(cycle, users["office"])
    put_evidence(evidence_dir, b"%PDF-1.4 minutes of the meeting")
    put_evidence(evidence_dir, bytes(range(256)) * 4096)  # 1 MiB, binary
    orphan = put_evidence(evidence_dir, b"left by an upload that failed", referenced=False)  # not evidence
    (evidence_dir / "ab").mkdir(exist_ok=True)
    (evidence_dir / "ab" / ".upload.tmp").write_bytes(b"half written")  # an upload in progress: not evidence
    before = local_digest()
    assert before["snapshot_count"] == 1 and before["score_count"] == 3696 and len(before["evidence"]) == 4
    assert before["total_count"] == 18 * 8

    file = tmp_path / "kaohe.tar.gz"
    code = main(["backup", str(file)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已写出备份" in out and "2 个证据文件" in out
    assert file.stat().st_mode & 0o777 == 0o600  # it holds password hashes
    # no temporary files left; the SHA-256 of the whole archive beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence", "kaohe.tar.gz", "kaohe.tar.gz.sha256"]
    assert (tmp_path / "kaohe.tar.gz.sha256").read_text() == (
        f"{hashlib.sha256(file.read_bytes()).hexdigest()}  kaohe.tar.gz\n")
    assert Event.objects.filter(action="backup.create", object_key="kaohe.tar.gz").exists()

    target = new_installation(tmp_path / "restored")
    try:
        done = target.kaohe("restore", str(file))
        assert done.returncode == 0, done.stderr
        assert "已恢复" in done.stdout and "2 个证据文件" in done.stdout and "kaohe.tar.gz.sha256 一致" in done.stdout
        after = target.digest()
        expected = {**before, "evidence": {k: v for k, v in before["evidence"].items()
                                           if ".upload" not in k and orphan not in k}}
        assert {k: v for k, v in after.items() if k != "restores"} == {k: v for k, v in expected.items()
                                                                       if k != "restores"}
        assert after["restores"] == 1  # the restore is in the audit trail
        # New rows get new ids: PostgreSQL's sequences were moved past the restored rows.
        token = target.kaohe("token", "create", "office")
        assert token.returncode == 0, token.stderr
        # A second restore into the now non-empty installation is refused.
        again = target.kaohe("restore", str(file))
        assert again.returncode == 1 and "本安装不是空的" in again.stderr and "Traceback" not in again.stderr
        # A backup of the restored installation while another connection writes: the dump runs in
        # one read transaction, so a change committed after it started is not in the archive
        # (PostgreSQL, REPEATABLE READ); on SQLite the writer waits until the dump ends.
        done = target.kaohe("shell", "-c", WRITER_DURING_DUMP.replace("ARCHIVE", str(tmp_path / "during.tar.gz")))
        assert done.returncode == 0, done.stderr
        outcome = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("OUTCOME ")).split(" ", 1)[1])
        assert Decimal(outcome["in_archive"]) == Decimal(outcome["before"]) != 7
        if outcome["vendor"] == "postgresql":
            assert outcome["written"] and Decimal(outcome["now"]) == 7
        else:
            assert not outcome["written"] and "locked" in outcome["error"]
    finally:
        target.drop()


def test_the_manifest_describes_the_database_and_every_member(demo_archive, cycle):
    with tarfile.open(demo_archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(archive.MANIFEST).read())
        database = tar.extractfile(archive.DATABASE).read()
    assert names[:2] == [archive.MANIFEST, archive.DATABASE] and len(names) == 4
    assert (manifest["format"], manifest["format_version"]) == ("kaohe-backup", 1)
    assert manifest["database_vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["cycles"]
    assert manifest["row_counts"]["cycles.score"] == Score.objects.count() == 3696
    assert "sessions.session" not in manifest["row_counts"] and "contenttypes.contenttype" not in manifest["row_counts"]
    assert manifest["members"][archive.DATABASE]["sha256"] == hashlib.sha256(database).hexdigest()
    rows = [json.loads(line) for line in database.decode().splitlines()]
    assert len(rows) == sum(manifest["row_counts"].values())
    scorer = next(r for r in rows if r["model"] == "accounts.user" and r["fields"]["username"] == "scorer")
    assert isinstance(scorer["pk"], int)  # primary keys kept, references to users by natural key


def test_restore_check_reads_the_whole_archive_without_touching_anything(db, demo_archive, capsys, tmp_path):
    rows = Event.objects.count()
    assert main(["restore", "--check", str(demo_archive)]) == 0
    assert "备份完整" in capsys.readouterr().out
    bad = repack(demo_archive, tmp_path / "bad.tar.gz", member=flip_first_byte_of("evidence/"))
    assert main(["restore", "--check", str(bad)]) == 1
    assert "的校验和不符" in capsys.readouterr().err
    assert Event.objects.count() == rows


def test_a_restore_into_this_non_empty_installation_is_refused_and_changes_nothing(
        db, demo_archive, capsys, evidence_dir):
    put_evidence(evidence_dir, b"already here", referenced=False)
    before = local_digest()
    code = main(["restore", str(demo_archive)])
    err = capsys.readouterr().err
    assert code == 1 and "本安装不是空的" in err and "用户 6 条" in err and "未做任何改动" in err
    assert local_digest() == before
    assert [p.name for p in evidence_dir.iterdir()] == [next(iter(before["evidence"])).split("/")[0]]


REFUSALS = {
    "truncated": (lambda src, dst: dst.write_bytes(src.read_bytes()[:src.stat().st_size // 2]), "备份文件不完整"),
    "a byte of the database changed": (
        lambda src, dst: repack(src, dst, member=flip_first_byte_of(archive.DATABASE)), "database.jsonl 的校验和不符"),
    "a byte of an evidence file changed": (
        lambda src, dst: repack(src, dst, member=flip_first_byte_of("evidence/")), "的校验和不符"),
    "a byte of the compressed file changed": (
        lambda src, dst: dst.write_bytes(_flip_middle(src.read_bytes())), "备份文件"),
    "manifest changed": (
        lambda src, dst: repack(src, dst, manifest=lambda m: {**m, "row_counts": {**m["row_counts"], "cycles.score": 1}}),
        "备份清单（manifest.json）已被改动"),
    "manifest resealed with a wrong row count": (
        lambda src, dst: repack(src, dst, reseal=True,
                                manifest=lambda m: {**m, "row_counts": {**m["row_counts"], "cycles.score": 1}}),
        "恢复后 cycles.score 有 3696 行，备份清单记为 1 行"),
    "a member not in the manifest": (
        lambda src, dst: repack(src, dst, reseal=True, manifest=lambda m: {
            **m, "members": {k: v for k, v in m["members"].items() if not k.startswith("evidence/")}}),
        "有清单之外的成员"),
    "newer format": (lambda src, dst: repack(src, dst, reseal=True, manifest=lambda m: {**m, "format_version": 2}),
                     "备份格式版本 2 比本程序支持的版本 1 新"),
    "newer schema": (lambda src, dst: repack(src, dst, reseal=True, manifest=lambda m: {
        **m, "migrations": {**m["migrations"], "cycles": [*m["migrations"]["cycles"], "9999_future"]}}),
        "备份来自更新的 Kaohe（含本安装没有的迁移 cycles.9999_future"),
    "not an archive": (lambda src, dst: dst.write_text("单位,得分\n偃师市,95\n", encoding="utf-8"),
                       "不是 Kaohe 备份文件（不是 gzip 压缩的 tar 文件）"),
    "another tar.gz": (lambda src, dst: _foreign(dst), "不是 Kaohe 备份文件（第一个成员不是 manifest.json）"),
    "missing": (lambda src, dst: None, "文件不存在"),
    # Issue 19: cut anywhere near its end, an archive is still refused; the file beside it is not
    # needed for that (these copies have none), and when it is there it must match.
    **{f"cut by {n} bytes": (lambda src, dst, n=n: dst.write_bytes(src.read_bytes()[:-n]), "备份文件不完整")
       for n in range(1, 65)},
    "the tar end blocks cut, recompressed": (lambda src, dst: _recompressed(src, dst, 0), "tar 的结束块"),
    "one end block left, recompressed": (lambda src, dst: _recompressed(src, dst, 512), "tar 的结束块"),
    "end blocks cut by a byte, recompressed": (lambda src, dst: _recompressed(src, dst, 1023), "tar 的结束块"),
    "data after the gzip trailer": (lambda src, dst: dst.write_bytes(src.read_bytes() + b"\0"), "gzip 结尾之后还有数据"),
    "a checksum file beside it that does not match": (lambda src, dst: _with_wrong_sidecar(src, dst), "校验文件"),
}


def _members_end(tar_bytes: bytes) -> int:
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
        last = tar.getmembers()[-1]
    return last.offset_data + -(-last.size // 512) * 512


def _recompressed(src: Path, dst: Path, kept: int) -> None:
    """The archive with its tar cut `kept` bytes after the last member (the end blocks and the
    record's padding gone), compressed again: a gzip that is whole around a tar that is not."""
    import gzip

    raw = gzip.decompress(src.read_bytes())
    dst.write_bytes(gzip.compress(raw[:_members_end(raw) + kept]))


def _with_wrong_sidecar(src: Path, dst: Path) -> None:
    dst.write_bytes(src.read_bytes())
    archive.sidecar(dst).write_text(f"{'0' * 64}  {dst.name}\n")


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def _foreign(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))


@pytest.fixture(scope="module")
def refused(demo_archive, empty_target, tmp_path_factory):
    """Every bad archive of REFUSALS restored into the empty installation, in one process (one
    Django start-up): case → exit code, stderr, rows and files in the installation afterwards."""
    folder = tmp_path_factory.mktemp("bad")
    files = {}
    for index, (case, (make, _)) in enumerate(REFUSALS.items()):
        files[case] = folder / f"bad-{index}.tar.gz"
        make(demo_archive, files[case])
    done = empty_target.kaohe("shell", "-c", RESTORE_EACH.replace("FILES", json.dumps(
        {case: str(path) for case, path in files.items()})))
    assert done.returncode == 0, done.stderr
    outcome = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("OUTCOME ")).split(" ", 1)[1])
    assert empty_target.files() == []  # no evidence, no staging folders left behind
    return outcome


RESTORE_EACH = """
import contextlib, io, json
from pathlib import Path
from django.conf import settings
from kaohe.cli.main import main
from kaohe.ops.content import backed_up_models

outcome = {}
for case, path in json.loads('FILES').items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["restore", path])
    root = Path(settings.EVIDENCE_DIR)
    outcome[case] = {"code": code, "stderr": err.getvalue(),
                     "rows": sum(m._base_manager.count() for m in backed_up_models()),
                     "files": [str(p) for p in root.rglob("*")] if root.exists() else []}
print("OUTCOME " + json.dumps(outcome, ensure_ascii=False))
"""


@pytest.mark.django_db  # ordered with the database tests: before the transactional ones empty the demo
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_archive_is_refused_and_the_empty_installation_stays_empty(case, refused):
    words, result = REFUSALS[case][1], refused[case]
    assert result["code"] == 1, result
    assert words in result["stderr"] and "未做任何改动" in result["stderr"], result["stderr"]
    assert len(result["stderr"].strip().splitlines()) == 1 and "Traceback" not in result["stderr"]
    assert result["rows"] == 0 and result["files"] == []


def test_a_corrupted_evidence_file_stops_the_backup(db, capsys, evidence_dir, tmp_path):
    name = put_evidence(evidence_dir, b"original")
    (evidence_dir / name[:2] / name).write_bytes(b"changed on disk")
    out = tmp_path / "out"
    out.mkdir()
    code = main(["backup", str(out / "kaohe.tar.gz")])
    err = capsys.readouterr().err
    assert code == 1 and "证据文件内容与文件名不符" in err and name in err
    assert list(out.iterdir()) == []  # no archive, no temporary files
    assert [p.name for p in (evidence_dir / name[:2]).iterdir()] == [name]  # the hard links are gone


def test_backup_into_a_missing_folder_says_so(db, capsys, tmp_path):
    code = main(["backup", str(tmp_path / "nowhere" / "kaohe.tar.gz")])
    assert code == 1 and "输出目录不存在" in capsys.readouterr().err


# Runs in the restored installation: while the dump runs (just before it reads the scores), a
# second connection sets one score to 7 and commits; the archive must still hold the old value.
WRITER_DURING_DUMP = """
import copy, json, tarfile
from pathlib import Path
from django.db import connection, connections
from django.db.utils import ConnectionHandler
from kaohe.cycles.models import Score
from kaohe.ops import backup

task = Score.objects.order_by("pk").first()
outcome = {"vendor": connection.vendor, "written": False, "error": "", "before": str(task.points)}
original = backup.content.backed_up_models

def models_then_write():
    handler = ConnectionHandler(copy.deepcopy(dict(connections.settings)))
    other = handler["default"]
    if other.vendor == "sqlite":
        other.settings_dict["OPTIONS"] = {**other.settings_dict["OPTIONS"], "timeout": 0.2}
    try:
        with other.cursor() as cursor:
            cursor.execute("UPDATE cycles_score SET points = 7 WHERE id = %s", [task.pk])
        other.commit() if not other.get_autocommit() else None
        outcome["written"] = True
    except Exception as error:
        outcome["error"] = str(error)
    finally:
        other.close()
    return original()

backup.content.backed_up_models = models_then_write
backup.create_backup(Path("ARCHIVE"))
with tarfile.open("ARCHIVE", "r:gz") as tar:
    for line in tar.extractfile("database.jsonl").read().decode().splitlines():
        row = json.loads(line)
        if row["model"] == "cycles.score" and row["pk"] == task.pk:
            outcome["in_archive"] = str(row["fields"]["points"])
outcome["now"] = str(Score.objects.get(pk=task.pk).points)
print("OUTCOME " + json.dumps(outcome))
"""
