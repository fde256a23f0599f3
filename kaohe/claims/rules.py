"""The self-assessment and evidence rules, in one place for the pages and the API.

- Only the unit's own users write its self-assessment and evidence; the office, leaders and the
  cycle's scoring departments read them (`can_read_unit`); a scorer or head reads evidence attached
  to the criteria its department scores (`readable_evidence`). Anything else is FORBIDDEN, and
  another unit's objects are NOT_FOUND, so ids cannot be probed.
- Writing is open while the cycle is open for scoring, the self-assessment is a draft and the
  cycle's self-assessment deadline (inclusive, Asia/Shanghai) has not passed (else CLOSED).
- A claim is empty or a decimal between 0 and the criterion's maximum for the unit (the sum of its
  applicable items) in the cycle's step; the explanation is at most EXPLANATION_MAX characters.
  Saves are a compare-and-set on the claim's version (CONFLICT otherwise).
- Submitting needs a claim for every criterion; afterwards it is read-only until the office
  re-opens it with a reason.
- Evidence: type by content and a clean name (`kaohe.formats.evidence`), the cycle's size and count
  limits, criteria that apply to the unit. Nothing is stored when any check fails.
Every change is one audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaohe.accounts.errors import Refused
from kaohe.accounts.models import Role, User
from kaohe.accounts.permissions import is_office, reads_all, signed_in, unit_code
from kaohe.audit.record import record
from kaohe.claims import storage
from kaohe.claims.models import Claim, Evidence, SelfAssessment
from kaohe.core import text
from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import format_points, optional_points
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.cycles.scoring import ScoreError, parse_score
from kaohe.formats.errors import FormatError
from kaohe.formats.evidence import EvidenceType, check_evidence, clean_name, size_of, too_large
from kaohe.notify.send import notify, settle, unit_users
from kaohe.schemes.models import Node

EXPLANATION_MAX = text.CLAIM_EXPLANATION.limit
ZERO = Decimal(0)


class ClaimError(Refused):
    """What the self-assessment and evidence rules refuse; `current` is the stored Claim a conflict is with."""


@dataclass(frozen=True)
class Content:
    """One item (考核内容) of a criterion that applies to the unit."""

    code: str
    title: str
    maximum: Decimal

    @property
    def maximum_text(self) -> str:
        return format_points(self.maximum)


@dataclass
class Criterion:
    """A criterion as it applies to one unit: its maximum is the sum of the unit's items under it,
    whose text (`contents`) says what is assessed; an item hung directly under an indicator is its
    own criterion and has no contents of its own."""

    node_id: int
    code: str
    title: str
    position: int
    maximum: Decimal = ZERO
    items: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    evidence_expected: bool = False
    contents: list[Content] = field(default_factory=list)


# ----------------------------------------------------------------------------- reading


def is_units_user(user: User, unit: CycleUnit) -> bool:
    return unit_code(user) == unit.code


def can_read_unit(user: User, cycle: Cycle, unit: CycleUnit) -> bool:
    """The unit's own users, the office, leaders, and the scorers and heads of the cycle."""
    if not signed_in(user):
        return False
    if reads_all(user):
        return True
    if user.role == Role.UNIT:
        return is_units_user(user, unit)
    return scoring_department(user, cycle) is not None


def find_unit(user: User, cycle: Cycle, unit_code: str) -> CycleUnit:
    """The cycle's unit for a reader: NOT_FOUND for a unit the user may not see (no probing)."""
    unit = CycleUnit.objects.filter(cycle=cycle, code=unit_code).first()
    if unit is None or not can_read_unit(user, cycle, unit):
        raise ClaimError(ClaimError.NOT_FOUND, _("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": unit_code})
    return unit


