"""What the API sends and accepts. Points travel as decimal strings ("1.5", "2"), never floats."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class CurrentScore(Schema):
    """The score as it is saved now (sent with a 409 so the client can show both values)."""

    points: str | None
    reason: str
    version: int
    updated_by: str | None
    updated_at: datetime | None


class ErrorOut(Schema):
    code: str = Field(description="invalid, forbidden, not_found, conflict or closed")
    message: str
    field: str | None = None
    current: CurrentScore | None = None


class ProgressOut(Schema):
    """One department's submission in a cycle: its state and how many of its tasks have points."""

    department: str
    department_name: str
    state: str
    state_label: str
    comment: str
    scored: int
    total: int


class CycleOut(Schema):
    id: int
    name: str
    scheme: str
    scheme_title: str
    status: str
    status_label: str
    step: str
    scoring_deadline: date | None
    review_deadline: date | None
    progress: ProgressOut | None = Field(None, description="the user's own department (scorers and heads)")


class CycleDetailOut(CycleOut):
    departments: list[ProgressOut] = Field(
        description="every department for the office and leaders, the user's own for scorers and heads")


class LedgerFindingOut(Schema):
    date: str
    kind: str
    points: str | None
    reason: str
    document: str
    url: str


class ProposalOut(Schema):
    points: str = Field(description="the item's maximum minus the confirmed deductions, at least 0")
    deducted: str
    reason: str
    changed: bool = Field(description="the ledger changed after the task was last decided")
    entries: list[LedgerFindingOut]


class TaskOut(Schema):
    unit_code: str
    unit_name: str
    item_code: str
    item_title: str
    criterion_code: str
    department: str
    maximum: str
    points: str | None
    reason: str
    version: int
    updated_by: str | None
    updated_at: datetime | None
    proposal: ProposalOut | None = Field(None, description="the 平时考核台账's proposal, when the task has confirmed entries")


class ScoreIn(Schema):
    """Documentation only: the body is read with `json.loads(..., parse_float=Decimal)`, so a JSON
    number such as 1.5 reaches the rules as Decimal('1.5'), exactly as typed."""

    points: Decimal | None = Field(description='"1.5", 1.5 or null (clears the score)')
    reason: str = Field("", description="required below full marks")
    version: int = Field(description="the version read with the task; a stale one is a 409")


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str = ""


class SubmissionOut(Schema):
    department: str
    department_name: str
    state: str
    state_label: str
    comment: str
    updated_at: datetime


# ----------------------------------------------------------------------------- the unit's side
# Self-assessment, evidence, the unit's scorecard and objections (kaohe.api.claims, kaohe.api.objections).


class CurrentClaim(Schema):
    """The claim as it is saved now (sent with a 409 so the client can show both values)."""

    points: str | None
    explanation: str
    version: int
    updated_by: str | None
    updated_at: datetime | None


class ClaimErrorOut(Schema):
    code: str = Field(description="invalid, forbidden, not_found, conflict, closed or too_large")
    message: str
    field: str | None = None
    current: CurrentClaim | None = None
    items: dict[str, str] | None = Field(None, description="an objection's refused items: code → why")


class ClaimIn(Schema):
    """Documentation only: the body is read with `json.loads(..., parse_float=Decimal)`, so a JSON
    number such as 1.5 reaches the rules as Decimal('1.5'), exactly as typed."""

    points: Decimal | None = Field(description='"1.5", 1.5 or null (clears the claim)')
    explanation: str = Field("", description="at most 500 characters")
    version: int = Field(description="the version read with the self-assessment; a stale one is a 409")


class ClaimRowIn(ClaimIn):
    code: str = Field(description="the criterion's code")


class ClaimsIn(Schema):
    """Documentation only: read like ClaimIn."""

    claims: list[ClaimRowIn] = Field(description="each criterion at most once; all are saved or none")


class ClaimOut(Schema):
    unit: str
    code: str
    points: str | None
    explanation: str
    version: int
    updated_by: str | None
    updated_at: datetime | None


class CriterionOut(Schema):
    code: str
    title: str
    maximum: str = Field(description="the sum of the unit's applicable items under the criterion")
    departments: list[str]
    evidence_expected: bool
    points: str | None
    explanation: str
    version: int
    evidence: list[int] = Field(description="ids of the evidence attached to it that you may open")


