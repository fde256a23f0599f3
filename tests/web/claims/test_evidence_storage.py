"""Evidence storage that fails (issue 19): a readable error logged with its cause, nothing left
behind by a store that fails part-way; `kaohe evidence check` lists orphans, missing and damaged
files."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kaohe.accounts.models import ApiToken
from kaohe.claims import storage
from kaohe.claims.models import Evidence
from kaohe.cli.main import main

MESSAGE = "证明材料无法保存，请联系管理员"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.fixture
def open_cycle(cycle):
    cycle.self_assessment_deadline = timezone.localdate() + timedelta(days=7)
    cycle.save(update_fields=["self_assessment_deadline"])
    return cycle


def pdf(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{text}.pdf", b"%PDF-1.4\n" + text.encode() * 1000, content_type="application/pdf")


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def second_write_fails(monkeypatch):
    """The evidence folder takes the first file and then fails (a full or read-only disk)."""
    real = os.replace
    calls = []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(storage.os, "replace", replace)
    return calls


@pytest.mark.parametrize("api", [False, True])
def test_a_two_file_upload_whose_second_file_fails_leaves_nothing(
        api, open_cycle, client_for, client, users, settings, second_write_fails, caplog):
    caplog.set_level(logging.ERROR, logger="kaohe.claims.storage")
    files = [pdf("会议记录"), pdf("学习台账")]
    if api:
        token = ApiToken.issue(users["unit"])[1]
        response = client.post(f"/api/v1/cycles/{open_cycle.pk}/evidence", {"file": files},
                               HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 503 and response.json() == {
            "code": "storage", "message": MESSAGE + "。", "field": "file"}
    else:
        response = client_for("unit").post(f"/cycles/{open_cycle.pk}/self/yanshi/evidence/", {"file": files},
                                           follow=True)
        assert MESSAGE in response.content.decode()
    assert len(second_write_fails) == 2  # the first file was written, then removed again
    assert not Evidence.objects.exists()
    assert files_in(Path(settings.EVIDENCE_DIR)) == []  # no file, no temporary file
    assert "No space left on device" in caplog.text


def test_an_unwritable_evidence_folder_is_a_readable_error(open_cycle, client_for, settings, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(settings.EVIDENCE_DIR))

    monkeypatch.setattr(storage.tempfile, "mkstemp", refuse)
    response = client_for("unit").post(f"/cycles/{open_cycle.pk}/self/yanshi/evidence/", {"file": [pdf("记录")]})
    html = response.content.decode()
    card = html[html.index('id="upload"'):]
    assert response.status_code == 503 and MESSAGE in card[:card.index("</form>")]  # said at the upload form
    assert "Permission denied" in caplog.text and not Evidence.objects.exists()


def test_evidence_check_lists_orphans_missing_and_damaged_files(cycle, users, settings, capsys):
    root = Path(settings.EVIDENCE_DIR)
    unit = cycle.units.get(code="yanshi")

    def put(data: bytes, row: bool, on_disk: bool = True) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if on_disk:
            (root / sha256[:2]).mkdir(parents=True, exist_ok=True)
            (root / sha256[:2] / sha256).write_bytes(data)
        if row:
            Evidence.objects.create(cycle=cycle, unit=unit, sha256=sha256, size=len(data), mime="application/pdf",
                                    kind="PDF 文档", name=f"{data[:4].decode()}.pdf")
        return sha256

    put(b"good", row=True)
    assert main(["evidence", "check"]) == 0
    assert "孤立 0 个，缺失 0 个，损坏 0 个：一致" in capsys.readouterr().out

    orphan = put(b"orphan", row=False)
    missing = put(b"gone", row=True, on_disk=False)
    damaged = put(b"fine", row=True)
    (root / damaged[:2] / damaged).write_bytes(b"changed")
    assert main(["evidence", "check"]) == 1
    out, err = capsys.readouterr()
    assert f"孤立（没有数据库记录）：{root / orphan[:2] / orphan}" in out
    assert f"缺失（数据库引用，磁盘上没有）：{missing}（gone.pdf）" in out
    assert f"损坏（内容与文件名不符）：{root / damaged[:2] / damaged}" in out
    assert "孤立 1 个，缺失 1 个，损坏 1 个" in err
