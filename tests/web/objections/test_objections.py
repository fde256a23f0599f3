"""Objections: the unit's published scorecard, filing within the window, the departments' answers,
the office's confirmation and the republished version (the old one kept), all in the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kaohe.accounts.models import Role, User
from kaohe.audit.models import Event
from kaohe.claims.models import Evidence
from kaohe.core.points import two_places
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.objections.models import Objection, ObjectionItem
from kaohe.orgs.models import Unit
from kaohe.results import service
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

UNIT = "yanshi"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"


@pytest.fixture
def published(cycle, users):
    """Every task at full marks, the cycle locked, version 1 published, objections open until today."""
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    cycle.status = Cycle.Status.LOCKED
    cycle.objection_deadline = timezone.localdate()
    cycle.save(update_fields=["status", "objection_deadline"])
    service.publish(cycle, users["office"])
    return cycle


def unit_scores(cycle: Cycle, department: str) -> list[Score]:
    return list(Score.objects.filter(cycle=cycle, unit__code=UNIT, department__code=department)
                .select_related("node").order_by("node__position"))


def file(client, cycle, codes, reason="评分依据有误", files=()):
    data = {"items": codes, "reason": reason}
    if files:
        data["file"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"/cycles/{cycle.pk}/objections/new/", data, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def shown(response) -> str:
    """A refusal is shown in place: on the page answered (4xx), with what was typed."""
    assert 400 <= response.status_code < 500
    return response.content.decode()


def test_before_publication_the_scorecard_says_so(client_for, cycle):
    response = client_for("unit").get(f"/cycles/{cycle.pk}/scorecard/")
    assert response.status_code == 200 and "尚未发布" in response.content.decode()


def test_the_unit_sees_its_published_scorecard_and_nothing_of_others(client_for, published):
    snapshot = ResultSnapshot.objects.get(cycle=published)
    mine = next(r for r in snapshot.results if r["code"] == UNIT)
    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    assert two_places(mine["final"]) in html and mine["grade"] in html
    items = Score.objects.filter(cycle=published, unit__code=UNIT).count()
    assert html.count('name="items"') == items  # every item that applied, each can be objected to
    others = CycleUnit.objects.filter(cycle=published).exclude(code=UNIT)
    assert not any(other.name in html for other in others)


@pytest.mark.parametrize(("name", "status"), [
    (None, 302), ("office", 302), ("leader", 302), ("scorer", 404), ("head", 404), ("scorer2", 404)])
def test_other_roles_do_not_get_a_unit_scorecard(client_for, published, name, status):
    assert client_for(name).get(f"/cycles/{published.pk}/scorecard/").status_code == status


def test_filing_an_objection_with_evidence(client_for, published, users):
    scores = unit_scores(published, "swzzb")[:2]
    response = file(client_for("unit"), published, [s.node.code for s in scores], files=[("依据.pdf", PDF)])
    objection = Objection.objects.get()
    assert response.redirect_chain[-1][0] == f"/cycles/{published.pk}/objections/{objection.pk}/"
    assert (objection.unit.code, objection.version, objection.state, objection.filed_by) == (
        UNIT, 1, Objection.State.FILED, users["unit"])
    assert sorted(i.score_id for i in objection.items.all()) == sorted(s.pk for s in scores)
    evidence = objection.evidence.get()
    assert (evidence.name, evidence.purpose) == ("依据.pdf", Evidence.Purpose.OBJECTION)
    assert Event.objects.get(action="objection.file").new["items"] == [s.node.code for s in scores]
    # the department that scored the items sees it and the file; another department does not
    assert client_for("scorer").get(f"/cycles/{published.pk}/objections/{objection.pk}/").status_code == 200
    download = client_for("scorer").get(f"/cycles/{published.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # (reading to the end closes the file; download.close() would also close the test's connection)
    assert client_for("scorer2").get(f"/cycles/{published.pk}/objections/{objection.pk}/").status_code == 404
    assert client_for("scorer2").get(f"/cycles/{published.pk}/evidence/{evidence.pk}/").status_code == 404


def not_applicable(cycle: Cycle) -> str:
    applied = Score.objects.filter(cycle=cycle, unit__code=UNIT).values("node_id")
    return Node.objects.filter(scheme=cycle.scheme, is_leaf=True).exclude(pk__in=applied).first().code


@pytest.mark.parametrize(("change", "words"), [
    ("deadline_passed", "异议期已于"), ("no_deadline", "未设置异议期"), ("reopened", "暂不受理"),
    ("empty_reason", "请填写对考核内容"), ("no_items", "选择至少一项"), ("not_applicable", "不适用于本单位"),
    ("bad_file", "不是允许的类型"),
])
def test_bad_objections_are_refused_and_nothing_is_stored(client_for, published, change, words):
    codes, reason, files = [unit_scores(published, "swzzb")[0].node.code], "理由", []
    if change == "deadline_passed":
        published.objection_deadline = timezone.localdate() - datetime.timedelta(days=1)
    elif change == "no_deadline":
        published.objection_deadline = None
    elif change == "reopened":
        published.status = Cycle.Status.OPEN
    elif change == "empty_reason":
        reason = "  "
    elif change == "no_items":
        codes = []
    elif change == "not_applicable":
        codes = [not_applicable(published)]
    elif change == "bad_file":
        files = [("依据.pdf", b"MZ\x90\x00" + b"\0" * 64)]
    published.save()
    response = file(client_for("unit"), published, codes, reason, files)
    assert words in shown(response)
    assert not Objection.objects.exists() and not Evidence.objects.exists()
    assert not Event.objects.filter(action="objection.file").exists()


def test_before_publication_no_objection(client_for, cycle):
    cycle.status, cycle.objection_deadline = Cycle.Status.LOCKED, timezone.localdate()
    cycle.save()
    code = Score.objects.filter(cycle=cycle, unit__code=UNIT).first().node.code
    assert "尚未发布" in shown(file(client_for("unit"), cycle, [code]))


def test_an_item_under_an_open_objection_cannot_be_objected_to_again(client_for, published):
    code = unit_scores(published, "swzzb")[0].node.code
    file(client_for("unit"), published, [code])
    assert "已有未办结的异议" in shown(file(client_for("unit"), published, [code]))
    assert Objection.objects.count() == 1


@pytest.mark.parametrize("name", ["office", "scorer", "head", "leader"])
def test_only_units_file(client_for, published, name):
    response = client_for(name).post(f"/cycles/{published.pk}/objections/new/", {
        "items": [unit_scores(published, "swzzb")[0].node.code], "reason": "x"})
    assert response.status_code == 403 and not Objection.objects.exists()


def test_the_whole_flow_republishes_a_new_version_and_keeps_the_old(client_for, published, users):
    changed, upheld = unit_scores(published, "swzzb")[:2]
    file(client_for("unit"), published, [changed.node.code, upheld.node.code])
    objection = Objection.objects.get()
    url = f"/cycles/{published.pk}/objections/{objection.pk}"

    # another department cannot answer; the owning one must give a reason and valid points
    client_for("scorer2").post(f"{url}/items/{changed.node.code}/answer/", {"decision": "upheld", "answer": "x"})
    assert ObjectionItem.objects.filter(decision="").count() == 2
    response = client_for("scorer").post(f"{url}/items/{changed.node.code}/answer/",
                                         {"decision": "changed", "points": "999", "answer": "核实"})
    assert "之间" in shown(response)
    new_points = changed.node.points - Decimal("0.5")
    client_for("scorer").post(f"{url}/items/{changed.node.code}/answer/",
                              {"decision": "changed", "points": str(new_points), "answer": "核实后扣0.5分"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED  # one item still waits
    # the office cannot confirm before every item is answered
    assert "才能确认" in shown(client_for("office").post(f"{url}/confirm/"))
    client_for("head").post(f"{url}/items/{upheld.node.code}/answer/", {"decision": "upheld", "answer": "依据充分"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.ANSWERED

    # only the office confirms
    client_for("head").post(f"{url}/confirm/")
    assert ResultSnapshot.objects.filter(cycle=published).count() == 1
    before = next(r for r in ResultSnapshot.objects.get(cycle=published, version=1).results if r["code"] == UNIT)
    response = client_for("office").post(f"{url}/confirm/", {"comment": "同意"}, follow=True)
    assert "第2版" in messages_of(response)

    objection.refresh_from_db()
    assert (objection.state, objection.result_version, objection.closed_by) == (
        Objection.State.CLOSED, 2, users["office"])
    changed.refresh_from_db()
    upheld.refresh_from_db()
    assert changed.points == new_points and changed.reason == "核实后扣0.5分"
    assert upheld.points == upheld.node.points
    versions = {s.version: s for s in ResultSnapshot.objects.filter(cycle=published)}
    assert sorted(versions) == [1, 2]
    after = next(r for r in versions[2].results if r["code"] == UNIT)
    assert Decimal(after["obtained"]) == Decimal(before["obtained"]) - Decimal("0.5")
    assert next(r for r in versions[1].results if r["code"] == UNIT) == before  # the old one is kept

    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    assert "第2版" in html and "核实后扣0.5分" in html
    assert two_places(before["final"]) in client_for("unit").get(
        f"/cycles/{published.pk}/scorecard/?version=1").content.decode()

    actions = list(Event.objects.filter(cycle=published).order_by("pk").values_list("action", flat=True))
    tail = actions[actions.index("objection.file"):]
    assert tail == ["objection.file", "objection.answer", "objection.answer", "score.update", "results.publish",
                    "objection.confirm"]
    assert Event.objects.get(action="score.update").new["source"] == f"objection:{objection.pk}"


def test_all_upheld_closes_without_a_new_version(client_for, published):
    score = unit_scores(published, "swzzb")[0]
    file(client_for("unit"), published, [score.node.code])
    objection = Objection.objects.get()
    url = f"/cycles/{published.pk}/objections/{objection.pk}"
    client_for("scorer").post(f"{url}/items/{score.node.code}/answer/", {"decision": "upheld", "answer": "依据充分"})
    client_for("office").post(f"{url}/confirm/")
    objection.refresh_from_db()
    assert objection.state == Objection.State.CLOSED and objection.result_version is None
    assert ResultSnapshot.objects.filter(cycle=published).count() == 1


def test_the_same_answer_sent_again_changes_nothing_and_records_nothing(client_for, published):
    code = unit_scores(published, "swzzb")[0].node.code
    file(client_for("unit"), published, [code])
    url = f"/cycles/{published.pk}/objections/{Objection.objects.get().pk}/items/{code}/answer/"
    for _ in range(2):
        client_for("scorer").post(url, {"decision": "upheld", "answer": "依据充分"})
    assert Event.objects.filter(action="objection.answer").count() == 1
    client_for("scorer").post(url, {"decision": "upheld", "answer": "依据充分，见督查通报"})
    events = Event.objects.filter(action="objection.answer").order_by("pk")
    assert events.count() == 2 and events.last().new["answer"] == "依据充分，见督查通报"


def test_the_office_sends_answers_back(client_for, published):
    score = unit_scores(published, "swzzb")[0]
    file(client_for("unit"), published, [score.node.code])
    objection = Objection.objects.get()
    url = f"/cycles/{published.pk}/objections/{objection.pk}"
    client_for("scorer").post(f"{url}/items/{score.node.code}/answer/", {"decision": "upheld", "answer": "维持"})
    assert "必须填写意见" in shown(client_for("office").post(f"{url}/send-back/", {"comment": ""}))
    client_for("office").post(f"{url}/send-back/", {"comment": "请再核实"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.FILED and objection.office_comment == "请再核实"
    assert objection.items.get().decision == ""


def test_units_see_only_their_own_objections(client_for, published, cycle):
    file(client_for("unit"), published, [unit_scores(published, "swzzb")[0].node.code])
    objection = Objection.objects.get()
    other = CycleUnit.objects.filter(cycle=published).exclude(code=UNIT).first()
    user = User(username="unit-other", role=Role.UNIT, unit=Unit.objects.get(code=other.code))
    user.set_password("x")
    user.save()
    client = client_for(None)
    client.force_login(user)
    assert client.get(f"/cycles/{published.pk}/objections/{objection.pk}/").status_code == 404
    assert "偃师" not in client.get(f"/cycles/{published.pk}/objections/").content.decode()
    assert client.post(f"/cycles/{published.pk}/objections/{objection.pk}/confirm/").status_code == 403
    html = client_for("leader").get(f"/cycles/{published.pk}/objections/").content.decode()
    assert "偃师市" in html


# ----------------------------------------------------------------------------- a reason per item, and its context


def file_items(client, cycle, reasons, files=()):
    """The scorecard's form: the ticked items, each with its own reason."""
    data = {"items": list(reasons), **{f"reason:{code}": text for code, text in reasons.items()}}
    if files:
        data["file"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"/cycles/{cycle.pk}/objections/new/", data)