def criteria(cycle: Cycle, unit: CycleUnit) -> list[Criterion]:
    """The criteria that apply to the unit, in scheme order. Two queries."""
    scores = (Score.objects.filter(cycle=cycle, unit=unit).order_by("node__position")
              .values_list("node_id", "node__code", "node__criterion_code", "node__title", "node__points",
                           "node__position", "department__name"))
    found: dict[str, Criterion] = {}
    lone: dict[str, tuple[int, str, int]] = {}
    for node_id, code, criterion_code, title, points, position, department in scores:
        key = criterion_code or code
        if not criterion_code:
            lone[code] = (node_id, title, position)
        criterion = found.setdefault(key, Criterion(0, key, "", position))
        criterion.maximum += points or ZERO
        criterion.items.append(code)
        if criterion_code:
            criterion.contents.append(Content(code, title, points or ZERO))
        if department not in criterion.departments:
            criterion.departments.append(department)
    heads = Node.objects.filter(scheme_id=cycle.scheme_id, code__in=[c for c in found if c not in lone],
                                level="criterion").values_list("pk", "code", "title", "position")
    for pk, code, title, position in heads:
        found[code].node_id, found[code].title, found[code].position = pk, title, position
    for code, (pk, title, position) in lone.items():
        found[code].node_id, found[code].title, found[code].position = pk, title, position
    expected = set(cycle.evidence_expected or ())
    for criterion in found.values():
        criterion.evidence_expected = criterion.code in expected
    return sorted((c for c in found.values() if c.node_id), key=lambda c: c.position)


def assessment(cycle: Cycle, unit: CycleUnit) -> SelfAssessment:
    return SelfAssessment.objects.get_or_create(cycle=cycle, unit=unit)[0]


def window_problem(cycle: Cycle, state: str) -> str:
    """Why the unit cannot write now, or "" when it can."""
    if cycle.status != Cycle.Status.OPEN:
        return _("考核周期%(status)s，自评已关闭。") % {"status": cycle.get_status_display()}
    deadline = cycle.self_assessment_deadline
    if deadline and timezone.localdate() > deadline:
        return _("自评已于%(date)s截止。") % {"date": deadline.isoformat()}
    if state == SelfAssessment.State.SUBMITTED:
        return _("自评已提交，如需修改请联系考核办退回。")
    return ""


def readable_evidence(user: User, cycle: Cycle) -> QuerySet[Evidence]:
    """The evidence of the cycle the user may open."""
    evidence = Evidence.objects.filter(cycle=cycle)
    if not signed_in(user):
        return evidence.none()
    if reads_all(user):
        return evidence
    if user.role == Role.UNIT:  # the departments' ledger files: through the ledger (kaohe.ledger.rules)
        own = unit_code(user)
        return evidence.filter(unit__code=own).exclude(purpose=Evidence.Purpose.LEDGER) if own is not None \
            else evidence.none()
    department = scoring_department(user, cycle)
    if department is None:
        return evidence.none()
    scored = Score.objects.filter(cycle=cycle, department=department)
    codes = set(scored.exclude(node__criterion_code="").values_list("node__criterion_code", flat=True))
    codes |= set(scored.filter(node__criterion_code="").values_list("node__code", flat=True))
    return (evidence.filter(nodes__code__in=codes, nodes__scheme_id=cycle.scheme_id)
            | evidence.filter(objections__items__score__department=department)).distinct()


# ----------------------------------------------------------------------------- writing


def check_writable(user: User, cycle: Cycle, unit_code: str) -> CycleUnit:
    """The unit, if the user may write its self-assessment now; else ClaimError."""
    return _writable_unit(user, cycle, unit_code, lock=False)[0]


def _writable_unit(user: User, cycle: Cycle, unit_code: str, lock: bool = True) -> tuple[CycleUnit, SelfAssessment]:
    unit = find_unit(user, cycle, unit_code)
    if not is_units_user(user, unit):
        raise ClaimError(ClaimError.FORBIDDEN, _("只有本单位的用户可以填写自评和上传佐证材料。"))
    sheet = assessment(cycle, unit)
    if lock:
        sheet = SelfAssessment.objects.select_for_update().get(pk=sheet.pk)
    cycle.refresh_from_db(fields=["status", "self_assessment_deadline"])
    problem = window_problem(cycle, sheet.state)
    if problem:
        raise ClaimError(ClaimError.CLOSED, problem)
    return unit, sheet


