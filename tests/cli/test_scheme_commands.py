"""`kaohe scheme …` end to end, through the command's entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from kaohe.cli.main import main
from kaohe.formats.yaml_scheme import read_yaml, scheme_data

BUILTIN = ["luoyang-2018-county", "luoyang-2018-municipal"]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small_file(small_yaml, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(small_yaml, encoding="utf-8")
    return path


def test_list_shows_the_built_in_schemes(capsys):
    code, out, _ = run(capsys, "scheme", "list")
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == BUILTIN
    assert "200分" in out and "100分" in out


@pytest.mark.parametrize("name", BUILTIN)
def test_check_passes_the_built_in_schemes(capsys, name):
    code, out, _ = run(capsys, "scheme", "check", name)
    assert code == 0
    assert "通过：0个错误" in out


def test_check_exits_1_and_says_where_when_a_scheme_has_errors(capsys, small_file):
    small_file.write_text(small_file.read_text(encoding="utf-8").replace("points: 2}", "points: 3}"),
                          encoding="utf-8")
    code, out, _ = run(capsys, "scheme", "check", str(small_file))
    assert code == 1
    assert "points-mismatch 1.1.1" in out and "small.yaml 第" in out


def test_check_json_lists_findings_with_declared_and_actual(capsys, small_file):
    small_file.write_text(small_file.read_text(encoding="utf-8").replace("points: 2}", "points: 3}"),
                          encoding="utf-8")
    code, out, _ = run(capsys, "scheme", "check", str(small_file), "--json")
    data = json.loads(out)
    assert code == 1 and data["errors"] >= 1
    finding = data["findings"][0]
    assert (finding["node"], finding["declared"], finding["actual"]) == ("1.1.1", "6", "7")


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "文件为空"), (b"\x00\x01\x02binary", "二进制"), (b"abc\xff\x80\xffdef" * 5, "编码"),
     (b"kaohe-scheme: 1\nname: [", "YAML 语法错误")],
)
def test_check_exits_2_with_one_line_on_unreadable_input(capsys, tmp_path, content, words):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    code, out, err = run(capsys, "scheme", "check", str(path))
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_an_unknown_scheme_name_exits_2_and_lists_the_known_ones(capsys):
    code, _, err = run(capsys, "scheme", "check", "no-such-scheme")
    assert code == 2 and "luoyang-2018-county" in err


def test_the_installed_command_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kaohe", "scheme", "check", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "bad.xlsx" in result.stderr


def test_show_with_a_unit_keeps_only_what_applies_and_gives_its_total(capsys, small_file):
    code, out, _ = run(capsys, "scheme", "show", str(small_file), "--unit", "丙区")
    assert code == 0
    assert "1.1.2b 标准B" in out and "1.1.2a" not in out
    assert out.rstrip().endswith("丙区 可得总分：10分（指标体系总分 10分）")


def test_show_accepts_a_unit_code_from_the_shipped_units(capsys):
    code, out, _ = run(capsys, "scheme", "show", "luoyang-2018-county", "--unit", "yibin", "--depth", "1")
    assert code == 0 and "伊滨区 可得总分：" in out and "1.1 " not in out  # depth 1: dimensions only


def test_show_refuses_a_unit_outside_the_scheme(capsys, small_file):
    code, _, err = run(capsys, "scheme", "show", str(small_file), "--unit", "伊滨区")
    assert code == 2 and "不是指标体系 demo 的被考核单位" in err


def test_summary_json_has_the_documented_shape(capsys, small_file):
    code, out, _ = run(capsys, "scheme", "summary", str(small_file), "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"name", "year", "audience", "total", "dimensions"}
    dimension = data["dimensions"][0]
    assert set(dimension) == {"code", "title", "points", "achievable", "children"}
    criteria = dimension["children"][0]["children"]
    assert [c["code"] for c in criteria] == ["1.1.1", "1.1.2a", "1.1.2b"]
    assert criteria[1]["achievable"] == {"甲县": "4", "乙县": "4"}
    assert "children" not in criteria[0]  # the summary stops at criteria


@pytest.mark.parametrize("name", BUILTIN)
def test_summary_of_a_built_in_scheme_sums_to_each_units_total(capsys, name):
    _, out, _ = run(capsys, "scheme", "summary", name, "--json")
    data = json.loads(out)
    units = data["dimensions"][0]["achievable"].keys()
    for unit in units:
        total = sum(Decimal(d["achievable"].get(unit, "0")) for d in data["dimensions"])
        assert total <= Decimal(data["total"])


def test_export_yaml_then_check_round_trips(capsys, tmp_path):
    target = tmp_path / "county.yaml"
    code, _, _ = run(capsys, "scheme", "export", "luoyang-2018-county", "--yaml", str(target))
    assert code == 0
    assert scheme_data(read_yaml(target)) == scheme_data(read_yaml(
        __import__("kaohe.data", fromlist=["x"]).builtin_path("luoyang-2018-county")))


def test_export_xlsx_writes_a_workbook_that_reads_back(capsys, tmp_path):
    target = tmp_path / "county.xlsx"
    code, _, _ = run(capsys, "scheme", "export", "luoyang-2018-county", "--xlsx", str(target))
    assert code == 0 and target.stat().st_size > 0
    code, out, _ = run(capsys, "scheme", "check", str(target))
    assert code == 0 and "通过" in out


def test_export_into_a_missing_directory_exits_2_and_leaves_nothing(capsys, tmp_path):
    code, _, err = run(capsys, "scheme", "export", "luoyang-2018-county", "--xlsx",
                       str(tmp_path / "missing" / "x.xlsx"))
    assert code == 2 and "输出目录不存在" in err
    assert list(tmp_path.iterdir()) == []


def test_import_of_the_seed_writes_one_yaml_per_table_and_prints_findings(capsys, seed_path, tmp_path):
    code, out, _ = run(capsys, "scheme", "import", str(seed_path), "--out", str(tmp_path / "drafts"))
    written = sorted(p.name for p in (tmp_path / "drafts").iterdir())
    assert len(written) == 2
    assert code == 1  # the source is inconsistent: the drafts carry its errors
    assert "points-mismatch" in out
    for path in (tmp_path / "drafts").iterdir():
        read_yaml(path)  # every draft is a valid scheme file


def test_diff_lists_changes_between_two_files(capsys, small_file, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(small_file.read_text(encoding="utf-8").replace("points: 2}", "points: 2.5}"),
                     encoding="utf-8")
    code, out, _ = run(capsys, "scheme", "diff", str(small_file), str(other), "--json")
    changes = json.loads(out)["changes"]
    assert code == 0
    assert [(c["kind"], c["code_a"], c["old"], c["new"]) for c in changes] == [("points", "1.1.1.2", "2", "2.5")]


def test_diff_between_the_two_built_in_schemes_runs(capsys):
    code, out, _ = run(capsys, "scheme", "diff", "luoyang-2018-county", "luoyang-2018-municipal")
    assert code == 0 and "处变化" in out


def test_a_usage_error_exits_2(capsys):
    code = None
    with pytest.raises(SystemExit) as exit_:
        main(["scheme", "export", "luoyang-2018-county"])
    code = exit_.value.code
    assert code == 2
    assert "--xlsx" in capsys.readouterr().err
