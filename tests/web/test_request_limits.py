"""Request bodies, files and path parameters bounded by the application (issue 19,
`kaohe.web.request_limits`): refused before the body is read, files streamed to disk and counted
before their content is read, ids out of range 404, invalid characters 400."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from kaohe.accounts.models import ApiToken
from kaohe.claims.models import Evidence
from kaohe.cycles.models import Score
from kaohe.web import request_limits

HUGE = 2**64
MB = 1024 * 1024
PDF = b"%PDF-1.4\n" + b"0" * (2 * MB)


def bearer(users, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users[name])[1]}"}


def served(client, method: str, url: str, body: bytes, **extra: str) -> tuple[object, int]:
    """The response to a request whose body is built before measuring, and the peak memory the
    server side took (tracemalloc: the test client's own copies of the body are not counted)."""
    from django.test.client import ClientHandler, RequestFactory

    environ = RequestFactory().generic(method, url, body, content_type=MULTIPART_CONTENT, **extra).environ
    environ["HTTP_COOKIE"] = client.cookies.output(header="", sep="; ")
    handler = ClientHandler(enforce_csrf_checks=False)
    tracemalloc.start()
    try:
        response = handler(environ)
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def pdfs(count: int) -> list[TemporaryUploadedFile]:
    files = []
    for n in range(count):
        upload = TemporaryUploadedFile(f"台账{n}.pdf", "application/pdf", 0, None)
        upload.write(PDF + str(n).encode())
        upload.seek(0)
        files.append(upload)
    return files


def self_assessment_open(cycle) -> None:
    from datetime import timedelta

    from django.utils import timezone

    cycle.self_assessment_deadline = timezone.localdate() + timedelta(days=7)
    cycle.save(update_fields=["self_assessment_deadline"])


def test_every_upload_route_of_the_table_exists():
    from django.urls import get_resolver

    routes = set()

    def walk(patterns, prefix: str = "") -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                routes.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    assert set(request_limits.UPLOADS) <= routes


def test_a_form_over_the_limit_is_refused_before_it_is_read(client_for, cycle):
    score = Score.objects.get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")
    response = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/yanshi/1.2.1.1/",
                                         {"points": "1", "reason": "理" * MB, "version": score.version})
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode() and "上限 1 MB" in response.content.decode()
    score.refresh_from_db()
    assert score.reason == "" and score.points is None


def test_an_api_body_over_the_limit_is_a_json_413(client, cycle, users):
    body = json.dumps({"points": "1", "reason": "x" * (2 * MB), "version": 0})
    response = client.put(f"/api/v1/cycles/{cycle.pk}/scores/yanshi/1.2.1.1", body,
                          content_type="application/json", **bearer(users, "scorer"))
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_a_body_that_announces_more_than_the_evidence_limit_is_not_read(client_for, cycle):
    """70 files of 19 MB (the issue's 1.4 GB): refused from the Content-Length alone."""
    response = client_for("unit").generic(
        "POST", f"/cycles/{cycle.pk}/self/yanshi/evidence/", b"x" * 100, content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(70 * 19 * MB))
    assert response.status_code == 413 and "上限 200 MB" in response.content.decode()


@pytest.mark.parametrize("api", [False, True])
def test_one_file_too_many_is_refused_before_its_content_is_read(api, client_for, client, cycle, users):
    """21 files of 2 MB: the 21st is refused as it starts, the others were spooled to disk, and the
    process's memory grows by far less than the files' 42 MB."""
    self_assessment_open(cycle)
    body = encode_multipart(BOUNDARY, {"file": pdfs(21)})
    url = f"/api/v1/cycles/{cycle.pk}/evidence" if api else f"/cycles/{cycle.pk}/self/yanshi/evidence/"
    response, peak = served(client if api else client_for("unit"), "POST", url, body,
                            **(bearer(users, "unit") if api else {}))
    assert response.status_code == 413
    text = json.loads(response.content)["message"] if api else response.content.decode()
    assert "一次最多上传 20 个文件" in text
    assert peak < 8 * MB, f"{peak / MB:.1f} MB"
    assert not Evidence.objects.exists()


def test_twenty_files_are_spooled_to_disk_and_stored(client_for, cycle, settings):
    self_assessment_open(cycle)
    body = encode_multipart(BOUNDARY, {"file": pdfs(20)})
    response, peak = served(client_for("unit"), "POST", f"/cycles/{cycle.pk}/self/yanshi/evidence/", body)
    assert response.status_code == 302
    assert Evidence.objects.filter(unit__code="yanshi").count() == 20
    assert peak < 8 * MB, f"{peak / MB:.1f} MB"  # 40 MB of files, streamed in 1 MB chunks


def test_a_page_that_takes_no_files_refuses_one(client_for, cycle):
    score = Score.objects.get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")
    response = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/yanshi/1.2.1.1/", {
        "points": "1", "reason": "x", "version": score.version,
        "file": TemporaryUploadedFile("a.pdf", "application/pdf", 0, None)})
    assert response.status_code == 400 and "不接受上传文件" in response.content.decode()


@pytest.mark.parametrize("url", [
    f"/cycles/{HUGE}/", f"/cycles/{HUGE}/grid/", f"/cycles/1/evidence/{HUGE}/", f"/results/{HUGE}/",
    "/cycles/1/self/%01yanshi/", "/cycles/1/self/a%E2%80%AEb/",
])
def test_a_page_for_an_id_out_of_range_or_a_control_character_is_not_found(url, client_for):
    assert client_for("office").get(url).status_code == 404


@pytest.mark.parametrize(("method", "url"), [
    ("get", f"/api/v1/cycles/{HUGE}"),
    ("put", f"/api/v1/cycles/{HUGE}/scores/yanshi/1.2.1.1"),
    ("get", f"/api/v1/cycles/CYCLE/evidence/{HUGE}/file"),
    ("post", f"/api/v1/cycles/CYCLE/objections/{HUGE}/confirm"),
    ("get", f"/api/v1/cycles/CYCLE/results?version={HUGE}"),
    ("get", f"/api/v1/cycles/CYCLE/scorecard?version={HUGE}"),
    ("put", "/api/v1/cycles/CYCLE/scores/%00yanshi/1.2.1.1"),
])
def test_an_api_id_out_of_range_is_not_found(method, url, client, cycle, users):
    url = url.replace("CYCLE", str(cycle.pk))
    if method == "get":
        response = client.get(url, **bearer(users, "office"))
    else:
        response = getattr(client, method)(url, "{}", content_type="application/json", **bearer(users, "office"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_nul_in_a_query_or_a_form_is_refused(client_for, cycle):
    assert client_for("scorer").get(f"/cycles/{cycle.pk}/grid/?q=%00").status_code == 400
    score = Score.objects.get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")
    response = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/yanshi/1.2.1.1/",
                                         {"points": "1", "reason": "a\x00b", "version": score.version})
    assert response.status_code == 400 and "无效字符" in response.content.decode()


def test_a_broken_multipart_body_is_a_400_in_the_api_s_words(client, cycle, users):
    response = client.generic("POST", f"/api/v1/cycles/{cycle.pk}/evidence", b"--x\r\nnot a part",
                              content_type="multipart/form-data; boundary=", **bearer(users, "unit"))
    assert response.status_code == 400 and response.json()["code"] == "invalid"