def cleaned(value: str | None, field: text.FreeText, name: str) -> str:
    """Free text by the one rule (`kaohe.core.text`); its refusal as ClaimError(INVALID) on `name`."""
    try:
        return text.clean(value, field)
    except text.TextError as error:
        raise ClaimError(ClaimError.INVALID, error.message(_), name) from None


def claim_key(cycle: Cycle, unit: CycleUnit, code: str) -> str:
    return f"cycle:{cycle.pk}/unit:{unit.code}/criterion:{code}"


@dataclass(frozen=True)
class ClaimEntry:
    """One claim as the unit typed it: the criterion's code, the points, the explanation, and the
    version of the claim it was read at (0 for none yet)."""

    code: str
    points: str | Decimal | None
    explanation: str
    version: int


class ClaimsError(ClaimError):
    """Several claims saved at once were refused: `rows` holds each refused row's error by its
    criterion's code. INVALID (422) when any row is invalid or does not apply, else CONFLICT (409)."""

    def __init__(self, rows: dict[str, ClaimError]):
        self.rows = rows
        invalid = any(error.kind != ClaimError.CONFLICT for error in rows.values())
        message = ngettext("%(count)d项自评有误，全部未保存；请按各项的提示修改后再保存。",
                           "%(count)d项自评有误，全部未保存；请按各项的提示修改后再保存。", len(rows)) % {
            "count": len(rows)}
        super().__init__(ClaimError.INVALID if invalid else ClaimError.CONFLICT, message,
                         items={code: error.message for code, error in rows.items()})


def save_claim(user: User, cycle: Cycle, unit_code: str, criterion_code: str, points: str | Decimal | None,
               explanation: str, version: int) -> Claim:
    """Save one claim (the API's PUT); its error is the row's own."""
    try:
        return save_claims(user, cycle, unit_code, [ClaimEntry(criterion_code, points, explanation, version)])[0]
    except ClaimsError as error:
        raise next(iter(error.rows.values())) from None


def save_claims(user: User, cycle: Cycle, unit_code: str, entries: Sequence[ClaimEntry]) -> list[Claim]:
    """Save the unit's claims in one transaction, all or none: every row is checked first (the
    criterion applies, the points are within its maximum in the cycle's step, the explanation's
    length, the version is the claim's current one, the criterion is given once), and if any row is refused nothing is written
    and ClaimsError lists every refused row. A row equal to what is saved changes nothing (no new
    version, no audit event). Returns the claims in the order given. Refusals of the whole
    self-assessment (not the unit's user, closed) are a plain ClaimError."""
    with transaction.atomic():
        unit, _sheet = _writable_unit(user, cycle, unit_code)  # locks the self-assessment: saves run one at a time
        applicable = {criterion.code: criterion for criterion in criteria(cycle, unit)}
        claims = {claim.node_id: claim for claim in Claim.objects.filter(unit=unit)}
        rows: dict[str, ClaimError] = {}
        checked: list[tuple[Criterion, Decimal | None, str, Claim | None, int]] = []
        given: set[str] = set()
        for entry in entries:
            try:
                if entry.code in given:
                    raise ClaimError(ClaimError.INVALID, _("指标 %(code)s 在一次保存中出现了不止一次。") % {
                        "code": entry.code}, "criterion")
                given.add(entry.code)
                criterion = applicable.get(entry.code)
                if criterion is None:
                    raise ClaimError(ClaimError.NOT_FOUND, _("指标 %(code)s 不适用于单位 %(unit)s，或不存在。") % {
                        "code": entry.code, "unit": unit.name}, "criterion")
                value, explanation = _checked(cycle, criterion, entry)
                claim = claims.get(criterion.node_id)
                if (claim.version if claim else 0) != entry.version:
                    raise ClaimError(ClaimError.CONFLICT, _("这条自评已在别处修改，请核对后再保存。"), current=claim)
            except ClaimError as error:
                rows[entry.code] = error
                continue
            checked.append((criterion, value, explanation, claim, entry.version))
        if rows:
            raise ClaimsError(rows)
        return [_write(user, cycle, unit, *row) for row in checked]


