"""API: download and upload a department's scoring sheet.

- GET  /api/v1/cycles/{cycle_id}/sheet   the xlsx of the caller's department (scorer or head).
- POST /api/v1/cycles/{cycle_id}/sheet   multipart field `file`: a filled-in sheet, applied
  all-or-nothing → 200 {"applied": n, "unchanged": m}, or 422 {"errors": [{cell, message}],
  "conflicts": [{cell, message, unit, item, uploaded, current, current_version}]} and nothing saved.

403 for callers without a department in the cycle, 404 for cycles they cannot see; these come as
`{code, message}` like the rest of the API (`kaohe.api.errors`).

(No `from __future__ import annotations`: ninja resolves the views' annotations through the
error-translating wrapper.)
"""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import ErrorOut
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import Cycle, CycleDepartment
from kaohe.cycles.sheet_views import XLSX, sheet_file, xlsx_response
from kaohe.cycles.sheets import apply_upload, read_sheet_upload

router = Router(tags=["sheets"])


class Applied(Schema):
    applied: int
    unchanged: int


class CellError(Schema):
    cell: str
    message: str


class CellConflict(Schema):
    cell: str
    message: str
    unit: str
    item: str
    uploaded: str
    current: str
    current_version: int


class Refused(Schema):
    errors: list[CellError]
    conflicts: list[CellConflict]


def _department(request: HttpRequest, cycle_id: int) -> tuple[Cycle, CycleDepartment]:
    """The cycle and the caller's department in it (404 for a cycle they cannot see, else 403)."""
    cycle = visible_cycle(user_of(request), cycle_id)
    department = scoring_department(user_of(request), cycle)
    if department is None:
        raise ApiError(403, _("只有参加本周期的考核部门的评分人和负责人可以下载和上传评分表。"))
    return cycle, department


@router.get("/{cycle_id}/sheet", response={200: None, 403: ErrorOut, 404: ErrorOut},
            summary="下载本部门评分表（xlsx）",
            openapi_extra={"responses": {200: {"description": "评分表", "content": {XLSX: {}}}}})
@translate_errors
def download_sheet(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _department(request, cycle_id)[0]
    content, filename = sheet_file(user_of(request), cycle)
    return xlsx_response(content, filename)


@router.post("/{cycle_id}/sheet", response={200: Applied, 403: ErrorOut, 404: ErrorOut, 422: Refused},
             summary="上传填写好的评分表（全部通过才保存）")
@translate_errors
def upload_sheet(request: HttpRequest, cycle_id: int, file: UploadedFile = File(...)):  # noqa: B008
    cycle, department = _department(request, cycle_id)
    uploaded, problem = read_sheet_upload(file, cycle)
    if uploaded is None:
        return Status(422, {"errors": [{"cell": "", "message": problem}], "conflicts": []})
    report = apply_upload(user_of(request), cycle, uploaded, department)
    if not report.ok:
        return Status(422, report.as_json())
    return Status(200, {"applied": report.applied, "unchanged": report.unchanged})
