"""Benchmark 6: the spreadsheet route — the same results as a workbook of formulas, recalculated by
LibreOffice headless, against Kaohe on the same data.

The workbook (openpyxl, write-only) has the cycle's scores on a sheet "评分" (unit code, item
code, points — unscored as 0 —, the item's maximum), the bonuses and penalties on "调整", and
one sheet per ranking group with a row per unit:

    obtained  =SUMIFS(评分!C, 评分!A, code)         maximum =SUMIFS(评分!D, 评分!A, code)
    percent   =IF(maximum=0, 0, obtained/maximum*100)
    bonus     =MIN(SUMIFS(调整!B, 调整!A, code), cap)  penalty =SUMIFS(调整!C, 调整!A, code)
    final     =ROUND(MAX(0, percent + bonus − penalty), 2)
    rank      =RANK(final, the group's finals)

LibreOffice converts it to xlsx with "recalculate on load: always" set in a private user profile
(`OOXMLRecalcMode` = 0), so every formula is computed; the time is the conversion's wall clock,
and LibreOffice's start-up (the same conversion of a one-cell workbook) is measured beside it. The
ranks LibreOffice computed are read back and compared with Kaohe's for every unit. Grades are not
compared (the quota rule has no plain spreadsheet formula). When `soffice` is absent, the
benchmark says so and is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from django.db.models import F

from benchmarks.measure import Figure, timed
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report.ranking import sheet_name
from kaohe.results import service
from kaohe.results.models import Adjustment

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_workbook(cycle: Cycle, path: Path) -> int:
    """The formula workbook of the cycle (see the module); returns the number of score rows."""
    from openpyxl import Workbook

    rules = service.rules_for(cycle)
    settings = service.settings_for(cycle)
    groups = service.groups_for(settings)
    wb = Workbook(write_only=True)
    scores = wb.create_sheet("评分")
    scores.append(["单位编码", "考核内容编码", "得分", "满分"])
    rows = (Score.objects.filter(cycle=cycle).order_by("unit__position", "node__position")
            .values_list("unit__code", "node__code", "points", F("node__points")))
    count = 0
    for code, item, points, maximum in rows.iterator(chunk_size=10_000):
        scores.append([code, item, float(points or 0), float(maximum or 0)])
        count += 1
    adjustments = wb.create_sheet("调整")
    adjustments.append(["单位编码", "加分", "扣分"])
    adjusted = 1
    for code, kind, points in (Adjustment.objects.filter(cycle=cycle, kind__in=["bonus", "penalty"])
                               .values_list("unit__code", "kind", "points")):
        adjustments.append([code, float(points) if kind == "bonus" else 0, float(points) if kind == "penalty" else 0])
        adjusted += 1
    last, last_adjusted = count + 1, max(adjusted, 2)
    by_group: dict[str, list[CycleUnit]] = {}
    for unit in CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"):
        by_group.setdefault(groups.get(unit.code) or unit.category, []).append(unit)
    taken = {"评分", "调整"}
    cap = float(rules.bonus_cap)
    for group, members in by_group.items():
        ws = wb.create_sheet(sheet_name(group, taken))
        ws.append(["单位编码", "单位", "得分", "满分", "百分制得分", "加分", "扣分", "最终得分", "名次"])
        end = len(members) + 1
        for row, unit in enumerate(members, start=2):
            ws.append([
                unit.code, unit.name,
                f"=SUMIFS('评分'!$C$2:$C${last},'评分'!$A$2:$A${last},$A{row})",
                f"=SUMIFS('评分'!$D$2:$D${last},'评分'!$A$2:$A${last},$A{row})",
                f"=IF(D{row}=0,0,C{row}/D{row}*100)",
                f"=MIN(SUMIFS('调整'!$B$2:$B${last_adjusted},'调整'!$A$2:$A${last_adjusted},$A{row}),{cap})",
                f"=SUMIFS('调整'!$C$2:$C${last_adjusted},'调整'!$A$2:$A${last_adjusted},$A{row})",
                f"=ROUND(MAX(0,E{row}+F{row}-G{row}),2)",
                f"=RANK(H{row},$H$2:$H${end},0)",
            ])
    wb.save(path)
    return count


def recalculate(program: str, source: Path, out_dir: Path, profile: Path, timeout: float) -> Path:
    """LibreOffice headless: open `source` recalculating every formula, save it as xlsx in `out_dir`."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=timeout)
    result = out_dir / source.name
    if not result.is_file():
        raise RuntimeError(f"LibreOffice wrote no {result.name}")
    return result