class SelfAssessmentStateOut(Schema):
    cycle: int
    unit: str
    unit_name: str
    state: str = Field(description="draft or submitted")
    state_label: str
    submitted_at: datetime | None
    reopen_reason: str


class SelfAssessmentOut(SelfAssessmentStateOut):
    deadline: date | None
    window_problem: str = Field(description='why the unit cannot write now; "" when it can')
    editable: bool = Field(description="whether you may write it now")
    criteria: list[CriterionOut]


class CriteriaIn(Schema):
    criteria: list[str] = Field(description="criterion codes (三级指标) that apply to the unit")


class EvidenceOut(Schema):
    id: int
    unit: str
    name: str
    size: int
    type: str = Field(description="the type read from the content, e.g. PDF 文档")
    mime: str
    sha256: str
    purpose: str = Field(description="self (self-assessment) or objection")
    criteria: list[str]
    uploaded_at: datetime


class DimensionOut(Schema):
    code: str
    title: str
    obtained: str
    maximum: str
    percent: str


class UnitResultOut(Schema):
    """One unit's row of the results (computed, or a published snapshot's); figures as decimal strings."""

    code: str
    name: str
    group: str
    obtained: str
    maximum: str
    percent: str
    bonus: str
    penalty: str
    adjusted: str
    components: dict[str, str]
    final: str
    rank: int
    grade: str
    complete: bool
    explanation: list[str]
    dimensions: list[DimensionOut]


class ScorecardSummaryOut(UnitResultOut):
    """The unit's row of the published snapshot, with the size of its ranking group."""

    group_size: int


class ScorecardRowOut(Schema):
    """A heading (dimension, indicator, criterion: obtained/maximum over the unit's items) or an item."""

    kind: str = Field(description="heading or item")
    code: str
    title: str
    level: str | None = None
    obtained: str | None = None
    maximum: str
    points: str | None = None
    department: str | None = None
    deducted: bool | None = None
    lost: str | None = None
    reason: str | None = None
    claimed: str | None = Field(None, description="on a criterion (or an item that is its own): the points "
                                                  "the unit claimed in its self-assessment")
    claim_gap: str | None = Field(None, description="claimed minus awarded, when the unit claimed more")
    claim_explanation: str | None = None
    changed: bool | None = Field(None, description="an item whose points changed since the previous version")
    previous: str | None = Field(None, description="a changed item's points at the previous version")


class ScorecardOut(Schema):
    cycle: int
    unit: str
    unit_name: str
    version: int
    latest_version: int
    versions: list[int]
    published_at: datetime
    summary: ScorecardSummaryOut
    previous_version: int | None = Field(None, description="the version before this one, if any")
    changed_from_previous: dict[str, Any] = Field(
        default_factory=dict, description="the previous version's figures that differ (obtained, percent, final, "
                                          "rank, grade; dimensions: code → obtained)")
    rows: list[ScorecardRowOut] = Field(
        description="the latest version's items while the cycle is locked; empty otherwise")
    items: int
    pending: list[str] = Field(description="item codes under an objection that is still open")
    objection_deadline: date | None
    window_problem: str = Field(description='why objections cannot be filed now; "" when they can')


class UnitSideOut(Schema):
    """What the department sees beside an item: the unit's self-assessment of the item's criterion."""

    criterion: str
    criterion_title: str
    maximum: str = Field(description="the criterion's maximum for the unit")
    claimed: str | None = Field(description="the points the unit claimed; null: none")
    explanation: str
    evidence: list[int] = Field(description="ids of the files attached to the criterion that you may open")


class ObjectionItemOut(Schema):
    code: str
    title: str
    department: str
    reason: str = Field(description="the unit's reason for objecting to this item")
    old_points: str | None
    old_reason: str = Field(description="the department's reason for the deduction when the objection was filed")
    unit_side: UnitSideOut | None = Field(description="in GET /objections/{id} and the answers to changes; "
                                                      "null in the list")
    decision: str = Field(description='"" (pending), upheld or changed')
    decision_label: str
    new_points: str | None
    answer: str
    answered_by: str | None
    answered_at: datetime | None


