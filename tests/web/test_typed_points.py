"""Points as Chinese input methods type them ("１．５", "1。5") are read as meant wherever points are
entered — the grid, the self-assessment (page and API), the scoring sheet, the API's scores, objection
answers, adjustments and component values — by the one rule (kaohe.core.points.parse_typed, a
property test in tests/core/test_points.py); a comma is refused with its own reason, in place, and
nothing changes."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.audit.context import acting_as
from kaohe.claims.models import Claim
from kaohe.cycles.models import Score
from kaohe.formats.scoring_sheet import SHEET, read_sheet
from kaohe.results.models import Adjustment, ComponentValue, ResultSettings

HTMX = {"HTTP_HX_REQUEST": "true"}
UNIT = "yanshi"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def task(cycle) -> Score:
    """A task of 市委组织部 for 偃师市 worth 2 points (the demo's step is 0.1)."""
    score = (Score.objects.select_related("node", "unit")
             .filter(cycle=cycle, department__code="swzzb", unit__code=UNIT).order_by("node__position").first())
    assert score.node.points == Decimal(2)
    return score


@pytest.mark.parametrize("typed", ["１．５", "1。5", "１。５", "　1.5　"])
def test_the_grid(client_for, task, typed):
    response = client_for("scorer").post(f"/cycles/{task.cycle_id}/scores/{UNIT}/{task.node.code}/",
                                         {"points": typed, "reason": "扣0.5分", "version": task.version}, **HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.points == Decimal("1.5")


def test_the_grid_refuses_a_comma_saying_why(client_for, task):
    response = client_for("scorer").post(f"/cycles/{task.cycle_id}/scores/{UNIT}/{task.node.code}/",
                                         {"points": "1，5", "reason": "扣0.5分", "version": task.version}, **HTMX)
    assert response.status_code == 422 and "逗号" in response.content.decode()
    task.refresh_from_db()
    assert task.points is None


def test_the_api_score(client_for, task):
    response = client_for("scorer").put(
        f"/api/v1/cycles/{task.cycle_id}/scores/{UNIT}/{task.node.code}",
        data=json.dumps({"points": "１．５", "reason": "扣0.5分", "version": task.version}),
        content_type="application/json")
    assert response.status_code == 200 and response.json()["points"] == "1.5"


def test_the_self_assessment_page_and_api(client_for, cycle):
    client = client_for("unit")
    response = client.post(f"/cycles/{cycle.pk}/self/{UNIT}/save/",
                           {"points:1.2.1": "４。５", "explanation:1.2.1": "", "version:1.2.1": 0}, **HTMX)
    assert response.status_code == 200
    response = client.put(f"/api/v1/cycles/{cycle.pk}/self-assessment/claims/1.2.2",
                          data=json.dumps({"points": "２", "explanation": "", "version": 0}),
                          content_type="application/json")
    assert response.status_code == 200
    assert dict(Claim.objects.values_list("node__code", "points")) == {"1.2.1": Decimal("4.5"), "1.2.2": Decimal(2)}


def test_the_scoring_sheet(client_for, cycle, task):
    client = client_for("scorer")
    data = client.get(f"/cycles/{cycle.pk}/sheet.xlsx").content
    cell = next(c for c in read_sheet(data).cells if (c.unit_code, c.item_code) == (UNIT, task.node.code))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook[SHEET][cell.points_cell.split("!")[-1]] = "１．５"  # typed as text in WPS with a Chinese input method
    workbook[SHEET][cell.reason_cell.split("!")[-1]] = "扣0.5分"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(f"/cycles/{cycle.pk}/sheet/upload/",
                           {"file": SimpleUploadedFile("评分表.xlsx", buffer.getvalue(), content_type=XLSX)})
    assert response.status_code in (200, 302)
    task.refresh_from_db()
    assert task.points == Decimal("1.5")


def test_adjustments_and_component_values(client_for, cycle, users):
    client = client_for("office")
    response = client.post(f"/results/{cycle.pk}/adjustments/",
                           {"unit": UNIT, "kind": "bonus", "points": "０．５", "reason": "表彰"})
    assert response.status_code == 302
    assert Adjustment.objects.get(cycle=cycle).points == Decimal("0.5")
    refused = client.post(f"/results/{cycle.pk}/adjustments/",
                          {"unit": UNIT, "kind": "bonus", "points": "0，5", "reason": "表彰"})
    assert "逗号" in refused.content.decode() and Adjustment.objects.filter(cycle=cycle).count() == 1

    settings = ResultSettings.objects.get_or_create(cycle=cycle)[0]
    with acting_as(users["office"]):
        settings.components = [{"key": "adjusted", "label": "调整后得分", "weight": "0.8"},
                               {"key": "survey", "label": "满意度测评", "weight": "0.2"}]
        settings.save()
    client.post(f"/results/{cycle.pk}/components/", {f"value:{UNIT}:survey": "７５。５"})
    assert ComponentValue.objects.get(unit__code=UNIT, key="survey").value == Decimal("75.5")
