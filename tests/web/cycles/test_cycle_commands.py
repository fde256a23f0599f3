"""`kaohe cycle create|open|review|lock|reopen|status`: the same services as the pages and the API;
a refused step exits 1 with the service's reason in one line, an unknown name 2, nothing changed."""

from __future__ import annotations

import json

import pytest

from kaohe.audit.models import Event
from kaohe.cli.main import main
from kaohe.cycles.models import Cycle, Score, Submission

S = Submission.State


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # see test_commands.py


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_with_units_deadlines_and_a_department_for_an_unscored_item(capsys, db):
    code, out, _ = run(capsys, "cycle", "create", "2019年度考核", "--scheme", "luoyang-2018-county",
                       "--units", "yanshi,涧西区", "--units", "gaoxin", "--step", "0.5", "--deadline", "2020-01-15",
                       "--deadline", "objection=2020-02-15", "--assign", "4.2.1=市委组织部")
    cycle = Cycle.objects.get(name="2019年度考核")
    assert code == 0 and f"编号 {cycle.pk}" in out and "3个被考核单位" in out and "下一步：开始评分" in out
    assert cycle.unit_codes == ["gaoxin", "jianxi", "yanshi"] and str(cycle.step) == "0.50"
    assert (str(cycle.scoring_deadline), str(cycle.objection_deadline)) == ("2020-01-15", "2020-02-15")
    assert cycle.item_departments == {"4.2.1": "swzzb"}
    assert Event.objects.get(action="cycle.create", cycle=cycle).actor_name == "kaohe cycle create"


def test_create_without_units_takes_the_schemes_default_units(capsys, db):
    assert run(capsys, "cycle", "create", "全部县区", "--scheme", "luoyang-2018-county")[0] == 0
    assert len(Cycle.objects.get(name="全部县区").unit_codes) == 18


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--scheme", "nope"], 2, "没有指标体系“nope”"),
    (["--scheme", "luoyang-2018-county", "--units", "nowhere"], 2, "没有被考核单位“nowhere”"),
    (["--scheme", "luoyang-2018-county", "--deadline", "2020-13-01"], 2, "不是日期"),
    (["--scheme", "luoyang-2018-county", "--deadline", "later=2020-01-01"], 2, "未知的截止日期类型"),
    (["--scheme", "luoyang-2018-county", "--assign", "4.2.1"], 2, "考核内容编码=考核部门"),
    (["--scheme", "luoyang-2018-county", "--step", "abc"], 2, "不是数字"),
    (["--scheme", "luoyang-2018-county", "--units", "swbgs"], 1, "不在指标体系"),
    (["--scheme", "luoyang-2018-county", "--deadline", "2020-01-15", "--deadline", "review=2020-01-01"], 1, "不能早于"),
])
def test_a_refused_creation_says_why_in_one_line(capsys, db, args, code, words):
    result, _, err = run(capsys, "cycle", "create", "不该创建", *args)
    assert result == code and words in err and err.strip().count("\n") == 0 and "Traceback" not in err
    assert not Cycle.objects.filter(name="不该创建").exists()


def test_open_review_lock_reopen_and_status(capsys, db):
    run(capsys, "cycle", "create", "命令行周期", "--scheme", "luoyang-2018-county", "--units", "yanshi")
    cycle = Cycle.objects.get(name="命令行周期")
    code, out, _ = run(capsys, "cycle", "open", "命令行周期")
    assert code == 0 and f"生成评分任务{Score.objects.filter(cycle=cycle).count()}项" in out
    assert "下一步：进入审核" in out
    code, _, err = run(capsys, "cycle", "open", str(cycle.pk))
    assert code == 1 and "只有草稿状态的考核周期可以开始评分" in err
    assert run(capsys, "cycle", "review", str(cycle.pk))[0] == 0
    code, _, err = run(capsys, "cycle", "lock", str(cycle.pk))
    assert code == 1 and "还有考核部门的评分未锁定" in err
    cycle.submissions.update(state=S.LOCKED)
    assert run(capsys, "cycle", "lock", str(cycle.pk))[0] == 0
    code, _, err = run(capsys, "cycle", "reopen", str(cycle.pk), "--reason", " ")
    assert code == 1 and "重新打开必须填写理由" in err
    code, out, _ = run(capsys, "cycle", "reopen", str(cycle.pk), "--reason", "复核更正", "--json")
    assert code == 0 and json.loads(out)["status"] == "review"
    actions = list(Event.objects.filter(cycle=cycle, action__startswith="cycle.").order_by("id")
                   .values_list("action", "actor_name"))
    assert actions == [("cycle.create", "kaohe cycle create"), ("cycle.open", "kaohe cycle open"),
                       ("cycle.review", "kaohe cycle review"), ("cycle.locked", "kaohe cycle lock"),
                       ("cycle.reopen", "kaohe cycle reopen")]


def test_status_prints_the_stages_next_step_and_sections(capsys, db, cycle):
    code, out, _ = run(capsys, "cycle", "status", str(cycle.pk))
    assert code == 0
    assert "进程：✓准备 → ▶评分 →  审核" in out
    assert "下一步：进入审核" in out and f"（kaohe cycle review {cycle.pk}）" in out
    assert "各考核部门\n  市委办公室\t评分中\t0/297" in out
    assert "偃师市、孟津县、新安县、宜阳县、伊川县、洛宁县、嵩县、栾川县、汝阳县：满分191.5分（指标体系可得195分）" in out
    body = json.loads(run(capsys, "cycle", "status", cycle.name, "--json")[1])
    assert body["next"]["key"] == "start_review" and body["sections"]["departments"]["departments"][0]["tasks"] == 297


def test_an_unknown_cycle_exits_2(capsys, db):
    code, _, err = run(capsys, "cycle", "status", "没有这个周期")
    assert code == 2 and "没有考核周期“没有这个周期”" in err
