"""Self-assessment: claims within each criterion's maximum, drafts, deadline, submit, re-open, and who
may read or write what (by page and through the rules)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kaohe.accounts.models import Role, User
from kaohe.audit.models import Event
from kaohe.claims import rules
from kaohe.claims.models import Claim, SelfAssessment
from kaohe.claims.rules import ClaimError
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.orgs.models import Unit

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
UNIT = "yanshi"


@pytest.fixture
def other_unit_user(db, cycle):
    other = CycleUnit.objects.filter(cycle=cycle).exclude(code=UNIT).order_by("position").first()
    user = User(username="unit-other", role=Role.UNIT, unit=Unit.objects.get(code=other.code))
    user.set_password("x")
    user.save()
    return user, other


def first(cycle: Cycle) -> rules.Criterion:
    return rules.criteria(cycle, CycleUnit.objects.get(cycle=cycle, code=UNIT))[0]


def post_claim(client, cycle, code, points, explanation="", version=0, unit=UNIT):
    """One row of the page's form, saved as the page saves it (htmx)."""
    return client.post(f"/cycles/{cycle.pk}/self/{unit}/save/",
                       {f"points:{code}": points, f"explanation:{code}": explanation, f"version:{code}": version},
                       HTTP_HX_REQUEST="true")


def test_criteria_are_the_units_own_with_maxima_summed_from_its_items(cycle):
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    found = rules.criteria(cycle, unit)
    scores = Score.objects.filter(cycle=cycle, unit=unit).select_related("node")
    by_criterion: dict[str, Decimal] = {}
    for score in scores:
        key = score.node.criterion_code or score.node.code
        by_criterion[key] = by_criterion.get(key, Decimal(0)) + score.node.points
    assert {c.code: c.maximum for c in found} == by_criterion
    assert [c.position for c in found] == sorted(c.position for c in found)
    assert all(c.title and c.departments for c in found)


def test_the_unit_saves_a_draft_claim_and_it_is_audited(client_for, cycle):
    criterion = first(cycle)
    response = post_claim(client_for("unit"), cycle, criterion.code, "0.5", "已按要求开展")
    assert response.status_code == 200 and "已保存" in response.content.decode()
    claim = Claim.objects.get(unit__code=UNIT, node_id=criterion.node_id)
    assert claim.points == Decimal("0.5") and claim.explanation == "已按要求开展" and claim.version == 1
    event = Event.objects.get(action="claim.update")
    assert event.new["points"] == "0.5" and event.object_key.endswith(f"criterion:{criterion.code}")


@pytest.mark.parametrize(("points", "words"), [
    ("999", "之间"), ("-1", "之间"), ("abc", "不是数字"), ("0.05", "小数"), ("NaN", "不是数字")])
def test_bad_claims_are_refused_and_nothing_is_stored(client_for, cycle, points, words):
    response = post_claim(client_for("unit"), cycle, first(cycle).code, points)
    assert response.status_code == 422 and words in response.content.decode()
    assert not Claim.objects.filter(points__isnull=False).exists()
    assert not Event.objects.filter(action="claim.update").exists()


def test_a_long_explanation_is_refused(client_for, cycle):
    response = post_claim(client_for("unit"), cycle, first(cycle).code, "0", "长" * 501)
    assert response.status_code == 422 and "500" in response.content.decode()


def test_a_stale_version_is_a_conflict(client_for, cycle):
    client = client_for("unit")
    code = first(cycle).code
    assert post_claim(client, cycle, code, "0.5").status_code == 200
    response = post_claim(client, cycle, code, "0", version=0)
    assert response.status_code == 409
    assert Claim.objects.get(unit__code=UNIT, node__code=code).points == Decimal("0.5")


def test_a_criterion_that_does_not_apply_is_not_found(client_for, cycle, users):
    with pytest.raises(ClaimError) as error:
        rules.save_claim(users["unit"], cycle, UNIT, "99.9.9", "1", "", 0)
    assert error.value.kind == ClaimError.NOT_FOUND


