"""Benchmarks of the heavy pages and files (`make bench`), not tests: figures go to BENCHMARKS.md."""

from __future__ import annotations

import tempfile
import tracemalloc
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kaohe.audit import export
from kaohe.audit.words import Change, Described, Name

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


def _peak_writing(count: int, writer) -> int:
    """The peak memory of writing `count` events in words (what the export view hands the writers)."""
    events = (Described(event=SimpleNamespace(at=timezone.now(), address="10.0.0.1", cycle=None,
                                              reason=f"第{index}条理由，各不相同"),
                        actor=Name("张三", "scorer"), action="修改评分", type="评分",
                        parts=[("单位", Name("偃师市", "yanshi")), ("考核内容", Name("", "1.2.1.1"))],
                        changes=[Change("得分", [Name("1.5")], [Name("2")]), Change("理由", [Name("材料不全")], None)])
              for index in range(count))
    tracemalloc.start()
    try:
        writer(events)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_exporting_ten_times_the_audit_events_takes_no_more_memory(benchmark):
    def xlsx(events) -> None:
        with tempfile.TemporaryFile() as out:  # as the view does, which then streams it back
            export.write_xlsx(events, out)

    def csv_(events) -> None:
        for _ in export.csv_lines(events):
            pass

    peaks = {}
    for name, writer in (("xlsx", xlsx), ("csv", csv_)):
        peaks[name] = small, large = _peak_writing(200, writer), _peak_writing(2000, writer)
        assert large < small * 1.5 + 200_000, (name, small, large)
    benchmark.extra_info["peak bytes (200 events, 2000 events)"] = peaks
    benchmark.pedantic(xlsx, args=(iter(()),), rounds=1)


def test_compute_the_results_of_the_demo_cycle(benchmark, cycle):
    from kaohe.results import service

    results = benchmark(service.compute_cycle, cycle)  # 18 units, 3,696 tasks: one GROUP BY, then the core
    assert len(results) == 18


def test_render_the_results_dashboard(benchmark, client_for, cycle):
    client = client_for("office")
    assert benchmark(client.get, f"/results/{cycle.pk}/dashboard/").status_code == 200


def test_read_the_results_of_the_demo_cycle_through_the_api(benchmark, users, cycle):
    from django.test import Client

    from kaohe.accounts.models import ApiToken

    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(users['office'])[1]}")
    response = benchmark(client.get, f"/api/v1/cycles/{cycle.pk}/results")  # computed now, every figure as JSON
    assert response.status_code == 200 and len(response.json()["units"]) == 18


def test_render_the_results_page_of_the_demo_cycle(benchmark, client_for, cycle):
    client = client_for("office")
    assert benchmark(client.get, f"/results/{cycle.pk}/").status_code == 200
