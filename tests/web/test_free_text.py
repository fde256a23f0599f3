"""The one free-text rule in every path (issue 19): a score reason from the grid page, the API
and a scoring sheet is cleaned the same way and refused at the same length, with the same
message; the other free texts of the services keep their limits."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.accounts.models import ApiToken
from kaohe.core.text import SCORE_REASON
from kaohe.cycles import review
from kaohe.cycles.models import Score, Submission
from kaohe.cycles.review import ReviewError
from kaohe.formats.scoring_sheet import SHEET, read_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_LONG = "扣分理由最多500个字（现有501个）。"


def task(cycle) -> Score:
    return Score.objects.select_related("node").get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")


def by_page(client_for, cycle, reason: str):
    score = task(cycle)
    return client_for("scorer").post(f"/cycles/{cycle.pk}/scores/yanshi/1.2.1.1/",
                                     {"points": "1", "reason": reason, "version": score.version},
                                     HTTP_HX_REQUEST="true")


def by_api(client, users, cycle, reason: str):
    score = task(cycle)
    return client.put(f"/api/v1/cycles/{cycle.pk}/scores/yanshi/1.2.1.1",
                      json.dumps({"points": "1", "reason": reason, "version": score.version}),
                      content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(users['scorer'])[1]}")


def by_sheet(client_for, cycle, reason: str):
    client = client_for("scorer")
    data = client.get(f"/cycles/{cycle.pk}/sheet.xlsx").content
    pair = next(c for c in read_sheet(data).cells if (c.unit_code, c.item_code) == ("yanshi", "1.2.1.1"))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb[SHEET][pair.points_cell.split("!")[1]] = 1
    wb[SHEET][pair.reason_cell.split("!")[1]] = reason
    out = io.BytesIO()
    wb.save(out)
    return client.post(f"/cycles/{cycle.pk}/sheet/upload/",
                       {"file": SimpleUploadedFile("评分表.xlsx", out.getvalue(), content_type=XLSX)})


@pytest.mark.parametrize("path", ["page", "api", "sheet"])
def test_a_reason_one_character_too_long_is_refused_alike(path, client_for, client, users, cycle):
    reason = "理" * (SCORE_REASON.limit + 1)
    if path == "page":
        response = by_page(client_for, cycle, reason)
        assert response.status_code == 422 and TOO_LONG in response.content.decode()
    elif path == "api":
        response = by_api(client, users, cycle, reason)
        assert response.status_code == 422 and response.json()["message"] == TOO_LONG
        assert response.json()["field"] == "reason"
    else:
        assert TOO_LONG in by_sheet(client_for, cycle, reason).content.decode()
    assert task(cycle).points is None


@pytest.mark.parametrize("path", ["page", "api", "sheet"])
def test_invisible_characters_are_removed_alike(path, client_for, client, users, cycle):
    reason = "未\u202e按时\u200b召开\u2066会议" + "\u200b" * 40 + "理" * (SCORE_REASON.limit - 7)
    if path == "page":
        assert by_page(client_for, cycle, reason).status_code == 200
    elif path == "api":
        assert by_api(client, users, cycle, reason).status_code == 200
    else:
        assert by_sheet(client_for, cycle, reason).status_code == 200
    saved = task(cycle)
    assert saved.reason == "未按时召开会议" + "理" * (SCORE_REASON.limit - 7) and len(saved.reason) == 500


def test_a_lone_surrogate_from_the_api_is_refused_not_a_server_error(client, users, cycle):
    response = by_api(client, users, cycle, "a\ud800b")
    assert response.status_code == 422 and "无效字符" in response.json()["message"]


def test_ten_megabytes_of_reason_are_refused_by_the_request_limit(client, users, cycle):
    assert by_api(client, users, cycle, "理" * 3_500_000).status_code == 413


def test_a_return_comment_follows_the_rule_too(users, cycle):
    submission = Submission.objects.get(cycle=cycle, department__code="swzzb")
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.APPROVED)
    with pytest.raises(ReviewError, match="最多1000个字"):
        review.return_to_department(users["office"], submission, "意" * 1001)
    moved = review.return_to_department(users["office"], Submission.objects.get(pk=submission.pk),
                                        "请\u202e核对\u0000")
    assert moved.comment == "请核对"