@pytest.mark.parametrize("name", ["office", "scorer", "head", "leader"])
def test_only_the_units_own_users_write(client_for, cycle, name):
    response = post_claim(client_for(name), cycle, first(cycle).code, "1")
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_another_unit_can_neither_read_nor_write(client_for, cycle, other_unit_user):
    user, other = other_unit_user
    client = client_for(None)
    client.force_login(user)
    assert client.get(f"/cycles/{cycle.pk}/self/{UNIT}/").status_code == 404
    assert post_claim(client, cycle, first(cycle).code, "1").status_code == 404
    assert client.get(f"/cycles/{cycle.pk}/self/{other.code}/").status_code == 200  # its own
    assert not Claim.objects.exists()


@pytest.mark.parametrize("name", [*ROLES, None])
def test_who_reads_a_units_self_assessment(client_for, cycle, name):
    response = client_for(name).get(f"/cycles/{cycle.pk}/self/{UNIT}/")
    if name is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        # the cycle's departments read claims (they score from them); scorer2's department is in the cycle too
        assert response.status_code == 200
        editable = 'name="points:' in response.content.decode()
        assert editable == (name == "unit")


@pytest.mark.parametrize(("name", "status"), [
    (None, 302), ("office", 200), ("leader", 200), ("scorer", 200), ("head", 200), ("scorer2", 200), ("unit", 302)])
def test_the_overview(client_for, cycle, name, status):
    response = client_for(name).get(f"/cycles/{cycle.pk}/self/")
    assert response.status_code == status
    if name == "unit":
        assert response["Location"] == f"/cycles/{cycle.pk}/self/{UNIT}/"


def test_after_the_deadline_nothing_can_be_written(client_for, cycle):
    cycle.self_assessment_deadline = timezone.localdate() - datetime.timedelta(days=1)
    cycle.save(update_fields=["self_assessment_deadline"])
    response = post_claim(client_for("unit"), cycle, first(cycle).code, "1")
    assert response.status_code == 409 and "截止" in response.content.decode()
    assert not Claim.objects.exists()


def test_on_the_deadline_day_it_still_can(client_for, cycle):
    cycle.self_assessment_deadline = timezone.localdate()
    cycle.save(update_fields=["self_assessment_deadline"])
    assert post_claim(client_for("unit"), cycle, first(cycle).code, "0").status_code == 200


def fill_all(user: User, cycle: Cycle) -> int:
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    found = rules.criteria(cycle, unit)
    for criterion in found:
        rules.save_claim(user, cycle, UNIT, criterion.code, criterion.maximum, "", 0)
    return len(found)


def test_submit_needs_every_claim_then_is_read_only_until_reopened(client_for, cycle, users):
    client = client_for("unit")
    response = client.post(f"/cycles/{cycle.pk}/self/{UNIT}/submit/", follow=True)
    assert "未填写自评得分" in response.content.decode()
    assert SelfAssessment.objects.get(unit__code=UNIT).state == SelfAssessment.State.DRAFT

    fill_all(users["unit"], cycle)
    client.post(f"/cycles/{cycle.pk}/self/{UNIT}/submit/")
    sheet = SelfAssessment.objects.get(unit__code=UNIT)
    assert sheet.state == SelfAssessment.State.SUBMITTED and sheet.submitted_by == users["unit"]
    code = first(cycle).code
    assert post_claim(client, cycle, code, "0", "改", version=1).status_code == 409

    assert client_for("head").post(f"/cycles/{cycle.pk}/self/{UNIT}/reopen/", {"reason": "x"}).status_code == 403
    response = client_for("office").post(f"/cycles/{cycle.pk}/self/{UNIT}/reopen/", {"reason": ""}, follow=True)
    assert "必须填写理由" in response.content.decode()
    client_for("office").post(f"/cycles/{cycle.pk}/self/{UNIT}/reopen/", {"reason": "请补充说明"})
    assert SelfAssessment.objects.get(unit__code=UNIT).state == SelfAssessment.State.DRAFT
    assert "请补充说明" in client.get(f"/cycles/{cycle.pk}/self/{UNIT}/").content.decode()
    assert post_claim(client, cycle, code, "0", "改", version=1).status_code == 200
    actions = list(Event.objects.filter(action__startswith="self_assessment.").order_by("pk").values_list("action", flat=True))
    assert actions == ["self_assessment.submit", "self_assessment.reopen"]