def test_each_item_keeps_its_own_reason_and_the_deduction_as_it_was(client_for, published):
    a, b = unit_scores(published, "swzzb")[:2]
    Score.objects.filter(pk=a.pk).update(points=a.node.points - Decimal("0.5"), reason="台账不全")
    file_items(client_for("unit"), published, {a.node.code: "台账已补齐", b.node.code: "已按要求开展"})
    items = {i.score.node.code: i for i in ObjectionItem.objects.select_related("score__node")}
    assert items[a.node.code].reason == "台账已补齐" and items[b.node.code].reason == "已按要求开展"
    assert items[a.node.code].old_reason == "台账不全" and items[a.node.code].old_points == a.node.points - Decimal("0.5")
    assert Event.objects.get(action="objection.file").new["reasons"] == {a.node.code: "台账已补齐",
                                                                         b.node.code: "已按要求开展"}


def test_an_item_without_a_reason_is_refused_at_the_item_and_nothing_is_filed(client_for, published):
    a, b = unit_scores(published, "swzzb")[:2]
    response = file_items(client_for("unit"), published, {a.node.code: "台账已补齐", b.node.code: "  "},
                          files=[("依据.pdf", PDF)])
    html = response.content.decode()
    assert response.status_code == 422 and not Objection.objects.exists() and not Evidence.objects.exists()
    row = html[html.index(f'id="r-{b.node.code}"'):]
    row = row[:row.index("</tr>")]
    assert f"请填写对考核内容 {b.node.code} 的异议理由" in row and 'aria-invalid="true"' in row
    assert "台账已补齐" in html  # what was typed for the other item is still there, and both stay ticked
    assert html.count('name="items" value="' + a.node.code + '" checked') == 1
    assert html.count('name="items" value="' + b.node.code + '" checked') == 1
    assert "请重新选择佐证材料" in html  # the browser does not send the file again


