"""Offline scoring sheets: what a department downloads, and applying what it uploads.

`build_sheet(cycle, department)` gathers the department's items, units and current scores, and
the proposals of its tasks (`kaohe.cycles.proposals`: the 平时考核台账's; one query and the
sources' own). `apply_upload(user, cycle, uploaded, department)` applies a sheet read by
`kaohe.formats.scoring_sheet.read_sheet` all-or-nothing, reading the user's department once
(`scoring_department`, or the caller's) and the submission's state once before and once inside
the transaction:

- the sheet must be of this cycle and of the user's department, not a read-only copy, and the
  department's scores editable (`scoring.check_can_edit`);
- a cell pair (得分, 扣分理由) equal to what was downloaded is not touched;
- every changed pair is validated with `scoring.validate`; an error names its cell;
- a changed pair whose score changed online since the download (another version) is a conflict,
  never overwritten (unless the online value already is what the sheet says: nothing to do);
- a proposal marked "采纳" in the sheet "台账建议" saves the proposal's points and reason, as
  accepting it on the page does: an error if the scorer also changed that cell pair in "评分"; a
  conflict if the proposal (its points or its reason) or the score changed since the download;
  the proposals' sources keep what each accepted score rests on (`proposals.accepted`);
- any error or conflict → nothing is saved; otherwise every change goes through
  `scoring.apply(..., source="sheet")` in one transaction, each with its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.core.points import format_points
from kaohe.cycles import proposals, scoring, totals
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import Cycle, CycleDepartment, Score
from kaohe.cycles.proposals import Proposal
from kaohe.cycles.scoring import Entry, ScoreError
from kaohe.formats.cells import safe_text
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import (
    AcceptedProposal,
    ProposalLine,
    SheetData,
    SheetProposal,
    SheetRow,
    SheetShape,
    UploadedCell,
    UploadedSheet,
    read_sheet,
    reason_digest,
)


@dataclass
class Problem:
    cell: str  # "评分!E6"; "" for the sheet as a whole
    message: str


@dataclass
class Conflict:
    cell: str
    message: str
    unit: str
    item: str
    uploaded: str  # the points and reason as the sheet has them, for display
    current: str  # as saved online now
    current_version: int


@dataclass
class UploadReport:
    applied: int = 0
    unchanged: int = 0
    accepted: int = 0  # proposals of the 平时考核台账 accepted
    errors: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts

    def as_json(self) -> dict:
        return {
            "errors": [{"cell": p.cell, "message": p.message} for p in self.errors],
            "conflicts": [{"cell": c.cell, "message": c.message, "unit": c.unit, "item": c.item,
                           "uploaded": c.uploaded, "current": c.current, "current_version": c.current_version}
                          for c in self.conflicts],
        }


# -- download --------------------------------------------------------------------------------

def department_scores(cycle: Cycle, department: CycleDepartment):
    return (Score.objects.filter(cycle=cycle, department=department)
            .select_related("unit", "node", "node__parent")
            .order_by("node__position", "unit__position"))


def build_sheet(cycle: Cycle, department: CycleDepartment) -> SheetData:
    """The department's items (rows) and units (columns) with their current scores (one query), and
    its tasks' proposals (the sources' queries, whatever the number of tasks)."""
    rows: dict[str, SheetRow] = {}
    units: dict[str, tuple[int, str]] = {}
    values: dict[tuple[str, str], tuple[Decimal | None, str, int]] = {}
    codes: dict[tuple[int, int], tuple[str, str]] = {}  # (node id, unit id) → (unit code, item code)
    for score in department_scores(cycle, department):
        codes[(score.node_id, score.unit_id)] = (score.unit.code, score.node.code)
        node = score.node
        if node.code not in rows:
            parent = node.parent.title if node.parent is not None else ""
            rows[node.code] = SheetRow(node.code, parent, node.title, node.points or Decimal(0))
        units.setdefault(score.unit.code, (score.unit.position, score.unit.name))
        values[(score.unit.code, node.code)] = (score.points, score.reason, score.version)
    ordered = sorted(units.items(), key=lambda entry: (entry[1][0], entry[0]))
    proposed = {codes[key]: _sheet_proposal(proposal)
                for key, proposal in proposals.proposals(cycle, department.pk).items() if key in codes}
    return SheetData(cycle_id=cycle.pk, cycle_name=cycle.name, department_code=department.code,
                     department_name=department.name, units=[(code, name) for code, (_p, name) in ordered],
                     rows=list(rows.values()), values=values, step=cycle.step, generated_at=timezone.localtime(),
                     proposals=proposed)


def _sheet_proposal(proposal: Proposal) -> SheetProposal:
    return SheetProposal(points=proposal.points, deducted=proposal.deducted, reason=proposal.reason,
                         entries=tuple(ProposalLine(f.date, f.kind_label, f.points, f.reason, f.document)
                                       for f in proposal.entries))


def sheet_shape(cycle: Cycle) -> SheetShape:
    """The most units, items and applicable pairs any department's sheet of the cycle has: the
    reader refuses an upload at the first thing beyond (one query)."""
    sizes = (Score.objects.filter(cycle=cycle).values("department_id")
             .annotate(units=Count("unit_id", distinct=True), items=Count("node_id", distinct=True), values=Count("id"))
             .values_list("units", "items", "values"))
    most = [max(column, default=0) for column in zip(*sizes, strict=True)] or [0, 0, 0]
    return SheetShape(units=most[0], items=most[1], values=most[2])


def edit_refusal(cycle: Cycle, department: CycleDepartment) -> str:
    """Why the department's users may not change its scores now ('' if they may). One query."""
    try:
        scoring.check_can_edit(scoring.department_facts(cycle, department))
    except ScoreError as error:
        return error.message
    return ""