def test_a_cycle_not_open_for_scoring_is_closed_for_claims(client_for, cycle):
    cycle.status = Cycle.Status.LOCKED
    cycle.save(update_fields=["status"])
    response = post_claim(client_for("unit"), cycle, first(cycle).code, "1")
    assert response.status_code == 409 and "自评已关闭" in response.content.decode()


def test_the_page_lists_every_criterion_with_constant_queries(client_for, cycle, users, django_assert_max_num_queries):
    fill_all(users["unit"], cycle)
    client = client_for("unit")
    with django_assert_max_num_queries(20):
        response = client.get(f"/cycles/{cycle.pk}/self/{UNIT}/")
    html = response.content.decode()
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    assert html.count('class="claim card') == len(rules.criteria(cycle, unit))


def test_office_settings_page(client_for, cycle):
    url = f"/cycles/{cycle.pk}/unit-side/"
    for name in ["scorer", "head", "unit", "leader"]:
        assert client_for(name).get(url).status_code == 403
    code = first(cycle).code
    response = client_for("office").post(url, {
        "self_assessment_deadline": "2019-01-10", "objection_deadline": "2019-02-01", "evidence_max_mb": "5",
        "evidence_max_files": "30", "evidence_expected": [code]})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.evidence_max_mb, cycle.evidence_max_files, cycle.evidence_expected) == (5, 30, [code])
    assert Event.objects.filter(action="cycle.unit_side").count() == 1
    bad = client_for("office").post(url, {"evidence_max_mb": "0", "evidence_max_files": "30"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_the_department_sees_claims_explanations_and_files_in_its_grid(client_for, cycle, users, settings,
                                                                        tmp_path):
    settings.EVIDENCE_DIR = tmp_path
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    ours = next(c for c in rules.criteria(cycle, unit) if "市委组织部" in c.departments)
    rules.save_claim(users["unit"], cycle, UNIT, ours.code, "0", "<script>alert(1)</script>已整改", 0)
    rules.upload_evidence(users["unit"], cycle, UNIT, [("<i>纪要.pdf", b"%PDF-1.4\n%%EOF\n")], [ours.code])
    html = client_for("scorer").get(f"/cycles/{cycle.pk}/scoring/").content.decode()
    row = html[html.index(f'<tr class="claims" data-criterion="{ours.code}"'):]
    row = row[:row.index("</tr>")]
    cell = row[row.index('data-unit="yanshi"'):]
    cell = cell[:cell.index("</td>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;已整改" in cell and "<script>" not in html.split("</head>")[1]
    assert "&lt;i&gt;纪要.pdf" in cell and f"/cycles/{cycle.pk}/evidence/" in cell
    # a criterion nobody claimed gets no claims row; a department that does not score it sees none
    assert html.count('<tr class="claims"') == 1
    if "市委宣传部" not in ours.departments:
        assert 'class="claims"' not in client_for("scorer2").get(f"/cycles/{cycle.pk}/scoring/").content.decode()


# ----------------------------------------------------------------------------- the page: one save for every row


def page_post(client, cycle, rows, htmx=True, unit=UNIT):
    """The page's form as a browser sends it: `rows` maps a criterion's code to (points, explanation,
    version) and optionally the `was` values the page was given."""
    data = {}
    for code, row in rows.items():
        points, explanation, version, *was = row
        data |= {f"points:{code}": points, f"explanation:{code}": explanation, f"version:{code}": version}
        if was:
            data |= {f"was-points:{code}": was[0][0], f"was-explanation:{code}": was[0][1]}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/cycles/{cycle.pk}/self/{unit}/save/", data, **headers)


def row_html(html: str, code: str) -> str:
    start = html.rindex("<article", 0, html.index(f'id="c-{code}"'))
    return html[start:html.index("</article>", start)]


def criteria_of(cycle: Cycle) -> list[rules.Criterion]:
    return rules.criteria(cycle, CycleUnit.objects.get(cycle=cycle, code=UNIT))


def test_every_row_is_saved_at_once_and_marked_saved(client_for, cycle):
    a, b, c = criteria_of(cycle)[:3]
    response = page_post(client_for("unit"), cycle, {a.code: ("1", "甲", 0), b.code: ("１．５", "乙", 0)})
    html = response.content.decode()
    assert response.status_code == 200 and "已保存2项" in html
    assert "已保存" in row_html(html, a.code) and "已保存" in row_html(html, b.code)
    assert "已保存" not in row_html(html, c.code)
    saved = dict(Claim.objects.filter(unit__code=UNIT).values_list("node__code", "points"))
    assert saved == {a.code: Decimal("1"), b.code: Decimal("1.5")}  # full-width digits read as meant
    assert 'value="1.5"' in row_html(html, b.code)  # and shown as saved, normalised
    assert Event.objects.filter(action="claim.update").count() == 2


def test_one_refused_row_saves_nothing_and_says_why_at_the_row(client_for, cycle):
    a, b, c = criteria_of(cycle)[:3]
    too_many = str(b.maximum + 5)
    response = page_post(client_for("unit"), cycle, {
        a.code: ("1", "甲", 0), b.code: (too_many, "乙", 0), c.code: ("1,5", "", 0)})
    html = response.content.decode()
    assert response.status_code == 422
    assert not Claim.objects.filter(points__isnull=False).exists()
    assert not Event.objects.filter(action="claim.update").exists()
    refused = row_html(html, b.code)
    # the reason beside the field, what was typed still in it, the row marked unsaved
    assert "has-error" in refused and f"0到{b.maximum.normalize():f}分之间" in refused
    assert f'value="{too_many}"' in refused and 'aria-invalid="true"' in refused and "未保存" in refused
    assert "逗号" in row_html(html, c.code)
    assert "has-error" not in row_html(html, a.code) and 'value="1"' in row_html(html, a.code)  # kept, not saved
    assert "2项自评有误，全部未保存" in html and f'href="#c-{b.code}"' in html


def test_a_criterion_given_twice_in_one_save_is_refused_and_nothing_is_saved(cycle, users):
    a, b = criteria_of(cycle)[:2]
    entries = [rules.ClaimEntry(a.code, "1", "", 0), rules.ClaimEntry(b.code, "1", "", 0),
               rules.ClaimEntry(a.code, "0.5", "", 0)]
    with pytest.raises(rules.ClaimsError) as refused:
        rules.save_claims(users["unit"], cycle, UNIT, entries)
    assert list(refused.value.rows) == [a.code] and "不止一次" in refused.value.rows[a.code].message
    assert not Claim.objects.exists()


def test_a_conflict_shows_both_what_is_saved_and_what_was_typed(client_for, cycle, users):
    a = criteria_of(cycle)[0]
    rules.save_claim(users["unit"], cycle, UNIT, a.code, "2", "别人填的", 0)  # someone else, meanwhile
    response = page_post(client_for("unit"), cycle, {a.code: ("1", "我填的", 0, ("", ""))})
    html = row_html(response.content.decode(), a.code)
    assert response.status_code == 409
    assert "已在别处修改" in html and "2 分" in html and "别人填的" in html  # what is saved now
    assert 'value="1"' in html and "我填的" in html  # what was typed, still there
    assert 'name="version:' + a.code + '" value="1"' in html  # saving again replaces it knowingly
    assert Claim.objects.get(node_id=a.node_id).points == Decimal("2")
    again = page_post(client_for("unit"), cycle, {a.code: ("1", "我填的", 1, ("2", "别人填的"))})
    assert again.status_code == 200 and Claim.objects.get(node_id=a.node_id).points == Decimal("1")


def test_rows_left_as_the_page_gave_them_are_not_saved_over(client_for, cycle, users):
    a, b = criteria_of(cycle)[:2]
    rules.save_claim(users["unit"], cycle, UNIT, a.code, "2", "同事填的", 0)  # a colleague, meanwhile
    # this page still shows a as empty (version 0) and was not changed there; only b was typed
    response = page_post(client_for("unit"), cycle, {a.code: ("", "", 0, ("", "")), b.code: ("1", "", 0, ("", ""))})
    assert response.status_code == 200 and "已保存1项" in response.content.decode()
    assert Claim.objects.get(node_id=a.node_id).points == Decimal("2")  # the colleague's claim stands
    assert 'value="2"' in row_html(response.content.decode(), a.code)  # and the page now shows it


def test_without_script_the_page_answers_in_full(client_for, cycle):
    a = criteria_of(cycle)[0]
    refused = page_post(client_for("unit"), cycle, {a.code: ("abc", "", 0)}, htmx=False)
    assert refused.status_code == 422 and "<html" in refused.content.decode()
    assert "不是数字" in row_html(refused.content.decode(), a.code)
    saved = page_post(client_for("unit"), cycle, {a.code: ("0", "", 0)}, htmx=False)
    assert saved.status_code == 302 and saved["Location"] == f"/cycles/{cycle.pk}/self/{UNIT}/"


def test_saving_after_the_deadline_keeps_what_was_typed_off_the_record(client_for, cycle):
    cycle.self_assessment_deadline = timezone.localdate() - datetime.timedelta(days=1)
    cycle.save(update_fields=["self_assessment_deadline"])
    response = page_post(client_for("unit"), cycle, {first(cycle).code: ("1", "", 0)})
    assert response.status_code == 409 and "本次填写的内容未保存" in response.content.decode()
    assert not Claim.objects.exists()


def test_the_page_shows_each_criterions_items_and_the_counter(client_for, cycle, users):
    found = criteria_of(cycle)
    with_items = next(c for c in found if len(c.contents) > 1)
    rules.save_claim(users["unit"], cycle, UNIT, found[0].code, "0", "", 0)
    html = client_for("unit").get(f"/cycles/{cycle.pk}/self/{UNIT}/").content.decode()
    row = row_html(html, with_items.code)
    for item in with_items.contents:  # the 考核内容 under the criterion, with their points
        assert item.code in row and item.title in row and f"（{item.maximum_text}分）" in row
    assert f"已填 <b data-filled>1</b> / {len(found)}" in html
    assert html.count("data-filled") == 2  # the counter at the top and in the save bar (claims.js keeps both live)


def test_refusals_of_submit_and_upload_are_shown_where_they_happened(client_for, cycle):
    client = client_for("unit")
    submitted = client.post(f"/cycles/{cycle.pk}/self/{UNIT}/submit/")
    html = submitted.content.decode()
    assert submitted.status_code == 422
    bar = html[html.index('id="submit"'):]
    assert "未填写自评得分" in bar[:bar.index("</form>")]
    upload = client.post(f"/cycles/{cycle.pk}/self/{UNIT}/evidence/", {"criteria": [first(cycle).code]})
    html = upload.content.decode()
    card = html[html.index('id="upload"'):]
    assert upload.status_code == 422 and "请选择要上传的文件" in card[:card.index("</form>")]
