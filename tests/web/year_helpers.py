"""What the two whole-year tests share (test_year_scripted.py, test_browser_year.py): running
`kaohe …` in the test's process, one person's API client with their token, and a scoring sheet
filled in as a scorer does it in Excel."""

from __future__ import annotations

import io
import json
import re

import openpyxl
from django.test import Client

from kaohe.cli.main import main
from kaohe.formats.scoring_sheet import SHEET, read_sheet
from kaohe.formats.scoring_sheet.layout import MAXIMUM_COLUMN


def kaohe(capsys, *args: str) -> str:
    """Run `kaohe …` and return what it printed; a failure fails the test with its message. (The
    caller keeps the test's database connection: monkeypatch django.db.connections.close_all.)"""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, f"kaohe {' '.join(args)} → {code}: {err}"
    return out


class Api:
    """One person's API client, with their token."""

    def __init__(self, key: str):
        self.client, self.headers = Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def call(self, method: str, path: str, body: object = None, status: int = 200, **extra: object) -> object:
        kwargs = {**self.headers, **extra}
        if body is not None and "data" not in extra:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(self.client, method)(f"/api/v1/{path}", **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.content[:500])
        return response.json() if response.get("Content-Type", "").startswith("application/json") else response


def filled(sheet: bytes) -> bytes:
    """What a scorer does in Excel: every points cell of the sheet at the 满分 shown in its row."""
    workbook = openpyxl.load_workbook(io.BytesIO(sheet))
    worksheet = workbook[SHEET]
    for cell in read_sheet(sheet).cells:
        reference = cell.points_cell.split("!")[-1]
        row = int(re.sub(r"\D", "", reference))
        worksheet[reference] = worksheet.cell(row=row, column=MAXIMUM_COLUMN).value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