def _checked(cycle: Cycle, criterion: Criterion, entry: ClaimEntry) -> tuple[Decimal | None, str]:
    try:
        value = parse_score(entry.points, criterion.maximum, cycle.step)
    except ScoreError as error:
        raise ClaimError(ClaimError.INVALID, error.message, "points") from None
    return value, cleaned(entry.explanation, text.CLAIM_EXPLANATION, "explanation")


def _write(user: User, cycle: Cycle, unit: CycleUnit, criterion: Criterion, value: Decimal | None, explanation: str,
           claim: Claim | None, version: int) -> Claim:
    """Write one checked claim (the self-assessment is locked, so the version read still holds)."""
    if claim is None:
        claim = Claim.objects.create(cycle=cycle, unit=unit, node_id=criterion.node_id)
    if value == claim.points and explanation == claim.explanation:
        return claim
    old = {"points": optional_points(claim.points), "explanation": claim.explanation, "version": version}
    claim.points, claim.explanation, claim.version = value, explanation, version + 1
    claim.updated_by, claim.updated_at = user, timezone.now()
    claim.save()
    record("claim.update", "claim", claim_key(cycle, unit, criterion.code), cycle=cycle, old=old,
           new={"points": optional_points(value), "explanation": explanation, "version": version + 1})
    return claim


def submit(user: User, cycle: Cycle, unit_code: str) -> SelfAssessment:
    with transaction.atomic():
        unit, sheet = _writable_unit(user, cycle, unit_code)
        applicable = criteria(cycle, unit)
        claimed = set(Claim.objects.filter(unit=unit, points__isnull=False).values_list("node_id", flat=True))
        missing = [c.code for c in applicable if c.node_id not in claimed]
        if missing:
            raise ClaimError(ClaimError.INVALID, _("还有%(count)d项指标未填写自评得分（%(codes)s），不能提交。") % {
                "count": len(missing), "codes": "、".join(missing[:10]) + ("……" if len(missing) > 10 else "")})
        sheet.state, sheet.submitted_at, sheet.submitted_by = SelfAssessment.State.SUBMITTED, timezone.now(), user
        sheet.save(update_fields=["state", "submitted_at", "submitted_by"])
        record("self_assessment.submit", "self_assessment", sheet_key(cycle, unit), cycle=cycle,
               new={"criteria": len(applicable)})
        settle(sheet_key(cycle, unit))  # the reminders and the office's return asked for this
        return sheet


def reopen(user: User, cycle: Cycle, unit_code: str, reason: str) -> SelfAssessment:
    """The office sends a submitted self-assessment back to the unit, with a reason."""
    if not is_office(user):
        raise ClaimError(ClaimError.FORBIDDEN, _("只有考核办可以退回自评。"))
    reason = cleaned(reason, text.SELF_ASSESSMENT_REOPEN_REASON, "reason")
    if not reason:
        raise ClaimError(ClaimError.INVALID, _("退回自评必须填写理由。"), "reason")
    with transaction.atomic():
        unit = find_unit(user, cycle, unit_code)
        sheet = SelfAssessment.objects.select_for_update().get(pk=assessment(cycle, unit).pk)
        if sheet.state != SelfAssessment.State.SUBMITTED:
            raise ClaimError(ClaimError.CLOSED, _("%(unit)s的自评尚未提交，无需退回。") % {"unit": unit.name})
        sheet.state, sheet.reopen_reason = SelfAssessment.State.DRAFT, reason
        sheet.save(update_fields=["state", "reopen_reason"])
        record("self_assessment.reopen", "self_assessment", sheet_key(cycle, unit), cycle=cycle,
               reason=reason)
        notify(unit_users(unit.code), Text.of(gettext_noop("%(cycle)s：本单位自评已被退回"), cycle=cycle.name),
               Text.of(gettext_noop("考核办退回了本单位的自评，理由：%(reason)s"), reason=reason),
               f"/cycles/{cycle.pk}/self/{unit.code}/", about=sheet_key(cycle, unit))
        return sheet


