"""Hostile text users can enter is shown as text: script and HTML payloads in every free-text
field come back escaped on every page that shows them, and text that starts like a formula is
written into every spreadsheet export as a literal string (kaohe.formats.cells.write_text).

Fields: a score's reason (grid), a head's send-back comment, the office's return comment, cycle
and submission re-open reasons, a result adjustment's reason and document, a scheme's titles (YAML
import), unit and department names (the models, as the office would edit them in the admin).
Exports: the scheme xlsx, the scoring sheet, the results ranking and detail workbooks, the audit
xlsx.
"""

from __future__ import annotations

import html
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections

from kaohe.audit.context import acting_as
from kaohe.cycles import review
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.orgs.models import Department, Unit

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
FORMULAS = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(1,1)"]
ITEM, UNIT, DEPARTMENT = "1.2.1.1", "yanshi", "swzzb"


def payload(tag: str) -> str:
    """Both payloads, with a tag saying which field they were put in."""
    return f"{tag}{SCRIPT}{IMAGE}"


def assert_escaped(page: str, text: str, where: str) -> None:
    """`text` is shown (HTML-escaped, or JSON-escaped inside a json_script block) and never raw."""
    assert SCRIPT not in page and "<img src=x" not in page, f"{where}: a payload is in the page unescaped"
    escaped = html.escape(text)
    in_json = text.replace("<", "\\u003C").replace(">", "\\u003E")
    assert escaped in page or in_json in page, f"{where}: {text!r} is not shown"


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _fill_department(cycle: Cycle, code: str = DEPARTMENT) -> None:
    Score.objects.filter(cycle=cycle, department__code=code).update(points=Decimal(0), reason="测试")


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


# -- pages ---------------------------------------------------------------------------------------

def test_a_score_reason_is_escaped_in_the_grid_and_its_answer(client_for, cycle):
    reason = payload("理由")
    score = Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM)
    answer = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/{UNIT}/{ITEM}/",
                                       {"points": "1", "reason": reason, "version": score.version},
                                       HTTP_HX_REQUEST="true")
    assert_escaped(body(answer), reason, "the saved cell")
    assert Score.objects.get(pk=score.pk).reason == reason  # stored as typed
    assert_escaped(body(client_for("scorer").get(f"/cycles/{cycle.pk}/scoring/")), reason, "the scorer's grid")
    assert_escaped(body(client_for("office").get(f"/cycles/{cycle.pk}/scoring/", {"department": DEPARTMENT})),
                   reason, "the office's read-only grid")


def test_send_back_and_return_comments_are_escaped(client_for, cycle, users):
    _fill_department(cycle)
    submission = Submission.objects.get(cycle=cycle, department__code=DEPARTMENT)
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    comment = payload("退回")
    response = client_for("head").post(f"/cycles/{cycle.pk}/submission/send-back/", {"comment": comment})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).comment == comment
    assert_escaped(body(client_for("scorer").get("/")), comment, "the scorer's to-do list")
    assert_escaped(body(client_for("scorer").get(f"/cycles/{cycle.pk}/scoring/")), comment, "the grid")
    assert_escaped(body(client_for("scorer").get(f"/cycles/{cycle.pk}/")), comment, "the cycle page")

    with acting_as(users["head"]):
        review.submit(users["head"], submission)
        review.approve(users["head"], submission)
    returned = payload("考核办退回")
    client_for("office").post(f"/cycles/{cycle.pk}/review/{DEPARTMENT}/return/", {"comment": returned})
    assert Submission.objects.get(pk=submission.pk).comment == returned
    assert_escaped(body(client_for("office").get(f"/cycles/{cycle.pk}/review/")), returned, "the review page")
    assert_escaped(body(client_for("office").get(f"/cycles/{cycle.pk}/")), returned, "the cycle history")


def test_reopen_reasons_are_escaped(client_for, cycle):
    Submission.objects.filter(cycle=cycle, department__code=DEPARTMENT).update(state=Submission.State.LOCKED)
    submission_reason = payload("部门重开")
    client_for("office").post(f"/cycles/{cycle.pk}/review/{DEPARTMENT}/reopen/", {"reason": submission_reason})
    assert Submission.objects.get(cycle=cycle, department__code=DEPARTMENT).state == Submission.State.DRAFT

    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    cycle_reason = payload("周期重开")
    client_for("office").post(f"/cycles/{cycle.pk}/reopen/", {"reason": cycle_reason})
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.REVIEW
    page = body(client_for("office").get(f"/cycles/{cycle.pk}/"))
    assert_escaped(page, submission_reason, "the cycle history (department re-opened)")
    assert_escaped(page, cycle_reason, "the cycle history (cycle re-opened)")
    assert_escaped(body(client_for("office").get("/audit/")), cycle_reason, "the audit trail")


def test_adjustment_reason_and_document_are_escaped(client_for, cycle):
    reason, document = payload("调整理由"), payload("文件")
    response = client_for("office").post(f"/results/{cycle.pk}/adjustments/", {
        "unit": UNIT, "kind": "bonus", "points": "1", "reason": reason, "document": document[:200]})
    assert response.status_code == 302
    for url in (f"/results/{cycle.pk}/", f"/results/{cycle.pk}/scorecard/{UNIT}/"):
        page = body(client_for("office").get(url))
        assert_escaped(page, reason, url)
        assert_escaped(page, document, url)


ESCAPE_SCHEME = """\
kaohe-scheme: 1
name: escape-test
title: '{title}'
year: 2019
total: 10
units: [偃师市]
departments: [市委组织部]
dimensions:
  - title: '{dimension}'
    points: 10
    indicators:
      - title: '{indicator}'
        points: 10
        criteria:
          - title: '{criterion}'
            points: 10
            departments: [市委组织部]
            items:
              - {{title: '{item}', points: 10}}
"""


