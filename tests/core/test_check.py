"""The checker: each inconsistency is found, located and explained; clean schemes pass."""

from __future__ import annotations

from decimal import Decimal

from kaohe.core.check import Severity, check, has_errors
from kaohe.core.scheme import Gap


def codes(findings):
    return [f.code for f in findings]


def test_a_consistent_scheme_with_variants_has_no_findings(small):
    assert check(small) == []


def test_it_reports_children_points_that_differ_from_the_parent(small):
    small.node("1.1.1.2").points = Decimal("1.5")
    findings = check(small)
    mismatch = next(f for f in findings if f.code == "points-mismatch")
    assert mismatch.node_code == "1.1.1"
    assert (mismatch.declared, mismatch.actual) == ("6", "5.5")
    assert mismatch.severity is Severity.ERROR
    assert mismatch.location.line is not None and mismatch.location.file == "test.yaml"
    assert "政治建设 › 指标一 › 标准A" == mismatch.path
    assert "5.5" in mismatch.message and "6" in mismatch.message


def test_it_checks_points_per_unit_so_only_the_affected_units_are_named(small):
    small.node("1.1.2a.1").points = Decimal(3)  # the 县 variant's item
    findings = [f for f in check(small) if f.code == "points-mismatch"]
    by_node = {f.node_code: f for f in findings}
    assert by_node["1.1.2a"].units == ("甲县", "乙县")
    assert "1.1" not in by_node  # the indicator adds declared points, which still agree
    total = next(f for f in check(small) if f.code == "unit-total")
    assert total.units == ("甲县", "乙县") and total.actual == "9"


def test_it_reports_a_units_achievable_total_that_differs_from_the_scheme_total(small):
    small.total = Decimal(12)
    total = next(f for f in check(small) if f.code == "unit-total")
    assert total.declared == "12" and total.actual == "10"
    assert total.units == ("甲县", "乙县", "丙区")


def test_it_reports_a_unit_no_variant_covers(build, small_yaml):
    scheme = build(small_yaml.replace("note: 适用于区", "note: 适用于甲县"))
    findings = check(scheme)
    uncovered = next(f for f in findings if f.code == "variant-uncovered")
    assert uncovered.units == ("丙区",)
    overlap = next(f for f in findings if f.code == "variant-overlap")
    assert overlap.units == ("甲县",)
    assert "1.1.2a" in overlap.message and "1.1.2b" in overlap.message


def test_it_reports_a_criterion_without_department(build, small_yaml):
    scheme = build(small_yaml.replace("            departments: [市委办公室]\n", ""))
    finding = next(f for f in check(scheme) if f.code == "no-department")
    assert finding.node_code == "1.1.1.1"


def test_items_inherit_departments_and_may_override_them(small):
    small.node("1.1.1.1").departments = ["市委组织部"]
    assert check(small) == []


def test_it_reports_an_unknown_department(small):
    small.node("1.1.1").departments = ["市委办公室", "市委秘书处"]
    finding = next(f for f in check(small) if f.code == "unknown-department")
    assert finding.actual == "市委秘书处" and finding.node_code == "1.1.1"


def test_it_reports_an_item_without_points(small):
    small.node("1.1.1.2").points = None
    found = codes(check(small))
    assert "missing-points" in found
    assert "points-mismatch" in found


def test_it_reports_an_applicability_note_that_names_nothing_known(small):
    small.node("1.1.2b").note = "适用于其他城市区"
    finding = next(f for f in check(small) if f.code == "unknown-applicability")
    assert finding.node_code == "1.1.2b" and "其他城市区" in finding.message


def test_it_reports_duplicate_items(small):
    item = small.node("1.1.1.2")
    item.title = "内容1"
    finding = next(f for f in check(small) if f.code == "duplicate")
    assert finding.node_code == "1.1.1.2" and finding.actual == "1.1.1.1"


def test_it_reports_empty_titles(small):
    small.node("1.1").title = "  "
    assert "empty-title" in codes(check(small))


def test_a_recorded_source_gap_turns_its_finding_into_a_warning_that_points_to_the_source(small):
    small.node("1.1.1.2").points = Decimal(1)
    small.node("1.1.1").gaps = [Gap("points-mismatch", "源文件此处合计5分（第30行）")]
    small.node("1.1").gaps = [Gap("points-mismatch", "同上")]
    small.node("1").gaps = [Gap("points-mismatch", "同上")]
    findings = check(small)
    assert not has_errors(findings)
    gap = next(f for f in findings if f.node_code == "1.1.1")
    assert gap.severity is Severity.WARNING and "第30行" in gap.message
    total = next(f for f in findings if f.code == "unit-total")
    assert total.severity is Severity.WARNING


def test_a_gap_that_no_longer_applies_is_reported_as_stale(small):
    small.node("1.1.1").gaps = [Gap("points-mismatch", "旧记录")]
    finding = next(f for f in check(small) if f.code == "stale-gap")
    assert finding.severity is Severity.WARNING and finding.node_code == "1.1.1"


def test_a_written_code_that_differs_from_the_position_is_a_warning(small):
    small.node("1.1.1").written_code = "1.1.9"
    finding = next(f for f in check(small) if f.code == "code-mismatch")
    assert finding.severity is Severity.WARNING and finding.declared == "1.1.9"


def test_findings_serialise_to_plain_data(small):
    small.node("1.1.1.2").points = Decimal("1.5")
    data = check(small)[0].as_dict()
    assert data["severity"] == "error" and data["location"]["file"] == "test.yaml"