def ranks_in(path: Path) -> dict[str, int]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    found: dict[str, int] = {}
    try:
        for ws in wb.worksheets:
            if ws.title in ("评分", "调整"):
                continue
            for row in ws.iter_rows(min_row=2, values_only=True):
                if row and row[0] is not None and row[8] is not None:
                    found[str(row[0])] = int(row[8])
    finally:
        wb.close()
    return found


def measure(cycle: Cycle, *, runs: int, warmup: int, timeout: float) -> list[Figure]:
    benchmark = "the spreadsheet route"
    units = cycle.units.count()
    program = soffice()
    kaohe = timed(lambda: service.compute_cycle(cycle), warmup=warmup, runs=runs)
    if program is None:
        return [Figure(benchmark, f"LibreOffice recalculation of the formula workbook ({units:,} units)",
                       float("nan"), "s", target="ratio reported",
                       notes=["skipped: LibreOffice (soffice) is not installed"])]
    expected = {r.code: r.rank for r in service.compute_cycle(cycle)}
    with tempfile.TemporaryDirectory(prefix="kaohe-sheet-") as folder:
        work = Path(folder)
        source = work / "formulas.xlsx"
        start = time.perf_counter()
        score_rows = write_workbook(cycle, source)
        written = time.perf_counter() - start
        empty = work / "empty.xlsx"
        _empty_workbook(empty)
        profile = work / "profile"
        # LibreOffice's first start creates its profile: a warm-up conversion of a one-cell workbook,
        # whose later conversions are LibreOffice's start-up time alone
        startup = timed(lambda: recalculate(program, empty, work / "empty-out", profile, timeout),
                        warmup=warmup, runs=1 if units <= 100 else max(1, min(runs, 3)))
        try:
            took = timed(lambda: recalculate(program, source, work / "out", profile, timeout),
                         warmup=0, runs=1 if units <= 100 or units > 1000 else max(1, min(runs, 3)))
        except subprocess.TimeoutExpired:
            return [Figure(benchmark, f"LibreOffice recalculation ({units:,} units)", timeout, "s",
                           baseline="compute_cycle on the same cycle", baseline_value=kaohe.median,
                           target="ratio reported", notes=[f"did not finish within {timeout:.0f} s"])]
        ranks = ranks_in(work / "out" / source.name)
    differ = sorted(code for code, rank in expected.items() if ranks.get(code) != rank)
    notes = [f"the workbook: {score_rows:,} score rows, {units:,} units, "
             f"{4 * units:,} SUMIFS and {units:,} RANK formulas; writing it with openpyxl took {written:.1f} s "
             f"(not counted); {len(took.runs)} timed run(s)",
             f"LibreOffice's start-up alone (converting a one-cell workbook): {startup.median:.2f} s",
             "ranks equal to Kaohe's for every unit" if not differ else
             f"ranks differ from Kaohe's for {len(differ)} of {len(expected)} units, e.g. {', '.join(differ[:5])}"]
    return [
        Figure(benchmark, f"Kaohe: compute_cycle ({units:,} units, {score_rows:,} scores)", kaohe.median, "s",
               kaohe.spread),
        Figure(benchmark, f"LibreOffice {_version(program)} headless: recalculate the formula workbook and save it",
               took.median, "s", took.spread, baseline="Kaohe's compute_cycle on the same data",
               baseline_value=kaohe.median, target="ranks equal Kaohe's; the ratio reported", met=not differ,
               notes=notes),
    ]


def _empty_workbook(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(path)


def _version(program: str) -> str:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=60).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return ""
    return out[1] if len(out) > 1 else ""