# -- upload ----------------------------------------------------------------------------------

def read_sheet_upload(upload: UploadedFile | None, cycle: Cycle) -> tuple[UploadedSheet | None, str]:
    """An uploaded scoring sheet, read: (UploadedSheet, '') or (None, why the file was refused).
    The file is read from where the upload handler spooled it, and no further than a sheet of the
    cycle can reach (`sheet_shape`)."""
    if upload is None:
        return None, _("请选择要上传的评分表文件。")
    if not (upload.name or "").lower().endswith(".xlsx"):
        return None, _("只能上传 .xlsx 格式的评分表。")
    if (upload.size or 0) > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        return None, _("文件过大（上限 %(limit)d MB）。") % {"limit": limit}
    try:
        upload.seek(0)
        return read_sheet(upload, upload.name, sheet_shape(cycle)), ""
    except FormatError as error:
        return None, str(error)


def _shown(points: Decimal | None, reason: str) -> str:
    text = _("（空）") if points is None else _("%(points)s分") % {"points": format_points(points)}
    return _("%(score)s，%(reason)s") % {"score": text, "reason": reason} if reason else text


def apply_upload(user: User, cycle: Cycle, uploaded: UploadedSheet,
                 department: CycleDepartment | None = None) -> UploadReport:
    """Apply an uploaded sheet all-or-nothing. `department`: the user's in the cycle, when the
    caller has looked it up already. Raises ScoreError(FORBIDDEN) if the user scores for no
    department of the cycle; everything else comes back in the report."""
    department = department or scoring_department(user, cycle)
    if department is None:
        raise ScoreError(ScoreError.FORBIDDEN, _("您不是本考核周期的考核部门评分人员，不能上传评分表。"))
    report = UploadReport()
    if uploaded.cycle_id != cycle.pk:
        report.errors.append(Problem("", _("这份评分表属于另一个考核周期（%(other)s），"
                                           "不能上传到“%(cycle)s”。请下载本周期的评分表。") % {
            "other": uploaded.cycle_name, "cycle": cycle.name}))
        return report
    if uploaded.department_code != department.code:
        report.errors.append(Problem("", _other_department(cycle, department, uploaded)))
        return report
    if uploaded.read_only:
        report.errors.append(Problem("", _("这份评分表是只读副本（下载时不能修改评分），请重新下载评分表后填写。")))
        return report
    refusal = edit_refusal(cycle, department)
    if refusal:
        report.errors.append(Problem("", refusal))
        return report

    report.errors.extend(Problem(p.cell, p.message) for p in uploaded.problems)
    scores = {(s.unit.code, s.node.code): s for s in department_scores(cycle, department)}
    edited = _edited_manifest(uploaded, scores)
    if edited is not None:
        report.errors.append(edited)
        return report
    changes: list[tuple[Score, Decimal | None, str, int]] = []
    chosen = _check_accepted(cycle, department, uploaded, scores, changes, report)
    accepted = {(score.unit.code, score.node.code) for score, _proposal in chosen} | {
        (a.unit_code, a.item_code) for a in uploaded.accepted}
    for cell in uploaded.cells:
        if (cell.unit_code, cell.item_code) in accepted:
            continue
        if not cell.changed:
            report.unchanged += 1
            continue
        change = _check_cell(cycle, cell, scores, uploaded, report)
        if change is not None:
            changes.append(change)
    if not report.ok:
        return report

    try:
        with transaction.atomic():
            # again inside the transaction, under the submission's lock (scoring.submission_state):
            # the department may have been submitted since the check above
            scoring.check_can_edit(scoring.department_facts(cycle, department))
            totals.lock_for_changes(score for score, *_ in changes)
            for score, points, reason, version in sorted(changes, key=lambda change: totals.lock_order(change[0])):
                scoring.apply(user, cycle, score, points, reason, version, source="sheet")
            proposals.accepted(user, cycle, chosen)
    except ScoreError as error:  # a change saved between our check and the update: all rolled back
        if error.kind == ScoreError.CLOSED:
            report.errors.append(Problem("", error.message))
            return report
        if error.kind != ScoreError.CONFLICT or error.current is None:
            raise
        report.conflicts.append(Conflict(
            "", _("保存时发现评分刚被他人修改（%(unit)s · %(item)s），本次上传未保存任何内容，请重新上传。") % {
                "unit": error.current.unit.name, "item": error.current.node.code},
            error.current.unit.name, error.current.node.code,
            "", _shown(error.current.points, error.current.reason), error.current.version))
        return report
    report.applied, report.accepted = len(changes), len(chosen)
    return report