def sheet_key(cycle: Cycle, unit: CycleUnit) -> str:
    """What a unit's self-assessment's audit events and the notifications asking for it name it."""
    return f"cycle:{cycle.pk}/unit:{unit.code}"


# ----------------------------------------------------------------------------- evidence


def _criterion_nodes(cycle: Cycle, unit: CycleUnit, codes: Iterable[str]) -> list[int]:
    codes = [c.strip() for c in codes if c and c.strip()]
    applicable = {c.code: c.node_id for c in criteria(cycle, unit)}
    unknown = [c for c in codes if c not in applicable]
    if unknown:
        raise ClaimError(ClaimError.INVALID, _("指标 %(codes)s 不适用于单位 %(unit)s，或不存在。") % {
            "codes": "、".join(unknown), "unit": unit.name}, "criteria")
    return [applicable[c] for c in dict.fromkeys(codes)]


Upload = tuple[str, "bytes | IO[bytes]"]  # (name as sent, the bytes or the spooled file)


def _check_size(cycle: Cycle, name: str, size: int) -> None:
    """TOO_LARGE, with the real size, for a file over the cycle's limit per evidence file."""
    if size > cycle.evidence_max_bytes:
        raise ClaimError(ClaimError.TOO_LARGE, too_large(clean_name(name) or name, size, cycle.evidence_max_bytes),
                         "file")


def read_evidence_upload(cycle: Cycle, upload: UploadedFile) -> Upload:
    """An uploaded file's name and the file itself (pages and the API alike), refused when its
    declared size is over the cycle's limit. Not read here: the upload handlers spooled it to a
    temporary file (kaohe.web.request_limits); `check_file` reads its head, `storage.store` streams it."""
    if upload.size is not None:
        _check_size(cycle, upload.name or "", upload.size)
    return upload.name or "", upload


def check_file(cycle: Cycle, name: str, source: bytes | IO[bytes]) -> tuple[str, EvidenceType]:
    """The cleaned name and type of an upload, or ClaimError (INVALID, or TOO_LARGE with the real
    size). Only the file's head is read (and a ZIP's directory)."""
    _check_size(cycle, name, size_of(source))
    try:
        return check_evidence(name, source, cycle.evidence_max_bytes)
    except FormatError as error:
        raise ClaimError(ClaimError.INVALID, error.message, "file") from None