class ObjectionOut(Schema):
    id: int
    unit: str
    unit_name: str
    version: int = Field(description="the published version objected to")
    state: str = Field(description="filed, answered or closed")
    state_label: str
    reason: str = Field(description="the shared reason as sent (each item has its own in items[].reason)")
    filed_by: str | None
    filed_at: datetime
    office_comment: str
    closed_at: datetime | None
    result_version: int | None = Field(description="the version republished on confirmation, if any")
    items: list[ObjectionItemOut]
    evidence: list[int]


class ObjectedItemIn(Schema):
    code: str = Field(description="an item code (考核内容) of the unit's latest published results")
    reason: str = Field("", description="why; empty: the objection's shared `reason`")


class ObjectionIn(Schema):
    """JSON, or multipart/form-data with repeated `items` fields, `reason:<code>` per item and/or
    `reason`, and `file` parts."""

    items: list[ObjectedItemIn | str] = Field(description="each item with its reason; a bare code takes `reason`")
    reason: str = Field("", description="the reason of every item given without its own")


class AnswerIn(Schema):
    """Documentation only: read like ClaimIn (JSON numbers as Decimal)."""

    decision: str = Field(description="upheld or changed")
    points: Decimal | None = Field(None, description='the new points when changed: "1.5", 1.5')
    reason: str


# ----------------------------------------------------------------------------- the ledger (kaohe.api.ledger)


class LedgerErrorOut(ClaimErrorOut):
    fields: dict[str, str] | None = Field(None, description="every refused field with its reason, when several")


class LedgerFileOut(Schema):
    id: int
    name: str
    size: int
    url: str


class LedgerDisputeOut(Schema):
    state: str
    state_label: str
    reason: str
    filed_by: str | None
    filed_at: datetime
    files: list[LedgerFileOut]
    decision: str
    decision_label: str
    new_points: str | None
    answer: str
    answered_by: str | None
    answered_at: datetime | None
    office_comment: str
    closed_at: datetime | None


class LedgerEntryOut(Schema):
    id: int
    unit: str
    unit_name: str
    department: str
    department_name: str
    item: str | None = Field(description="the item's code; null for a bonus (the cycle's bonus)")
    kind: str = Field(description="deduction, bonus or note")
    kind_label: str
    date: str
    quarter: int
    points: str | None
    reason: str
    document: str
    state: str = Field(description="draft, returned, confirmed, voided or withdrawn; only confirmed counts")
    state_label: str
    comment: str
    version: int
    recorded_by: str | None
    recorded_at: datetime
    confirmed_at: datetime | None
    dispute_window_closes: str | None
    files: list[LedgerFileOut]
    dispute: LedgerDisputeOut | None


class LedgerPageOut(Schema):
    count: int
    page: int
    per_page: int
    entries: list[LedgerEntryOut]


class LedgerEntryIn(Schema):
    """Documentation only: read like ClaimIn (JSON numbers as Decimal)."""

    unit: str = Field(description="the unit's code (or name)")
    item: str = Field("", description="the item's code; empty for a bonus")
    kind: str = Field(description="deduction (扣分), bonus (加分) or note (记录)")
    date: str = Field(description="the date of the fact, in the cycle's year: 2018-03-12")
    points: Decimal | None = Field(None, description='on the cycle\'s step; none for a note: "0.5", 0.5')
    reason: str
    document: str = Field("", description="the document it comes from, e.g. 洛督〔2018〕12号")


class LedgerAnswerIn(Schema):
    """Documentation only: read like ClaimIn (JSON numbers as Decimal)."""

    decision: str = Field(description="upheld, changed or withdrawn")
    points: Decimal | None = Field(None, description="the new points when changed")
    reason: str


class LedgerAcceptIn(Schema):
    unit: str = Field("", description="a unit's code: its proposals (with `item`: one task)")
    item: str = Field("", description="with `unit`: one task")
    version: int | None = Field(None, description="with one task: the version you saw")
    all: bool = Field(False, description="every proposal of your department")


class LedgerAcceptOut(Schema):
    tasks: int
    changed: int


class LedgerOverrideIn(Schema):
    unit: str
    item: str
    points: Decimal
    reason: str
    version: int