def _check_accepted(cycle: Cycle, department: CycleDepartment, uploaded: UploadedSheet,
                    scores: dict[tuple[str, str], Score], changes: list[tuple[Score, Decimal | None, str, int]],
                    report: UploadReport) -> list[tuple[Score, Proposal]]:
    """The proposals marked "采纳", checked against the cell pair in "评分", the proposal now and the
    score now; those that change a score are added to `changes`. Returns the (score, proposal)
    pairs to record as accepted."""
    if not uploaded.accepted:
        return []
    current = proposals.proposals(cycle, department.pk)
    cells = {(cell.unit_code, cell.item_code): cell for cell in uploaded.cells}
    chosen: list[tuple[Score, Proposal]] = []
    for accepted in uploaded.accepted:
        key = (accepted.unit_code, accepted.item_code)
        label = f"{uploaded.units.get(accepted.unit_code, accepted.unit_code)} · {accepted.item_code}"
        score, cell = scores.get(key), cells.get(key)
        if score is None or cell is None:
            report.errors.append(Problem(accepted.cell, _("%(cell)s：不是本部门在本周期的评分任务。") % {"cell": label}))
            continue
        if cell.changed:
            report.errors.append(Problem(accepted.cell, _labelled(label, _(
                "既采纳了台账建议，又在“评分”工作表中修改了这一项（%(points_cell)s），请只选一种。") % {
                "points_cell": cell.points_cell})))
            continue
        proposal = current.get((score.node_id, score.unit_id))
        if proposal is None or proposal.points != accepted.points or reason_digest(proposal.reason) != accepted.digest:
            now = _("已没有台账建议") if proposal is None else _("建议%(points)s分") % {
                "points": format_points(proposal.points)}
            report.conflicts.append(Conflict(
                accepted.cell, _("%(cell)s：下载评分表后台账建议有变化（现为%(current)s），未采纳；请重新下载评分表核对。") % {
                    "cell": label, "current": now},
                score.unit.name, score.node.code, _("建议%(points)s分") % {"points": format_points(accepted.points)},
                now, score.version))
            continue
        change = _accept_cell(cycle, accepted, cell, score, proposal, label, report)
        if change is not None:
            chosen.append((score, proposal))
            if change[1] != score.points or change[2] != score.reason:
                changes.append(change)
    return chosen


def _accept_cell(cycle: Cycle, accepted: AcceptedProposal, cell: UploadedCell, score: Score, proposal: Proposal,
                 label: str, report: UploadReport) -> tuple[Score, Decimal | None, str, int] | None:
    """The accepted proposal as a change of the score, if it is still the score downloaded and valid."""
    if score.version != cell.version:
        report.conflicts.append(Conflict(
            accepted.cell,
            _("%(cell)s：下载后这一项已在网上被修改（现为%(current)s），未采纳台账建议；请核对后重新下载评分表填写。") % {
                "cell": label, "current": _shown(score.points, score.reason)},
            score.unit.name, score.node.code, _("建议%(points)s分") % {"points": format_points(proposal.points)},
            _shown(score.points, score.reason), score.version))
        return None
    try:
        points, reason = scoring.validate(score, cycle.step, Entry(str(proposal.points), proposal.reason, cell.version))
    except ScoreError as error:
        report.errors.append(Problem(accepted.cell, _labelled(label, error.message)))
        return None
    return score, points, reason, cell.version