def store_evidence(user: User, cycle: Cycle, unit: CycleUnit, files: list[Upload], node_ids: list[int],
                   purpose: str) -> list[Evidence]:
    """Check the count, then every file against the cycle's limits (size and type, from the head),
    then keep them all; call inside a transaction after the caller's permission checks, within
    `storage.removed_unless_committed()`. Raises ClaimError (nothing is stored then), or
    ClaimError(STORAGE) when the evidence folder cannot take a file."""
    # the unit's own files count against its limit; a department's ledger files (kaohe.ledger) do not
    count = 0 if purpose == Evidence.Purpose.LEDGER else (
        Evidence.objects.filter(unit=unit).exclude(purpose=Evidence.Purpose.LEDGER).count())
    if purpose != Evidence.Purpose.LEDGER and count + len(files) > cycle.evidence_max_files:
        raise ClaimError(ClaimError.INVALID, _("本单位已上传%(count)d个佐证材料，再上传%(new)d个将超过本周期的上限%(max)d个。") % {
            "count": count, "new": len(files), "max": cycle.evidence_max_files}, "file")
    checked = [(check_file(cycle, name, source), source) for name, source in files]
    codes = sorted(Node.objects.filter(pk__in=node_ids).values_list("code", flat=True))
    stored = []
    for (clean, kind), source in checked:
        try:
            sha256 = storage.store(source)
        except storage.StorageError as error:
            raise ClaimError(ClaimError.STORAGE, error.message, "file") from error
        size = size_of(source)
        evidence = Evidence.objects.create(cycle=cycle, unit=unit, purpose=purpose, sha256=sha256, size=size,
                                           mime=kind.mime, kind=kind.label, name=clean, uploaded_by=user)
        if node_ids:
            evidence.nodes.set(node_ids)
        record("evidence.upload", "evidence", f"cycle:{cycle.pk}/unit:{unit.code}/evidence:{evidence.pk}",
               cycle=cycle, new={"name": clean, "sha256": sha256, "size": size, "type": kind.label,
                                 "purpose": purpose, "criteria": codes})
        stored.append(evidence)
    return stored


def upload_evidence(user: User, cycle: Cycle, unit_code: str, files: list[Upload],
                    criterion_codes: Iterable[str]) -> list[Evidence]:
    """Upload one or more files for the unit's self-assessment, attached to the given criteria."""
    with storage.removed_unless_committed(), transaction.atomic():
        unit, _sheet = _writable_unit(user, cycle, unit_code)
        if not files:
            raise ClaimError(ClaimError.INVALID, _("请选择要上传的文件。"), "file")
        node_ids = _criterion_nodes(cycle, unit, criterion_codes)
        return store_evidence(user, cycle, unit, files, node_ids, Evidence.Purpose.SELF)


def _own_evidence(user: User, cycle: Cycle, evidence_id: int) -> tuple[Evidence, CycleUnit]:
    evidence = readable_evidence(user, cycle).filter(pk=evidence_id).select_related("unit").first()
    if evidence is None:
        raise ClaimError(ClaimError.NOT_FOUND, _("没有编号为 %(id)s 的佐证材料。") % {"id": evidence_id})
    if evidence.purpose != Evidence.Purpose.SELF:
        raise ClaimError(ClaimError.CLOSED, _("异议的佐证材料随异议保存，不能修改。"))
    return evidence, evidence.unit


def set_evidence_criteria(user: User, cycle: Cycle, evidence_id: int, criterion_codes: Iterable[str]) -> Evidence:
    with transaction.atomic():
        evidence, unit = _own_evidence(user, cycle, evidence_id)
        _writable_unit(user, cycle, unit.code)
        node_ids = _criterion_nodes(cycle, unit, criterion_codes)
        old = sorted(evidence.nodes.values_list("code", flat=True))
        evidence.nodes.set(node_ids)
        new = sorted(evidence.nodes.values_list("code", flat=True))
        if old != new:
            record("evidence.criteria", "evidence", f"cycle:{cycle.pk}/unit:{unit.code}/evidence:{evidence.pk}",
                   cycle=cycle, old={"criteria": old}, new={"criteria": new})
        return evidence


def delete_evidence(user: User, cycle: Cycle, evidence_id: int) -> None:
    with transaction.atomic():
        evidence, unit = _own_evidence(user, cycle, evidence_id)
        _writable_unit(user, cycle, unit.code)
        record("evidence.delete", "evidence", f"cycle:{cycle.pk}/unit:{unit.code}/evidence:{evidence.pk}",
               cycle=cycle, old={"name": evidence.name, "sha256": evidence.sha256, "size": evidence.size})
        sha256 = evidence.sha256
        evidence.delete()
        if not Evidence.objects.filter(sha256=sha256).exists():
            transaction.on_commit(lambda: storage.remove(sha256))

