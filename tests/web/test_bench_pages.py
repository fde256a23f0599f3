"""Benchmarks of the heavy pages and files (`make bench`), not tests: figures go to BENCHMARKS.md."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.bench


def test_render_the_scoring_grid_of_the_largest_department(benchmark, client_for, cycle):
    client = client_for("scorer")  # 市委组织部: 1,025 tasks over 18 units
    response = benchmark(client.get, f"/cycles/{cycle.pk}/scoring/")
    assert response.status_code == 200


def test_download_the_largest_departments_scoring_sheet(benchmark, client_for, cycle):
    client = client_for("scorer")
    response = benchmark(client.get, f"/cycles/{cycle.pk}/sheet.xlsx")
    assert response.status_code == 200


def test_list_a_departments_tasks_through_the_api(benchmark, client_for, cycle):
    client = client_for("scorer")
    response = benchmark(client.get, f"/api/v1/cycles/{cycle.pk}/tasks")
    assert response.status_code == 200


def test_export_the_county_scheme_as_the_official_xlsx(benchmark):
    from kaohe.data import builtin_path
    from kaohe.formats.xlsx_scheme import xlsx_bytes
    from kaohe.formats.yaml_scheme import read_yaml

    scheme = read_yaml(builtin_path("luoyang-2018-county"))
    assert benchmark(xlsx_bytes, scheme)[:2] == b"PK"