def _other_department(cycle: Cycle, department: CycleDepartment, uploaded: UploadedSheet) -> str:
    """Why a sheet of another department is refused, naming both departments. A manifest whose
    department code and name disagree was edited by hand: said so."""
    named = CycleDepartment.objects.filter(cycle=cycle, code=uploaded.department_code).first()
    if named is not None and named.name != uploaded.department_name:
        return _("评分表的隐藏信息已被改动：部门编码 %(code)s 是%(other)s的，表中的部门名称却是“%(name)s”。"
                 "请重新下载%(department)s的评分表填写。") % {
            "code": uploaded.department_code, "other": named.name, "name": uploaded.department_name,
            "department": department.name}
    other = named.name if named is not None else uploaded.department_name
    return _("这份评分表属于%(other)s（编码 %(code)s），不是%(department)s（编码 %(own)s）的评分表。") % {
        "other": other, "code": uploaded.department_code, "department": department.name, "own": department.code}


def _edited_manifest(uploaded: UploadedSheet, scores: dict[tuple[str, str], Score]) -> Problem | None:
    """A cell whose version is still the saved one must have been downloaded with the saved value;
    if the manifest says otherwise it was edited (it could make a blank cell clear a score), and
    the upload is refused like any other inconsistency."""
    for cell in uploaded.cells:
        score = scores.get((cell.unit_code, cell.item_code))
        if score is None or score.version != cell.version:
            continue
        if cell.downloaded_points != score.points or cell.downloaded_reason != safe_text(score.reason).strip():
            return Problem(cell.points_cell, _(
                "评分表的隐藏信息已被改动：%(unit)s · %(item)s 下载时为%(saved)s，表中记为%(claimed)s。"
                "未保存任何内容，请重新下载评分表填写。") % {
                "unit": score.unit.name, "item": cell.item_code, "saved": _shown(score.points, score.reason),
                "claimed": _shown(cell.downloaded_points, cell.downloaded_reason)})
    return None


def _labelled(label: str, message: str) -> str:
    """A message about one cell pair, after its label: "偃师市 · 1.1.1.1：<message>"."""
    return _("%(cell)s：%(message)s") % {"cell": label, "message": message}


def _check_cell(cycle: Cycle, cell: UploadedCell, scores: dict[tuple[str, str], Score],
                uploaded: UploadedSheet, report: UploadReport) -> tuple[Score, Decimal | None, str, int] | None:
    unit_name = uploaded.units.get(cell.unit_code, cell.unit_code)
    label = f"{unit_name} · {cell.item_code}"
    if cell.error:
        report.errors.append(Problem(cell.error_cell, _labelled(label, cell.error)))
        return None
    score = scores.get((cell.unit_code, cell.item_code))
    if score is None:
        report.errors.append(Problem(cell.points_cell, _("%(cell)s：不是本部门在本周期的评分任务。") % {"cell": label}))
        return None
    if cell.points is None and cell.reason:
        report.errors.append(Problem(cell.points_cell, _("%(cell)s：填写了扣分理由，但没有填写得分。") % {"cell": label}))
        return None
    entry = Entry("" if cell.points is None else str(cell.points), cell.reason, cell.version)
    try:
        points, reason = scoring.validate(score, cycle.step, entry)
    except ScoreError as error:
        where = cell.reason_cell if error.field == "reason" else cell.points_cell
        report.errors.append(Problem(where, _labelled(label, error.message)))
        return None
    if points == score.points and reason == score.reason:
        report.unchanged += 1  # online already holds exactly this: nothing to do
        return None
    if score.version != cell.version:
        report.conflicts.append(Conflict(
            cell.points_cell,
            _("%(cell)s：下载后这一项已在网上被修改（现为%(current)s），未覆盖；请核对后重新下载评分表填写。") % {
                "cell": label, "current": _shown(score.points, score.reason)},
            unit_name, cell.item_code, _shown(points, reason), _shown(score.points, score.reason), score.version))
        return None
    return score, points, reason, cell.version
