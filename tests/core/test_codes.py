"""Node codes follow position; variants share a number and get letters."""

from __future__ import annotations

from kaohe.core.codes import assign_codes


def test_codes_follow_position_at_every_level(small):
    assert [n.code for n in small.walk()] == [
        "1", "1.1", "1.1.1", "1.1.1.1", "1.1.1.2", "1.1.2a", "1.1.2a.1", "1.1.2b",
    ]


def test_variants_share_a_number_and_later_siblings_keep_counting(build, small_yaml):
    text = small_yaml + """\
          - title: 标准C
            points: 0
            departments: [市委办公室]
"""
    scheme = build(text)
    assert scheme.node("1.1.3").title == "标准C"


def test_same_title_with_the_same_note_is_not_a_variant_but_numbered_apart(small):
    small.node("1.1.1.2").title = "内容1"
    assign_codes(small)
    assert [n.code for n in small.node("1.1.1").children] == ["1.1.1.1", "1.1.1.2"]
