"""What the API sends and accepts. Points travel as decimal strings ("1.5", "2"), never floats."""

from datetime import date, datetime
from decimal import Decimal

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
