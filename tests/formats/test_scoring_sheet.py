"""The offline scoring sheet as a file: layout, round trip, what a user types, formula injection,
and files that are not an intact sheet of ours."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import (
    MANIFEST,
    SHEET,
    SheetData,
    SheetRow,
    read_points,
    read_sheet,
    write_sheet,
)

EVIL_UNIT = '=HYPERLINK("http://evil.example","乙县")'
EVIL_ITEM = "=1+1 落实情况"


def sample(**changes) -> SheetData:
    data = SheetData(
        cycle_id=7, cycle_name="2018年度考核", department_code="swzzb", department_name="市委组织部",
        units=[("jia", "甲县"), ("yi", EVIL_UNIT)],
        rows=[SheetRow("1.1.1.1", "标准A", "内容1", Decimal("4")),
              SheetRow("1.1.1.2", "标准A", EVIL_ITEM, Decimal("2")),
              SheetRow("1.1.2.1", "标准B", "内容3", Decimal("1.5"))],
        values={("jia", "1.1.1.1"): (Decimal("3.50"), "缺少会议记录", 2),
                ("yi", "1.1.1.1"): (None, "", 0),
                ("jia", "1.1.1.2"): (Decimal("2.00"), "", 1),
                ("yi", "1.1.1.2"): (None, "", 0),
                ("jia", "1.1.2.1"): (None, "", 0)},  # ("yi", "1.1.2.1") does not apply
        step=Decimal("0.1"), generated_at=datetime(2019, 1, 10, 9, 30))
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def edit(data: bytes, cells: dict[str, object] | None = None, change=None) -> bytes:
    """Fill in a sheet like a user would: open it, set cells, save."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    for ref, value in (cells or {}).items():
        ws[ref] = value
    if change is not None:
        change(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def with_raw_value(data: bytes, placeholder: str, raw: str) -> bytes:
    """Replace a number in the sheet's XML as Excel would store it (e.g. 0.30000000000000004)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(f"<v>{placeholder}</v>".encode(), f"<v>{raw}</v>".encode())
            target.writestr(info, content)
    return out.getvalue()


def cell(uploaded, unit: str, item: str):
    return next(c for c in uploaded.cells if (c.unit_code, c.item_code) == (unit, item))


# -- layout ----------------------------------------------------------------------------------

def test_the_sheet_shows_items_in_rows_and_two_columns_per_unit():
    ws = openpyxl.load_workbook(io.BytesIO(write_sheet(sample())))[SHEET]
    assert "市委组织部" in ws["B1"].value and "评分表" in ws["B1"].value
    assert [ws[f"A{r}"].value for r in (6, 7, 8)] == ["1.1.1.1", "1.1.1.2", "1.1.2.1"]
    assert [ws[f"D{r}"].value for r in (6, 7, 8)] == [4, 2, 1.5]
    assert ws["E4"].value == "甲县" and ws["G4"].value == EVIL_UNIT
    assert [ws[f"{c}5"].value for c in "EFGH"] == ["得分", "扣分理由", "得分", "扣分理由"]
    assert [ws[f"{c}3"].value for c in "EFGH"] == ["jia", "jia", "yi", "yi"]
    assert ws["E6"].value == 3.5 and ws["F6"].value == "缺少会议记录" and ws["G6"].value is None
    assert "B6:B7" in {str(r) for r in ws.merged_cells.ranges}  # the criterion over its items


def test_codes_are_hidden_but_present_and_the_structure_is_protected():
    wb = openpyxl.load_workbook(io.BytesIO(write_sheet(sample())))
    ws = wb[SHEET]
    assert ws.column_dimensions["A"].hidden and ws.row_dimensions[3].hidden
    assert wb[MANIFEST].sheet_state == "veryHidden"
    assert ws.protection.sheet and wb.security.lockStructure
    assert ws.freeze_panes == "E6"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4


def test_only_the_points_and_reason_cells_of_applicable_pairs_are_unlocked():
    ws = openpyxl.load_workbook(io.BytesIO(write_sheet(sample())))[SHEET]
    assert not ws["E6"].protection.locked and not ws["F6"].protection.locked
    assert ws["G8"].protection.locked and ws["H8"].protection.locked  # yi · 1.1.2.1 does not apply
    assert ws["C6"].protection.locked and ws["D6"].protection.locked and ws["A6"].protection.locked
    assert ws["F6"].number_format == "@"  # a reason typed as "-…" or "=…" stays text


def test_points_cells_validate_a_decimal_between_zero_and_the_maximum():
    ws = openpyxl.load_workbook(io.BytesIO(write_sheet(sample())))[SHEET]
    rules = {(v.formula1, v.formula2): str(v.sqref) for v in ws.data_validations.dataValidation}
    assert all(v.type == "decimal" for v in ws.data_validations.dataValidation)
    assert rules[("0", "4")] == "E6 G6" and rules[("0", "2")] == "E7 G7" and rules[("0", "1.5")] == "E8"


def test_a_read_only_copy_has_every_cell_locked_and_says_so():
    data = write_sheet(sample(read_only=True, note="考核办查看副本。"))
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    assert ws["E6"].protection.locked and ws["F6"].protection.locked
    assert not ws.data_validations.dataValidation
    assert "只读" in ws["B2"].value and "考核办查看副本" in ws["B2"].value
    assert read_sheet(data).read_only


# -- formula injection ------------------------------------------------------------------------

def test_titles_and_reasons_that_look_like_formulas_are_stored_as_literal_text():
    values = dict(sample().values)
    values[("jia", "1.1.1.1")] = (Decimal("3"), "=SUM(A1:A9)", 2)
    data = write_sheet(sample(values=values))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    for ref, text in (("G4", EVIL_UNIT), ("C7", EVIL_ITEM), ("F6", "=SUM(A1:A9)")):
        assert ws[ref].data_type == "s" and ws[ref].value == text and ws[ref].quotePrefix
    uploaded = read_sheet(data)
    assert uploaded.units["yi"] == EVIL_UNIT
    assert cell(uploaded, "jia", "1.1.1.1").reason == "=SUM(A1:A9)"
    assert not uploaded.changed


# -- reading back -----------------------------------------------------------------------------

def test_a_sheet_read_back_unchanged_has_its_metadata_and_no_changes():
    uploaded = read_sheet(write_sheet(sample()), "评分表.xlsx")
    assert (uploaded.cycle_id, uploaded.cycle_name) == (7, "2018年度考核")
    assert (uploaded.department_code, uploaded.department_name) == ("swzzb", "市委组织部")
    assert uploaded.step == Decimal("0.1") and not uploaded.read_only and uploaded.sheet_id
    assert len(uploaded.cells) == 5 and not uploaded.changed and not uploaded.problems
    first = cell(uploaded, "jia", "1.1.1.1")
    assert (first.points, first.reason, first.version) == (Decimal("3.5"), "缺少会议记录", 2)
    assert (first.points_cell, first.reason_cell) == ("评分!E6", "评分!F6")


def test_filled_in_cells_come_back_as_decimals_with_their_cell_references():
    data = edit(write_sheet(sample()), {"G6": 3, "H6": "材料不全", "E8": "1.5", "G7": 1.5})
    uploaded = read_sheet(data)
    changed = {(c.unit_code, c.item_code): c for c in uploaded.changed}
    assert set(changed) == {("yi", "1.1.1.1"), ("jia", "1.1.2.1"), ("yi", "1.1.1.2")}
    assert changed[("yi", "1.1.1.1")].points == Decimal("3") and changed[("yi", "1.1.1.1")].reason == "材料不全"
    assert changed[("jia", "1.1.2.1")].points == Decimal("1.5")  # typed as text
    assert changed[("yi", "1.1.1.2")].points == Decimal("1.5") and changed[("yi", "1.1.1.2")].points_cell == "评分!G7"
    assert all(c.version == 0 for c in changed.values())


def test_a_float_stored_by_excel_is_read_as_the_decimal_the_user_typed():
    data = with_raw_value(edit(write_sheet(sample()), {"G6": 0.125}), "0.125", "0.30000000000000004")
    assert cell(read_sheet(data), "yi", "1.1.1.1").points == Decimal("0.3")
    assert read_points(1.5) == Decimal("1.5") and read_points(2) == Decimal(2)
    assert read_points(0.1 + 0.2) == Decimal("0.3")
    assert read_points(1.0000001) == Decimal("1.0000001")  # a real extra digit is kept, and refused later
    assert read_points(" 2.5 ") == Decimal("2.5") and read_points("") is None and read_points(None) is None


@pytest.mark.parametrize(("value", "message"), [
    ("一分", "不是数字"), ("1.5分", "不是数字"), ("=1+1", "公式"), (datetime(2019, 1, 5), "日期"), (True, "数字"),
])
def test_a_points_cell_that_is_not_a_number_is_an_error_at_that_cell(value, message):
    uploaded = read_sheet(edit(write_sheet(sample()), {"G6": value}))
    bad = cell(uploaded, "yi", "1.1.1.1")
    assert bad.changed and bad.error_cell == "评分!G6" and message in bad.error
    assert all(not c.error for c in uploaded.cells if c is not bad)


def test_a_reason_typed_as_a_formula_is_an_error_at_that_cell():
    uploaded = read_sheet(edit(write_sheet(sample()), {"G6": 3, "H6": "=-未按时完成"}))
    bad = cell(uploaded, "yi", "1.1.1.1")
    assert bad.error_cell == "评分!H6" and "单引号" in bad.error


def test_a_cell_of_a_pair_that_does_not_apply_must_stay_empty():
    uploaded = read_sheet(edit(write_sheet(sample()), {"G8": 1}))
    assert [(p.cell, "不适用" in p.message) for p in uploaded.problems] == [("评分!G8", True)]


def test_changing_only_the_formatting_of_a_number_is_no_change():
    uploaded = read_sheet(edit(write_sheet(sample()), {"E6": "3.50", "F6": " 缺少会议记录 "}))
    assert not uploaded.changed


# -- not a sheet of ours ----------------------------------------------------------------------

def test_a_file_that_is_not_xlsx_is_refused():
    with pytest.raises(FormatError, match="不是 xlsx"):
        read_sheet("单位,得分\n甲县,3\n".encode(), "评分表.xlsx")
    with pytest.raises(FormatError, match="文件为空"):
        read_sheet(b"", "评分表.xlsx")
    with pytest.raises(FormatError, match="xls"):
        read_sheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "评分表.xls")


def test_a_workbook_without_our_hidden_metadata_is_refused():
    wb = openpyxl.Workbook()
    wb.active.title = SHEET
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(FormatError, match="不是从本系统下载的评分表") as raised:
        read_sheet(buffer.getvalue(), "别人的表.xlsx")
    assert "别人的表.xlsx" in str(raised.value)


def test_a_sheet_with_a_row_deleted_is_refused_naming_the_row():
    data = edit(write_sheet(sample()), change=lambda wb: wb[SHEET].delete_rows(7))
    with pytest.raises(FormatError, match="结构被改动") as raised:
        read_sheet(data)
    assert raised.value.location.sheet == SHEET and raised.value.location.row == 7
    assert raised.value.location.column == "A"


def test_a_sheet_with_rows_moved_is_refused():
    def swap(wb):
        ws = wb[SHEET]
        for column in range(1, 9):
            a, b = ws.cell(row=6, column=column), ws.cell(row=8, column=column)
            a.value, b.value = b.value, a.value

    with pytest.raises(FormatError, match="1.1.1.1") as raised:
        read_sheet(edit(write_sheet(sample()), change=swap))
    assert raised.value.location.row == 6


def test_a_sheet_with_a_row_inserted_at_the_end_or_a_column_deleted_is_refused():
    with pytest.raises(FormatError, match="多出"):
        read_sheet(edit(write_sheet(sample()), {"A9": "1.1.1.1", "E9": 3}))
    with pytest.raises(FormatError, match="列") as raised:
        read_sheet(edit(write_sheet(sample()), change=lambda wb: wb[SHEET].delete_cols(5)))
    assert raised.value.location.row == 3


def test_damaged_hidden_metadata_is_refused():
    def damage(wb):
        for row in wb[MANIFEST].iter_rows():
            if row[0].value == "value":
                row[4].value = "很多"  # the version
                break

    with pytest.raises(FormatError, match="已损坏"):
        read_sheet(edit(write_sheet(sample()), change=damage))

    def remove_cycle(wb):
        ws = wb[MANIFEST]
        for row in ws.iter_rows():
            if row[0].value == "cycle":
                ws.delete_rows(row[0].row)
                break

    with pytest.raises(FormatError, match="不完整"):
        read_sheet(edit(write_sheet(sample()), change=remove_cycle))


def test_every_written_text_cell_is_a_string_cell():
    data = write_sheet(sample())
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    # text is written inline or shared, never as a formula or a number that looks like text
    assert not re.search(r'<c r="[A-Z]+\d+"[^>]*t="str"', xml)