def scheme_yaml(**titles: str) -> bytes:
    quoted = {key: value.replace("'", "''") for key, value in titles.items()}
    return ESCAPE_SCHEME.format(**quoted).encode()


def test_scheme_titles_from_a_yaml_import_are_escaped(client_for):
    title, item = payload("标题"), payload("内容")
    data = scheme_yaml(title=title, dimension=payload("一级"), indicator="指标", criterion="标准", item=item)
    office = client_for("office")
    response = office.post("/schemes/import/", {"file": SimpleUploadedFile("escape.yaml", data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = body(office.get(response["Location"]))
    for text in (title, item, payload("一级")):
        assert_escaped(detail, text, "the scheme page")
    assert_escaped(body(office.get("/schemes/")), title, "the scheme list")
    assert_escaped(body(office.get("/")), title, "the office's to-do list")


def test_unit_and_department_names_are_escaped(client_for, cycle):
    unit_name, department_name = payload("单位"), payload("部门")
    Unit.objects.filter(code=UNIT).update(name=unit_name)
    Department.objects.filter(code=DEPARTMENT).update(name=department_name)
    CycleUnit.objects.filter(cycle=cycle, code=UNIT).update(name=unit_name)
    CycleDepartment.objects.filter(cycle=cycle, code=DEPARTMENT).update(name=department_name)
    office = client_for("office")
    pages = {
        "the cycle page": (office, f"/cycles/{cycle.pk}/", [unit_name, department_name]),
        "the review page": (office, f"/cycles/{cycle.pk}/review/", [department_name]),
        "the grid": (client_for("scorer"), f"/cycles/{cycle.pk}/scoring/", [unit_name]),
        "the grid chooser": (office, f"/cycles/{cycle.pk}/scoring/", [department_name]),
        "the results page": (office, f"/results/{cycle.pk}/", [unit_name]),
        "the scorecards": (office, f"/results/{cycle.pk}/scorecards/", [unit_name]),
        "the scorecard": (office, f"/results/{cycle.pk}/scorecard/{UNIT}/", [unit_name]),
        "the dashboard": (office, f"/results/{cycle.pk}/dashboard/", [unit_name]),
        "the consistency analysis": (office, f"/results/{cycle.pk}/consistency/", [department_name]),
    }
    for where, (client, url, texts) in pages.items():
        page = body(client.get(url))
        for text in texts:
            assert_escaped(page, text, where)


# -- spreadsheet exports: formula-like text stays text -------------------------------------------

def workbook_cells(content: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def assert_literal(content: bytes, texts: list[str], what: str) -> None:
    """Each text is in a string cell, kept as typed; no cell anywhere is a formula."""
    cells = workbook_cells(content)
    formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not formulas, f"{what}: formula cells {formulas}"
    for text in texts:
        found = [cell for cell in cells if isinstance(cell.value, str) and text in cell.value]
        assert found, f"{what}: {text!r} is not in the workbook"
        assert all(cell.data_type == "s" for cell in found), f"{what}: {text!r}"
        assert any(cell.value == text or cell.value.startswith(text) for cell in found), f"{what}: {text!r}"


def close_response(response) -> None:
    """Close a response (a file download holds a temporary file until then) without the
    request_finished signal closing the test's database connection, as the test client does."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    close_response(response)
    return content


def test_the_scheme_xlsx_keeps_formula_like_titles_as_text(client_for):
    titles = dict(zip(["title", "dimension", "indicator", "criterion"], FORMULAS, strict=True))
    data = scheme_yaml(item="=1+1 内容", **titles)
    office = client_for("office")
    response = office.post("/schemes/import/", {"file": SimpleUploadedFile("formulas.yaml", data)})
    assert response.status_code == 302
    content = download(office.get(response["Location"] + "export.xlsx"))
    assert_literal(content, FORMULAS[1:], "the scheme xlsx")  # labels such as "+1+1(10分)"
    cells = workbook_cells(content)
    assert any(FORMULAS[0] in cell.value for cell in cells if isinstance(cell.value, str)), "the title"


def test_the_scoring_sheet_keeps_formula_like_text_as_text(client_for, cycle, users):
    CycleUnit.objects.filter(cycle=cycle, code=UNIT).update(name=FORMULAS[3])
    Score.objects.filter(cycle=cycle, unit__code=UNIT, node__code=ITEM).update(points=Decimal(1), reason=FORMULAS[1])
    content = download(client_for("scorer").get(f"/cycles/{cycle.pk}/sheet.xlsx"))
    assert_literal(content, [FORMULAS[1], FORMULAS[3]], "the scoring sheet")


def test_result_workbooks_keep_formula_like_names_as_text(client_for, cycle):
    CycleUnit.objects.filter(cycle=cycle, code=UNIT).update(name=FORMULAS[0])
    CycleUnit.objects.filter(cycle=cycle, code="mengjin").update(name=FORMULAS[2])
    for kind in ("ranking", "detail"):
        content = download(client_for("office").get(f"/results/{cycle.pk}/export/{kind}/"))
        assert_literal(content, [FORMULAS[0], FORMULAS[2]], f"the {kind} workbook")


def test_the_audit_xlsx_keeps_formula_like_text_as_text(client_for, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    client_for("office").post(f"/cycles/{cycle.pk}/reopen/", {"reason": FORMULAS[2]})
    content = download(client_for("office").get("/audit/export.xlsx", {"action": "cycle.reopen"}))
    assert_literal(content, [FORMULAS[2]], "the audit xlsx")
