"""The 民主测评 through its pages, the command line and the API: defining a survey, codes (make, add,
void, print), voting (once per code, inside the window, refused ballots leave the code unused, the
same message for every unusable code, rate limiting per address), results (valid-ballot rule,
weights, minimum group size) and publishing into a weighted component of the cycle's results.
Every page and API call is checked for every role."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from kaohe.accounts.models import ApiToken, User
from kaohe.audit.models import Event
from kaohe.core.survey import format_code
from kaohe.results import service
from kaohe.survey import codes, outcome
from kaohe.survey.definition import SurveyError
from kaohe.survey.models import Ballot, Code, CodeAttempt, PublishedSurvey, Survey

UNUSABLE = "这个测评码无法使用"


@pytest.fixture
def kit(survey_kit):
    return survey_kit


@pytest.fixture
def survey(cycle, kit):
    return kit.make_survey(cycle)


# ----------------------------------------------------------------------------- voting


def test_a_code_votes_once_and_the_ballot_keeps_no_code(survey, kit):
    code = kit.fresh_codes(survey, "市级领导")[0]
    response = kit.vote(Client(), code, {"yanshi": "0", "mengjin": "1", "xinan": "-"})
    assert response.status_code == 200 and "选票已提交" in response.content.decode()
    assert code not in response.content.decode()
    assert Code.objects.get(code=code).used
    ballot = Ballot.objects.get()
    assert ballot.answers == {"yanshi": [0], "mengjin": [1]}
    assert ballot.group.name == "市级领导"
    again = kit.vote_again = Client().post("/vote/ballot/", {"code": code, **kit.answers({t: "0" for t in kit.TARGETS})})
    assert again.status_code == 400 and UNUSABLE in again.content.decode()
    assert Ballot.objects.count() == 1


def test_entering_a_used_code_gets_the_same_message_as_an_unknown_or_malformed_one(survey, kit):
    used, voided = kit.fresh_codes(survey, "市级领导")[:2]
    kit.vote(Client(), used, {t: "0" for t in kit.TARGETS})
    codes.void_codes(survey, kit.group(survey, "市级领导"), serials=[2])
    bodies = set()
    for text in (used, voided, "ABCD-EFGH-JKMN", "not a code", "2345-6789-ABCD", ""):
        response = Client().post("/vote/", {"code": text})
        assert response.status_code == 400
        body = response.content.decode()
        assert UNUSABLE in body and "csrfmiddlewaretoken" in body
        bodies.add(body.split('name="csrfmiddlewaretoken" value="')[0])
    assert len(bodies) == 1  # nothing but the message tells them apart


def test_a_ballot_missing_answers_or_naming_unknown_targets_is_refused_and_the_code_stays_unused(survey, kit):
    code = kit.fresh_codes(survey, "干部群众代表")[0]
    client = Client()
    client.post("/vote/", {"code": code})
    response = client.post("/vote/ballot/", {"code": code, **kit.answers({"yanshi": "0", "luanchuan": "0"}),
                                             "a:yanshi:nope": "1", "a:mengjin:q1": "9"})
    body = response.content.decode()
    assert response.status_code == 422
    for reason in ("未知的被测评对象：luanchuan", "未知的测评问题：nope", "没有这个选项：9", "“新安县”未作选择"):
        assert reason in body
    assert 'name="code"' in body  # the ballot is shown again, to be corrected
    assert not Code.objects.get(code=code).used and Ballot.objects.count() == 0
    assert kit.vote(client, code, {t: "1" for t in kit.TARGETS}).status_code == 200


def test_abstaining_is_refused_where_the_survey_does_not_allow_it(cycle, kit):
    survey = kit.make_survey(cycle, abstain_allowed=False)
    code = kit.fresh_codes(survey, "市级领导")[0]
    page = Client().post("/vote/", {"code": code}).content.decode()
    assert "弃权" not in page
    response = Client().post("/vote/ballot/", {"code": code, **kit.answers({"yanshi": "0", "mengjin": "0", "xinan": "-"})})
    assert response.status_code == 422 and "不允许弃权" in response.content.decode()
    assert not Code.objects.get(code=code).used


def test_voting_happens_only_inside_the_window(cycle, kit):
    survey = kit.make_survey(cycle, open_now=False)
    code = kit.fresh_codes(survey, "市级领导")[0]
    response = Client().post("/vote/", {"code": code})
    assert response.status_code == 403 and "测评尚未开始" in response.content.decode()
    Survey.objects.filter(pk=survey.pk).update(opens_at=timezone.now() - timedelta(hours=2),
                                               closes_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    response = client.post("/vote/ballot/", {"code": code, **kit.answers({t: "0" for t in kit.TARGETS})})
    assert response.status_code == 403 and "测评已经结束" in response.content.decode()
    assert not Code.objects.get(code=code).used and Ballot.objects.count() == 0


def test_code_guesses_are_rate_limited_per_address(survey, kit, settings):
    settings.KAOHE_SURVEY_FAILURE_LIMIT = 3
    guesser, other = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(3):
        assert guesser.post("/vote/", {"code": "ABCD-EFGH-JKMN"}).status_code == 400
    real = kit.fresh_codes(survey, "市级领导")[0]
    locked = guesser.post("/vote/", {"code": real})
    assert locked.status_code == 429 and "次数过多" in locked.content.decode()
    assert other.post("/vote/", {"code": real}).status_code == 200  # another address is not affected
    assert set(CodeAttempt.objects.values_list("address", flat=True)) == {"203.0.113.7"}
    CodeAttempt.objects.update(at=timezone.now() - timedelta(minutes=settings.KAOHE_SURVEY_LOCKOUT_MINUTES + 1))
    assert guesser.post("/vote/", {"code": real}).status_code == 200  # the window has passed


def test_the_voting_page_asks_for_the_code_in_a_form_and_keeps_it_out_of_urls(survey, kit):
    page = Client().get("/vote/")
    body = page.content.decode()
    assert page.status_code == 200 and 'method="post"' in body and 'name="code"' in body
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    code = kit.fresh_codes(survey, "市级领导")[0]
    assert Client().get(f"/vote/?code={code}").content.decode().count(code) == 0  # a code in a URL is ignored
    ballot = Client().post("/vote/", {"code": code})
    assert "no-store" in ballot["Cache-Control"]
    assert 'action="/vote/ballot/"' in ballot.content.decode()


# ----------------------------------------------------------------------------- codes


def test_codes_are_made_up_to_the_planned_number_added_and_voided_by_serial(survey, kit):
    leaders = kit.group(survey, "市级领导")
    assert Code.objects.filter(group=leaders).count() == 6
    assert codes.add_codes(leaders) == 0
    assert codes.add_codes(leaders, 4) == 4
    assert list(Code.objects.filter(group=leaders).order_by("serial").values_list("serial", flat=True)) == list(range(1, 11))
    kit.vote(Client(), kit.fresh_codes(survey, "市级领导")[0], {t: "0" for t in kit.TARGETS})
    assert codes.void_codes(survey, leaders, serials=[1, 2, 3]) == 2  # serial 1 is used: it stays
    count = next(c for c in codes.counts(survey) if c.group == leaders)
    assert (count.issued, count.used, count.voided, count.unused) == (8, 1, 2, 7)
    events = Event.objects.filter(action__startswith="survey.codes")
    assert [e.new.get("added", e.new.get("voided")) for e in events.order_by("pk")] == [6, 8, 4, 2][-events.count():]


def test_the_slips_pdf_has_every_unused_code_of_the_group(survey, kit, client_for, pdf_tools, tmp_path):
    leaders = kit.group(survey, "市级领导")
    response = client_for("office").get(f"/surveys/{survey.pk}/groups/{leaders.pk}/slips.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "%E6%B5%8B%E8%AF%84%E7%A0%81" in response["Content-Disposition"]  # 测评码
    pdf = tmp_path / "slips.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for code in kit.fresh_codes(survey, "市级领导"):
        assert format_code(code) in text
    assert text.count(survey.name) == 6 and "测评群体：市级领导" in text
    printed = Event.objects.get(action="survey.codes.print")
    assert printed.new == {"group": "市级领导", "slips": 6}
    assert not any(code in json.dumps(printed.new) for code in kit.fresh_codes(survey, "市级领导"))


# ----------------------------------------------------------------------------- results


def vote_many(kit, survey, group: str, ballots: list[dict[str, str]]) -> None:
    for code, options in zip(kit.fresh_codes(survey, group), ballots, strict=False):
        assert kit.vote(Client(), code, options).status_code == 200


def test_results_apply_the_valid_ballot_rule_weights_and_the_minimum_group_size(cycle, kit):
    survey = kit.make_survey(cycle, min_group_size=3)
    vote_many(kit, survey, "市级领导", [{"yanshi": "0", "mengjin": "0", "xinan": "0"},
                                        {"yanshi": "1", "mengjin": "0", "xinan": "-"},
                                        {"yanshi": "0", "mengjin": "-", "xinan": "-"}])  # rates 1 of 3: invalid
    vote_many(kit, survey, "干部群众代表", [{"yanshi": "2", "mengjin": "1", "xinan": "0"}] * 3
              + [{"yanshi": "3", "mengjin": "1", "xinan": "0"}])
    kit.close(survey)
    data = outcome.compute(survey)
    assert (data["cast"], data["valid"]) == (7, 6)
    yanshi = data["targets"][0]
    # 市级领导: (100 + 80) / 2 = 90 from 2 valid ballots (below 3: hidden, and 干部 with it, so the
    # hidden average cannot be worked back); 干部: (60 × 3 + 40) / 4 = 55; 0.4 × 90 + 0.6 × 55 = 69
    assert yanshi["score"] == "69.00"
    assert [(g["rated"], g["shown"], g["average"]) for g in yanshi["groups"]] == [(2, False, None), (4, False, None)]
    xinan = data["targets"][2]
    assert xinan["abstained"] == 1 and xinan["rated"] == 5
    page = Client()
    page.force_login(User.objects.get(username="leader"))
    body = page.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "69.00" in body and "不显示" in body and "55.00" not in body and "90.00" not in body


def test_publishing_makes_immutable_results_that_become_a_weighted_component(cycle, kit, users):
    survey = kit.make_survey(cycle, targets=[], min_group_size=1)
    units = list(cycle.units.order_by("position").values_list("code", flat=True))
    vote_many(kit, survey, "市级领导", [{code: "0" for code in units}])
    vote_many(kit, survey, "干部群众代表", [{code: ("1" if code == "yanshi" else "2") for code in units}])
    with pytest.raises(SurveyError, match="测评结束后"):
        outcome.publish(survey, users["office"])
    kit.close(survey)
    published = outcome.publish(survey, users["office"])
    with pytest.raises(SurveyError, match="已经发布"):
        outcome.publish(survey, users["office"])
    with pytest.raises(Exception, match="cannot change"):
        published.save()
    assert outcome.published_values(survey.pk)["yanshi"] == Decimal("88.00")  # 0.4 × 100 + 0.6 × 80

    sources = dict(service.component_sources(cycle))
    assert sources[f"survey:{survey.pk}"] == f"民主测评：{survey.name}"
    values = {"components": [{"key": "adjusted", "label": "调整后得分", "weight": "0.8"},
                             {"key": "survey", "label": "民主测评", "weight": "0.2", "survey": survey.pk}]}
    preview = service.compute_cycle(cycle, service.candidate_settings(cycle, values))  # the what-if
    by_code = {r.code: r for r in preview}
    assert by_code["yanshi"].components["survey"] == Decimal("88.00")
    assert by_code["mengjin"].components["survey"] == Decimal("76.00")  # 0.4 × 100 + 0.6 × 60
    assert by_code["yanshi"].final == Decimal("0.8") * by_code["yanshi"].adjusted + Decimal("0.2") * Decimal("88.00")
    service.save_settings(cycle, users["office"], values)
    assert "survey" not in [c.key for c in service.entered_components(service.rules_for(cycle), service.settings_for(cycle))]


def test_the_results_page_offers_the_published_survey_as_a_component_source(cycle, kit, client_for, users):
    survey = kit.make_survey(cycle, targets=[], min_group_size=1)
    units = list(cycle.units.values_list("code", flat=True))
    vote_many(kit, survey, "市级领导", [{code: "0" for code in units}])
    kit.close(survey)
    outcome.publish(survey, users["office"])
    office = client_for("office")
    page = office.get(f"/results/{cycle.pk}/").content.decode()
    assert f'value="survey:{survey.pk}"' in page
    form = {"bonus_cap": "5", "rank_places": "2", "component_key_0": "adjusted", "component_label_0": "调整后得分",
            "component_weight_0": "0.7", "component_key_1": "survey", "component_label_1": "民主测评",
            "component_weight_1": "0.3", "component_source_1": f"survey:{survey.pk}",
            **{f"grade_name_{i}": n for i, n in enumerate(["好", "较好", "一般", "差"])},
            **{f"grade_threshold_{i}": t for i, t in enumerate(["90", "80", "60", "0"])}}
    preview = office.post(f"/results/{cycle.pk}/settings/", {**form, "preview": "1"})
    assert preview.status_code == 200 and "预览" in preview.content.decode()
    assert "100.00" in preview.content.decode()  # the survey's column
    saved = office.post(f"/results/{cycle.pk}/settings/", form)
    assert saved.status_code == 302
    assert service.settings_for(cycle).components[1] == {"key": "survey", "label": "民主测评", "weight": "0.3",
                                                          "survey": survey.pk}


def test_a_unit_sees_only_its_own_figures_and_only_after_publication(cycle, kit, client_for, users):
    survey = kit.make_survey(cycle, min_group_size=1)
    vote_many(kit, survey, "市级领导", [{"yanshi": "0", "mengjin": "3", "xinan": "0"}])
    kit.close(survey)
    unit = client_for("unit")  # 偃师市
    assert unit.get(f"/surveys/{survey.pk}/results/").status_code == 403
    assert "民主测评" not in unit.get("/").content.decode()
    outcome.publish(survey, users["office"])
    home = unit.get("/").content.decode()
    assert f"民主测评“{survey.name}”结果已发布：本单位得分 100.00" in home and f"/surveys/{survey.pk}/results/" in home
    body = unit.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "偃师市" in body and "100.00" in body
    assert "孟津县" not in body and "40.00" not in body


# ----------------------------------------------------------------------------- office pages


def test_the_office_creates_a_survey_in_the_browser_form(cycle, client_for):
    office = client_for("office")
    assert office.get(f"/surveys/new/?cycle={cycle.pk}").status_code == 200
    form = {"cycle": cycle.pk, "name": "测评甲", "opens_at": "2026-12-10T09:00", "closes_at": "2026-12-10T10:00",
            "group_name_0": "市级领导", "group_weight_0": "0.3", "group_codes_0": "20",
            "group_name_1": "党代表", "group_weight_1": "0.6", "group_codes_1": "50",
            "question_text_0": "总体评价", "question_weight_0": "1", "question_options_0": "满意=100 基本满意=75 不满意=55",
            "valid_rule": "2/3", "min_group_size": "5", "abstain_allowed": "on", "targets": ["yanshi", "mengjin"]}
    refused = office.post("/surveys/new/", form)
    assert refused.status_code == 422 and "权重之和应恰好为1，现为0.9" in refused.content.decode()
    assert not Survey.objects.filter(name="测评甲").exists()
    saved = office.post("/surveys/new/", {**form, "group_weight_1": "0.7"})
    survey = Survey.objects.get(name="测评甲")
    assert saved.status_code == 302 and saved["Location"] == f"/surveys/{survey.pk}/"
    assert survey.targets == ["yanshi", "mengjin"]
    assert survey.questions[0]["options"][1] == {"label": "基本满意", "points": "75"}
    assert [(g.name, g.weight, g.planned) for g in survey.groups.all()] == [
        ("市级领导", Decimal("0.3"), 20), ("党代表", Decimal("0.7"), 50)]
    office.post(f"/surveys/{survey.pk}/groups/{survey.groups.first().pk}/codes/", {})
    detail = office.get(f"/surveys/{survey.pk}/").content.decode()
    assert "已投票：0 / 20 个测评码" in detail


def test_the_office_closes_and_extends_the_window(survey, client_for):
    office = client_for("office")
    office.post(f"/surveys/{survey.pk}/window/", {"action": "close"})
    survey.refresh_from_db()
    assert survey.state() == "closed"
    office.post(f"/surveys/{survey.pk}/window/", {"action": "extend", "minutes": "30"})
    survey.refresh_from_db()
    assert survey.state() == "open"
    assert Event.objects.filter(action="survey.window").count() == 2


PAGES = ["/surveys/", "/surveys/{pk}/", "/surveys/{pk}/edit/", "/surveys/{pk}/results/",
         "/surveys/{pk}/groups/{group}/slips.pdf"]
ALLOWED = {"office": {0, 1, 2, 3, 4}, "leader": {0, 3}}


@pytest.mark.parametrize("role", ["office", "scorer", "head", "unit", "leader", None])
def test_every_survey_page_is_for_its_roles_only(cycle, kit, client_for, role, monkeypatch):
    from kaohe.survey import sheet

    monkeypatch.setattr(sheet, "sheet_pdf", lambda group, found: b"%PDF-fake")
    survey = kit.make_survey(cycle, open_now=False)
    kit.close(survey)
    client = client_for(role)
    group = survey.groups.first().pk
    for index, page in enumerate(PAGES):
        response = client.get(page.format(pk=survey.pk, group=group))
        if role is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
        elif index in ALLOWED.get(role, set()):
            assert response.status_code in (200, 302), (role, page, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, page, response.status_code)
    for action in ("window/", "publish/", f"groups/{group}/codes/", f"groups/{group}/void/"):
        response = client.post(f"/surveys/{survey.pk}/{action}", {"action": "close", "all": "1"})
        if role == "office":
            assert response.status_code == 302
        elif role is None:
            assert "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, (role, action)


# ----------------------------------------------------------------------------- command line and API


def test_the_command_line_creates_prints_counts_and_publishes(cycle, tmp_path, kit, pdf_tools):
    out = StringIO()
    now = timezone.localtime()
    call_command("survey", "create", cycle.name, "--name", "命令行测评", "--opens", f"{now - timedelta(hours=1):%Y-%m-%d %H:%M}",
                 "--closes", f"{now + timedelta(hours=1):%Y-%m-%d %H:%M}", "--group", "市级领导:0.5:2",
                 "--group", "干部:0.5:2", "--target", "yanshi", "--min-group-size", "1", stdout=out)
    survey = Survey.objects.get(name="命令行测评")
    pdf = tmp_path / "slips.pdf"
    call_command("survey", "codes", "命令行测评", "--group", "市级领导", "--pdf", str(pdf), stdout=out)
    assert pdf.read_bytes().startswith(b"%PDF") and "已写出" in out.getvalue()
    call_command("survey", "codes", "命令行测评", "--group", "干部", stdout=out)
    for name in ("市级领导", "干部"):
        kit.vote(Client(), kit.fresh_codes(survey, name)[0], {"yanshi": "0"})
    with pytest.raises(CommandError, match="测评结束后"):
        call_command("survey", "results", "命令行测评")
    call_command("survey", "close", str(survey.pk), stdout=out)
    listing = StringIO()
    call_command("survey", "results", "命令行测评", "--json", stdout=listing)
    data = json.loads(listing.getvalue())
    assert data["targets"][0]["score"] == "100.00" and data["published"] is False
    call_command("survey", "publish", "命令行测评", stdout=out)
    assert PublishedSurvey.objects.filter(survey=survey).exists()
    with pytest.raises(CommandError, match="权重之和"):
        call_command("survey", "create", cycle.name, "--name", "错", "--opens", "2026-12-10 09:00",
                     "--closes", "2026-12-10 10:00", "--group", "甲:0.5:2")
    with pytest.raises(CommandError, match="没有测评群体"):
        call_command("survey", "codes", "命令行测评", "--group", "无此群体")


def bearer(users, name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users[name])[1]}"}


def test_the_api_creates_makes_codes_closes_and_publishes(cycle, kit, users):
    office, client = bearer(users, "office"), Client()
    now = timezone.now()
    body = {"cycle": cycle.pk, "name": "接口测评", "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat(), "targets": ["yanshi"], "min_group_size": 1,
            "groups": [{"name": "甲", "weight": "0.5", "codes": 2}, {"name": "乙", "weight": 0.5, "codes": 2}]}
    created = client.post("/api/v1/surveys", body, content_type="application/json", **office)
    assert created.status_code == 201, created.content
    survey = Survey.objects.get(name="接口测评")
    group = survey.groups.get(name="甲")
    added = client.post(f"/api/v1/surveys/{survey.pk}/groups/{group.pk}/codes", {}, content_type="application/json", **office)
    assert added.json() == {"added": 2}
    kit.vote(Client(), kit.fresh_codes(survey, "甲")[0], {"yanshi": "1"})
    early = client.get(f"/api/v1/surveys/{survey.pk}/results", **office)
    assert early.status_code == 409
    assert client.post(f"/api/v1/surveys/{survey.pk}/close", **office).json()["state"] == "closed"
    results = client.get(f"/api/v1/surveys/{survey.pk}/results", **office).json()
    assert results["targets"][0]["score"] == "80.00" and results["published"] is False
    assert client.post(f"/api/v1/surveys/{survey.pk}/publish", **office).json()["published"] is True
    assert client.post(f"/api/v1/surveys/{survey.pk}/publish", **office).status_code == 409
    unit = client.get(f"/api/v1/surveys/{survey.pk}/results", **bearer(users, "unit")).json()
    assert [row["code"] for row in unit["targets"]] == ["yanshi"]
    bad = client.post("/api/v1/surveys", {**body, "name": "错", "groups": [{"name": "甲", "weight": "0.4", "codes": 2}]},
                      content_type="application/json", **office)
    assert bad.status_code == 422 and "权重之和" in bad.json()["message"]


@pytest.mark.parametrize("role", ["scorer", "head", "unit", "leader"])
def test_only_the_office_manages_surveys_through_the_api(survey, users, role):
    headers, client = bearer(users, role), Client()
    group = survey.groups.first().pk
    for method, path in (("get", f"/api/v1/surveys/{survey.pk}"), ("post", f"/api/v1/surveys/{survey.pk}/close"),
                         ("post", f"/api/v1/surveys/{survey.pk}/groups/{group}/codes"),
                         ("post", f"/api/v1/surveys/{survey.pk}/publish"),
                         ("get", f"/api/v1/surveys/{survey.pk}/groups/{group}/slips.pdf")):
        response = getattr(client, method)(path, content_type="application/json", **headers) \
            if method == "post" else client.get(path, **headers)
        assert response.status_code in (403, 404), (role, path, response.status_code)
    listing = client.get("/api/v1/surveys", **headers)
    assert listing.status_code == (200 if role == "leader" else 403)


def test_the_office_is_told_what_the_survey_waits_for(cycle, kit, client_for):
    from kaohe.notify.todo import todo_for

    survey = kit.make_survey(cycle)
    kit.vote(Client(), kit.fresh_codes(survey, "市级领导")[0], {t: "0" for t in kit.TARGETS})
    office = User.objects.get(username="office")
    texts = [entry.text for entry in todo_for(office)]
    assert f"民主测评“{survey.name}”进行中：已投票 1 / 14 个测评码" in texts
    kit.close(survey)
    assert f"民主测评“{survey.name}”已结束（1 张选票），结果待发布" in [e.text for e in todo_for(office)]
    assert not any("民主测评" in e.text for e in todo_for(User.objects.get(username="leader")))
    home = client_for("office").get("/").content.decode()
    assert "结果待发布" in home


@pytest.mark.parametrize("voters", [1, 6])
def test_the_survey_pages_cost_a_fixed_number_of_queries(cycle, kit, client_for, django_assert_max_num_queries, voters):
    survey = kit.make_survey(cycle, min_group_size=1)
    for code in kit.fresh_codes(survey, "市级领导")[:voters]:
        kit.vote(Client(), code, {t: "0" for t in kit.TARGETS})
    office = client_for("office")
    with django_assert_max_num_queries(6):
        assert office.get(f"/surveys/{survey.pk}/").status_code == 200
    kit.close(survey)
    with django_assert_max_num_queries(8):
        assert office.get(f"/surveys/{survey.pk}/results/").status_code == 200
    with django_assert_max_num_queries(4):
        assert office.get("/surveys/").status_code == 200
    code = kit.fresh_codes(survey, "干部群众代表")[0]
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    with django_assert_max_num_queries(5):
        assert Client().post("/vote/", {"code": code}).status_code == 200
    with django_assert_max_num_queries(16):  # the group's ballots are rewritten in a constant number of statements
        assert Client().post("/vote/ballot/", {"code": code, **kit.answers({t: "1" for t in kit.TARGETS})}).status_code == 200