def test_the_department_answers_seeing_the_original_reason_the_claim_and_the_evidence(client_for, published,
                                                                                     users):
    from kaohe.claims import rules

    score = unit_scores(published, "swzzb")[0]
    criterion = score.node.criterion_code or score.node.code
    Score.objects.filter(pk=score.pk).update(points=score.node.points - Decimal("0.5"), reason="会议记录不全")
    Cycle.objects.filter(pk=published.pk).update(status=Cycle.Status.OPEN)  # the self-assessment, as it was then
    published.refresh_from_db()
    rules.save_claim(users["unit"], published, UNIT, criterion, "1", "已召开专题会议", 0)
    evidence = rules.upload_evidence(users["unit"], published, UNIT, [("会议纪要.pdf", PDF)], [criterion])[0]
    Cycle.objects.filter(pk=published.pk).update(status=Cycle.Status.LOCKED)
    file_items(client_for("unit"), published, {score.node.code: "会议记录已补充完整"})
    objection = Objection.objects.get()
    html = client_for("scorer").get(f"/cycles/{published.pk}/objections/{objection.pk}/").content.decode()
    article = html[html.index(f'id="i-{score.node.code}"'):]
    article = article[:article.index("</article>")]
    for shown_text in ("会议记录不全", "会议记录已补充完整", "已召开专题会议", "会议纪要.pdf", 'class="answer"'):
        assert shown_text in article, shown_text
    link = f"/cycles/{published.pk}/evidence/{evidence.pk}/"
    assert link in article
    download = client_for("scorer").get(link)  # a link the department may open
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_refused_answer_is_shown_at_its_item_with_what_was_typed(client_for, published):
    score = unit_scores(published, "swzzb")[0]
    file_items(client_for("unit"), published, {score.node.code: "有误"})
    objection = Objection.objects.get()
    response = client_for("scorer").post(
        f"/cycles/{published.pk}/objections/{objection.pk}/items/{score.node.code}/answer/",
        {"decision": "changed", "points": "１，５", "answer": "核实后修改"})
    html = response.content.decode()
    article = html[html.index(f'id="i-{score.node.code}"'):]
    article = article[:article.index("</article>")]
    assert response.status_code == 422 and "逗号" in article
    assert 'value="１，５"' in article and "核实后修改" in article and 'value="changed" checked' in article
    assert ObjectionItem.objects.get().decision == ""


