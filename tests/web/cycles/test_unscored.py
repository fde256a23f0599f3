"""What the scheme leaves unscored (kaohe.cycles.unscored): the 2018 county scheme names no
department for 4.2.1 and 7.3 (3.5 points), so a 县(市)'s maximum is 191.5, not 195 — said on the
cockpit, the results page and by the API; the office names a department for such an item for one
cycle while it is a draft, and opening then makes its tasks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.core.points import format_points
from kaohe.cycles import lifecycle
from kaohe.cycles.lifecycle import CycleError
from kaohe.cycles.models import Score
from kaohe.cycles.unscored import unscored
from kaohe.orgs.models import Department
from kaohe.results import service
from kaohe.schemes.models import SchemeRecord

COUNTY = "luoyang-2018-county"
ITEMS = ["4.2.1", "7.3.1", "7.3.2", "7.3.3"]


@pytest.fixture
def draft(users):
    with acting_as(users["office"]):
        return lifecycle.create_cycle(name="2019年度考核", scheme=SchemeRecord.objects.get(name=COUNTY),
                                      unit_codes=["yanshi", "jianxi", "gaoxin", "yibin"])


def maxima(found) -> dict[str, tuple[str, str]]:
    return {name: (format_points(m.scored), format_points(m.reachable)) for m in found.maxima for name in m.units}


def test_the_county_scheme_leaves_4_2_1_and_7_3_unscored_3_5_points(draft):
    found = unscored(draft)
    assert [item.code for item in found.items] == ITEMS and found.points == Decimal("3.5")
    assert maxima(found) == {"偃师市": ("191.5", "195"), "涧西区": ("188.5", "192"), "高新区": ("189.5", "193"),
                             "伊滨区": ("192.5", "196")}


def test_an_open_cycle_says_the_same_from_its_tasks(cycle):
    found = unscored(cycle)
    assert [item.code for item in found.items] == ITEMS
    assert maxima(found)["偃师市"] == ("191.5", "195")
    assert not Score.objects.filter(cycle=cycle, node__code__in=ITEMS).exists()


def test_the_municipal_scheme_leaves_nothing_unscored(users):
    municipal = SchemeRecord.objects.get(name="luoyang-2018-municipal")
    with acting_as(users["office"]):
        other = lifecycle.create_cycle(name="市直", scheme=municipal, unit_codes=lifecycle.default_unit_codes(municipal))
    assert not unscored(other) and unscored(other).items == ()


def test_a_department_named_for_the_cycle_makes_the_items_tasks_and_restores_the_maximum(users, draft):
    with acting_as(users["office"]):
        lifecycle.assign_departments(draft, {"4.2.1": "swzzb", "7.3.1": "swdjb", "7.3.2": "swdjb", "7.3.3": "swdjb"})
    draft.refresh_from_db()
    assert not unscored(draft)
    assert Event.objects.filter(cycle=draft, action="cycle.assign").count() == 1
    with acting_as(users["office"]):
        lifecycle.open_cycle(draft)
    tasks = Score.objects.filter(cycle=draft, node__code__in=ITEMS)
    assert tasks.count() == 16  # four items, four units
    assert set(tasks.filter(node__code="4.2.1").values_list("department__code", flat=True)) == {"swzzb"}
    assert set(tasks.filter(node__code="7.3.1").values_list("department__code", flat=True)) == {"swdjb"}
    for score in Score.objects.filter(cycle=draft).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points)
    rows = {r.name: r for r in service.compute_cycle(draft)}
    assert rows["偃师市"].maximum == 195 and rows["涧西区"].maximum == 192


def test_only_a_draft_takes_a_department_and_only_for_an_item_without_one(users, draft, cycle):
    with pytest.raises(CycleError, match="已开始评分"):
        lifecycle.assign_departments(cycle, {"4.2.1": "swzzb"})
    with pytest.raises(CycleError, match="1.2.1.1") as error:
        lifecycle.assign_departments(draft, {"1.2.1.1": "swzzb"})  # the scheme names 市委组织部
    assert error.value.field == "item_departments"
    with pytest.raises(CycleError, match="nope"):
        lifecycle.assign_departments(draft, {"4.2.1": "nope"})
    Department.objects.filter(code="swdjb").update(active=False)
    with pytest.raises(CycleError, match="swdjb"):
        lifecycle.assign_departments(draft, {"4.2.1": "swdjb"})
    draft.refresh_from_db()
    assert draft.item_departments == {}


def test_an_assignment_is_taken_back_with_an_empty_department(users, draft):
    with acting_as(users["office"]):
        lifecycle.assign_departments(draft, {"4.2.1": "swzzb", "7.3.1": "swdjb"})
        assert lifecycle.assign_departments(draft, {"4.2.1": ""}) == {"7.3.1": "swdjb"}


# ----------------------------------------------------------------------------- pages


def test_the_office_names_departments_on_the_page(client_for, draft):
    office = client_for("office")
    page = office.get(f"/cycles/{draft.pk}/unscored/").content.decode()
    assert 'name="item-4.2.1"' in page and "改进和创新联系群众方法" in page and "偃师市：满分191.5分" in page
    response = office.post(f"/cycles/{draft.pk}/unscored/", {"item-4.2.1": "swzzb", "item-7.3.1": "",
                                                              "item-7.3.2": "", "item-7.3.3": ""})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.item_departments == {"4.2.1": "swzzb"}
    cockpit = office.get(f"/cycles/{draft.pk}/").content.decode()
    assert "4.2.1 → 市委组织部" in cockpit and "偃师市：满分193分，而指标体系可得195分" in cockpit


def test_a_refused_assignment_is_shown_and_saves_nothing(client_for, draft):
    page = client_for("office").post(f"/cycles/{draft.pk}/unscored/", {"item-4.2.1": "nope"}, follow=True)
    assert "没有这些考核部门" in page.content.decode()
    draft.refresh_from_db()
    assert draft.item_departments == {}


def test_an_open_cycle_shows_its_choice_read_only(client_for, cycle):
    page = client_for("office").get(f"/cycles/{cycle.pk}/unscored/").content.decode()
    assert "item-4.2.1" not in page and "不能再修改" in page
    refused = client_for("office").post(f"/cycles/{cycle.pk}/unscored/", {"item-4.2.1": "swzzb"}, follow=True)
    assert "已开始评分" in refused.content.decode()


def test_the_results_page_says_what_the_maximum_leaves_out(client_for, cycle):
    page = client_for("office").get(f"/results/{cycle.pk}/").content.decode()
    notice = page.split('class="warning results-unscored"')[1].split("</div>")[0]
    assert "4项考核内容（共3.5分）没有考核部门" in notice and "4.2.1" in notice and "7.3.3" in notice
    assert "满分191.5分，而指标体系可得195分" in notice


def test_the_api_creates_a_cycle_with_departments_for_such_items(client_for):
    response = client_for("office").post("/api/v1/cycles", {
        "name": "API周期", "scheme": COUNTY, "units": ["yanshi"], "item_departments": {"4.2.1": "swzzb"}},
        content_type="application/json")
    assert response.status_code == 201
    body = response.json()["sections"]["unscored"]
    assert body["assigned"] == {"4.2.1": "swzzb"} and [i["code"] for i in body["items"]] == ITEMS[1:]
    refused = client_for("office").post("/api/v1/cycles", {
        "name": "API周期2", "scheme": COUNTY, "units": ["yanshi"], "item_departments": {"1.1.1.1": "swzzb"}},
        content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "item_departments"
