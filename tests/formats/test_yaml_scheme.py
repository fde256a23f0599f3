"""YAML, the canonical form: strict shape checks with line numbers, and lossless round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.core.scheme import Level
from kaohe.formats.errors import FormatError
from kaohe.formats.yaml_scheme import dumps_yaml, loads_yaml, read_yaml, scheme_data, write_yaml


def test_it_reads_points_as_decimal_without_passing_through_float(build, small_yaml):
    scheme = build(small_yaml.replace("{title: 内容2, points: 2}", "{title: 内容2, points: 1.1}")
                   .replace("{title: 内容1, points: 4}", "{title: 内容1, points: 4.9}", 1))
    item = scheme.node("1.1.1.2")
    assert item.points == Decimal("1.1") and isinstance(item.points, Decimal)
    assert scheme.node("1.1.1.1").points + item.points == Decimal("6.0")


def test_an_indicator_may_hold_items_directly(build, small_yaml):
    text = small_yaml.replace("        criteria:\n          - title: 标准A\n            points: 6\n"
                              "            departments: [市委办公室]\n            items:",
                              "        departments: [市委办公室]\n        items:", 1)
    text = text[: text.index("          - title: 标准B")].replace("points: 10\n    indicators", "points: 6\n    indicators")
    scheme = build(text.replace("total: 10", "total: 6").replace("      - title: 指标一\n        points: 10",
                                                                   "      - title: 指标一\n        points: 6"))
    assert [c.level for c in scheme.node("1.1").children] == [Level.ITEM, Level.ITEM]


def test_a_round_trip_through_yaml_is_lossless(small, tmp_path):
    small.node("1.1.1").origin = "L24"
    path = tmp_path / "s.yaml"
    write_yaml(small, path)
    again = read_yaml(path)
    assert scheme_data(again) == scheme_data(small)
    assert dumps_yaml(again) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "文件为空"),
        ("name: x\n", 1, "kaohe-scheme"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: [1]\n", 4, "分值"),
        ("kaohe-scheme: 1\nname: x\nyear: 二〇一八\ntotal: 1\n", 3, "年度"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions:\n  - title: a\n    points: 十\n", 7, "不是数字"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions:\n  - title: a\n    points: -1\n", 7, "不能为负"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions:\n  - title: a\n    points: 0.125\n", 7, "两位小数"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions:\n  - title: a\n    pionts: 1\n", 7, "未知的键“pionts”"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions: {a: 1}\n", 5, "应为列表"),
        ("kaohe-scheme: 1\nname: x\nyear: 2018\ntotal: 10\ndimensions:\n  - title: a\n    criteria: []\n", 7, "未知的键"),
        ("kaohe-scheme: 1\nname: [x\n", 3, "YAML 语法错误"),
        ("kaohe-scheme: 2\nname: x\nyear: 2018\ntotal: 1\n", 1, "不支持的格式版本"),
        ("kaohe-scheme: 1\nyear: 2018\ntotal: 1\n", 1, "缺少“name”"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_with_the_line_and_what(text, line, words):
    with pytest.raises(FormatError) as error:
        loads_yaml(text, "bad.yaml")
    assert error.value.location.line == line
    assert words in str(error.value)
    assert "bad.yaml" in str(error.value)


def test_binary_and_undecodable_files_are_refused(tmp_path):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(FormatError, match="二进制"):
        read_yaml(binary)
    missing = tmp_path / "missing.yaml"
    with pytest.raises(FormatError, match="不存在"):
        read_yaml(missing)


def test_a_gb18030_file_reads_like_utf8(small_yaml, tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(small_yaml.encode("gb18030"))
    assert read_yaml(path).node("1.1.1").title == "标准A"


def test_a_failed_write_leaves_no_file_behind(small, tmp_path):
    with pytest.raises(FormatError, match="输出目录不存在"):
        write_yaml(small, tmp_path / "no" / "such" / "dir.yaml")
    assert list(tmp_path.iterdir()) == []


def test_deeply_nested_input_is_refused_before_it_can_exhaust_the_stack():
    with pytest.raises(FormatError, match="嵌套超过"):
        loads_yaml("kaohe-scheme: 1\nname: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml")


def test_yaml_aliases_are_refused(small_yaml):
    text = small_yaml.replace("units: [甲县, 乙县, 丙区]", "units: &u [甲县, 乙县, 丙区]\nsource: *u")
    with pytest.raises(FormatError, match="别名") as error:
        loads_yaml(text, "alias.yaml")
    assert error.value.location.line is not None


def test_a_value_shared_by_several_nodes_is_written_out_each_time_not_as_an_alias(small):
    shared = small.node("1.1.1.1").points
    small.node("1.1.1.2").points = shared  # the same Decimal object twice
    text = dumps_yaml(small)
    assert "&" not in text and "*" not in text
    assert loads_yaml(text).node("1.1.1.2").points == shared