def test_an_answer_in_full_width_digits_is_read_as_meant(client_for, published):
    score = unit_scores(published, "swzzb")[0]
    file_items(client_for("unit"), published, {score.node.code: "有误"})
    objection = Objection.objects.get()
    new = score.node.points - Decimal("0.5")
    typed = format(new, "f").translate(str.maketrans("0123456789.", "０１２３４５６７８９。"))
    client_for("scorer").post(f"/cycles/{published.pk}/objections/{objection.pk}/items/{score.node.code}/answer/",
                              {"decision": "changed", "points": typed, "answer": "核实"})
    assert ObjectionItem.objects.get().new_points == new


def test_objections_filed_before_items_had_reasons_get_them_from_the_migration(published, users):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("kaohe.objections.migrations.0002_item_reasons")
    a, b = unit_scores(published, "swzzb")[:2]
    Score.objects.filter(pk=a.pk).update(reason="原理由")
    unit = CycleUnit.objects.get(cycle=published, code=UNIT)
    open_one = Objection.objects.create(cycle=published, unit=unit, version=1, reason="一个理由")
    ObjectionItem.objects.create(objection=open_one, score=a)
    closed = Objection.objects.create(cycle=published, unit=unit, version=1, reason="另一个", state=Objection.State.CLOSED)
    ObjectionItem.objects.create(objection=closed, score=b, decision=ObjectionItem.Decision.CHANGED)
    migration.reasons_per_item(apps, None)
    first, second = ObjectionItem.objects.get(objection=open_one), ObjectionItem.objects.get(objection=closed)
    assert (first.reason, first.old_reason) == ("一个理由", "原理由")
    assert (second.reason, second.old_reason) == ("另一个", "")  # the score holds the answer now: left empty


def test_an_objections_page_takes_the_same_queries_whatever_its_items(client_for, published):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scores = unit_scores(published, "swzzb")
    file_items(client_for("unit"), published, {scores[0].node.code: "一"})
    file_items(client_for("unit"), published, {s.node.code: "多" for s in scores[1:5]})
    first, many = Objection.objects.order_by("pk")
    client = client_for("scorer")
    counts = []
    for objection in (first, many):
        client.get(f"/cycles/{published.pk}/objections/{objection.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/cycles/{published.pk}/objections/{objection.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 22
