"""Evidence files: upload checks (type by content, size, count, names), content-addressed storage
outside any public URL, and downloads only for those allowed — by page, never by a guessed id."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.accounts.models import Role, User
from kaohe.audit.models import Event
from kaohe.claims import rules, storage
from kaohe.claims.models import Evidence
from kaohe.cycles.models import CycleUnit, Score
from kaohe.orgs.models import Unit

UNIT = "yanshi"
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\0" * 2000


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


def files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def criteria(cycle, department_code=None) -> list[str]:
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    found = rules.criteria(cycle, unit)
    if department_code is None:
        return [c.code for c in found]
    names = set(Score.objects.filter(cycle=cycle, department__code=department_code).values_list("department__name", flat=True))
    return [c.code for c in found if set(c.departments) & names]


def upload(client, cycle, name, data, codes=()):
    return client.post(f"/cycles/{cycle.pk}/self/{UNIT}/evidence/",
                       {"file": SimpleUploadedFile(name, data), "criteria": list(codes)}, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def refusal(response) -> str:
    """A refused upload is said in place: in the upload form, on the page answered with 4xx."""
    assert 400 <= response.status_code < 500
    html = response.content.decode()
    card = html[html.index('id="upload"'):]
    return card[:card.index("</form>")]


def test_one_upload_serves_several_criteria_and_is_stored_by_content(client_for, cycle, evidence_dir):
    codes = criteria(cycle)[:2]
    response = upload(client_for("unit"), cycle, "../../台账 2018.pdf", PDF, codes)
    assert "已上传" in messages_of(response)
    evidence = Evidence.objects.get()
    sha = hashlib.sha256(PDF).hexdigest()
    assert (evidence.name, evidence.sha256, evidence.size, evidence.mime) == ("台账 2018.pdf", sha, len(PDF),
                                                                            "application/pdf")
    assert sorted(evidence.nodes.values_list("code", flat=True)) == sorted(codes)
    assert files_on_disk(evidence_dir) == [evidence_dir / sha[:2] / sha]
    assert (evidence_dir / sha[:2] / sha).read_bytes() == PDF
    assert Event.objects.get(action="evidence.upload").new["criteria"] == sorted(codes)
    html = client_for("unit").get(f"/cycles/{cycle.pk}/self/{UNIT}/").content.decode()
    assert html.count(f"/cycles/{cycle.pk}/evidence/{evidence.pk}/") >= 3  # beside both criteria and in the list


def test_several_files_at_once_are_all_or_nothing(client_for, cycle, evidence_dir):
    out = io.BytesIO()
    docx.Document().save(out)
    response = client_for("unit").post(f"/cycles/{cycle.pk}/self/{UNIT}/evidence/", {"file": [
        SimpleUploadedFile("总结.docx", out.getvalue()), SimpleUploadedFile("通知.pdf", EXE)]}, follow=True)
    assert "通知.pdf" in refusal(response) and "不是允许的类型" in refusal(response)
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []


@pytest.mark.parametrize(("name", "data", "words"), [
    ("通知.pdf", EXE, "不是允许的类型"),
    ("图片.png", PDF, "与扩展名 .png 不符"),
])
def test_bad_files_are_refused_and_nothing_is_stored(client_for, cycle, evidence_dir, name, data, words):
    response = upload(client_for("unit"), cycle, name, data)
    assert words in refusal(response)
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []
    assert not Event.objects.filter(action="evidence.upload").exists()


def test_size_and_count_limits_come_from_the_cycle(client_for, cycle, evidence_dir):
    cycle.evidence_max_mb, cycle.evidence_max_files = 1, 2
    cycle.save(update_fields=["evidence_max_mb", "evidence_max_files"])
    client = client_for("unit")
    response = upload(client, cycle, "扫描件.pdf", PDF + b"0" * (1024 * 1024))
    assert "超过每个文件 1.0 MB 的上限" in refusal(response)
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []
    upload(client, cycle, "一.pdf", PDF)
    upload(client, cycle, "二.pdf", PDF + b" ")
    response = upload(client, cycle, "三.pdf", PDF + b"  ")
    assert "上限2个" in refusal(response)
    assert Evidence.objects.count() == 2


def test_criteria_that_do_not_apply_are_refused(client_for, cycle):
    response = upload(client_for("unit"), cycle, "a.pdf", PDF, ["99.99.99"])
    assert "不适用" in refusal(response) and not Evidence.objects.exists()


def test_a_name_that_cleans_to_nothing_is_refused(cycle, users, evidence_dir):
    # Django's form parser already drops such files; the rules refuse them for every other caller
    with pytest.raises(rules.ClaimError) as error:
        rules.upload_evidence(users["unit"], cycle, UNIT, [("\x00\x07/", PDF)], [])
    assert "无效" in error.value.message
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []


@pytest.mark.parametrize("name", ["office", "scorer", "head", "scorer2", "leader"])
def test_only_the_unit_uploads(client_for, cycle, name):
    response = client_for(name).post(f"/cycles/{cycle.pk}/self/{UNIT}/evidence/",
                                     {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403 and not Evidence.objects.exists()


@pytest.fixture
def stored(client_for, cycle):
    """A file attached to one criterion 市委组织部 scores and none that 市委宣传部 scores."""
    ours = set(criteria(cycle, "swzzb")) - set(criteria(cycle, "swxcb"))
    upload(client_for("unit"), cycle, "证明.pdf", PDF, [sorted(ours)[0]])
    return Evidence.objects.get()


@pytest.mark.parametrize(("name", "status"), [
    (None, 302), ("unit", 200), ("office", 200), ("leader", 200), ("scorer", 200), ("head", 200), ("scorer2", 404)])
def test_who_downloads(client_for, cycle, stored, name, status):
    response = client_for(name).get(f"/cycles/{cycle.pk}/evidence/{stored.pk}/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF


def test_another_unit_cannot_reach_the_file_by_id(client_for, cycle, stored):
    other = CycleUnit.objects.filter(cycle=cycle).exclude(code=UNIT).first()
    user = User(username="unit-other", role=Role.UNIT, unit=Unit.objects.get(code=other.code))
    user.set_password("x")
    user.save()
    client = client_for(None)
    client.force_login(user)
    assert client.get(f"/cycles/{cycle.pk}/evidence/{stored.pk}/").status_code == 404
    assert client.post(f"/cycles/{cycle.pk}/evidence/{stored.pk}/delete/").status_code == 404
    assert client.post(f"/cycles/{cycle.pk}/evidence/{stored.pk}/criteria/", {"criteria": []}).status_code == 404
    assert Evidence.objects.filter(pk=stored.pk).exists()


def test_no_public_url_serves_evidence(client_for, stored):
    for url in [f"/static/{stored.sha256}", f"/media/{stored.sha256[:2]}/{stored.sha256}",
                f"/evidence/{stored.sha256[:2]}/{stored.sha256}"]:
        assert client_for(None).get(url).status_code == 404


def test_relinking_and_deleting_while_a_draft(client_for, cycle, stored, evidence_dir,
                                             django_capture_on_commit_callbacks):
    client = client_for("unit")
    codes = criteria(cycle)[:3]
    client.post(f"/cycles/{cycle.pk}/evidence/{stored.pk}/criteria/", {"criteria": codes})
    assert sorted(stored.nodes.values_list("code", flat=True)) == sorted(codes)
    assert client_for("scorer").post(f"/cycles/{cycle.pk}/evidence/{stored.pk}/delete/").status_code == 403
    assert Evidence.objects.filter(pk=stored.pk).exists()  # the scorer may read it, not delete it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cycles/{cycle.pk}/evidence/{stored.pk}/delete/")
    assert not Evidence.objects.exists()
    assert files_on_disk(evidence_dir) == []
    assert list(Event.objects.filter(action__startswith="evidence.").order_by("pk").values_list("action", flat=True)) == [
        "evidence.upload", "evidence.criteria", "evidence.delete"]


def test_a_missing_file_on_disk_is_a_clear_404(client_for, cycle, stored):
    storage.remove(stored.sha256)
    response = client_for("unit").get(f"/cycles/{cycle.pk}/evidence/{stored.pk}/")
    assert response.status_code == 404
