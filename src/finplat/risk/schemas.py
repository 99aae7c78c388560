"""Request and response shapes of ``/admin/risk`` and ``/me/risk``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finplat.core.fields import MAX_ID, Instant, SingleLine, Text

UserId = Annotated[int, Field(gt=0, le=MAX_ID)]
Parameter = int | str | list[Annotated[str, Field(max_length=32)]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleOut(BaseModel):
    code: str
    kind: str
    enabled: bool
    severity: str
    parameters: dict[str, Any]
    version: int
    blocking: bool


class RuleVersionOut(RuleOut):
    changed_at: datetime
    changed_by: int | None = None


class RuleChange(Strict):
    enabled: bool | None = None
    severity: Literal["low", "medium", "high", "critical"] | None = None
    parameters: Annotated[dict[Annotated[str, Field(max_length=32)], Parameter] | None,
                          Field(max_length=16)] = None


class SnoozeRequest(Strict):
    user_id: UserId
    until_at: Instant
    reason: Annotated[SingleLine, Field(min_length=1, max_length=200)]


class SnoozeOut(BaseModel):
    rule_code: str
    user_id: int
    until_at: datetime
    reason: str


class AlertOut(BaseModel):
    id: int
    rule_code: str
    rule_version: int
    user_id: int
    severity: str
    status: str
    amount_minor: int
    factors: list[dict[str, Any]]
    occurrences: int
    business_date: date
    first_seen_at: datetime
    last_seen_at: datetime
    case_id: int | None = None


class CaseOpen(Strict):
    alert_ids: Annotated[list[UserId], Field(min_length=1, max_length=100)]
    assignee_id: UserId | None = None


class CaseAssign(Strict):
    assignee_id: UserId


class CaseClose(Strict):
    resolution: Literal["false_positive", "confirmed"]
    reason: Annotated[Text, Field(max_length=500)] = ""


class CaseNote(Strict):
    body: Annotated[Text, Field(min_length=1, max_length=2000)]


class NoteOut(BaseModel):
    id: int
    author_id: int
    body: str
    created_at: datetime


class CaseOut(BaseModel):
    id: int
    user_id: int
    status: str
    severity: str
    resolution: str | None = None
    resolution_reason: str | None = None
    assignee_id: int | None = None
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None = None
    reported_at: datetime | None = None
    age_hours: float
    overdue: bool
    alert_ids: list[int] = Field(default_factory=list)
    notes: list[NoteOut] = Field(default_factory=list)


class HeldPayoutOut(BaseModel):
    id: int
    kind: str
    subject_id: int
    user_id: int
    amount_minor: int
    currency: str
    rule_codes: list[str]
    status: str
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    created_at: datetime


class Decision(Strict):
    note: Annotated[SingleLine, Field(max_length=200)] = ""


class HoldOut(BaseModel):
    kind: str
    subject_id: int
    amount_minor: int
    created_at: datetime
    reason: str


class ReportRequest(Strict):
    type: Literal["large-value", "suspicious"]
    date: date
    format: Literal["csv", "json"] = "csv"


class ReportOut(BaseModel):
    id: int
    type: str
    business_date: date
    format: str
    rows: int
    generated_at: datetime
    generated_by: int | None = None


class ModelBinOut(BaseModel):
    key: str  # "0".."n" for the bins in order, "special", "missing"
    range: str
    share: float
    event_rate: float | None
    woe: float
    points: int


class ModelFeatureOut(BaseModel):
    name: str
    label_zh: str
    label_en: str
    coefficient: float
    information_value: float
    trend: str
    bins: list[ModelBinOut]


class ModelGradeOut(BaseModel):
    grade: str
    min_score: int | None
    max_pd: float | None
    limit_multiplier: int
    annual_rate: str | None


class ModelMetricsOut(BaseModel):
    set: str  # "train", "test"
    auc: float
    ks: float
    gini: float
    rows: int


class ModelTrainingOut(BaseModel):
    data_sha256: str
    rows: int
    bad_rate: float
    seed: int
    test_size: float
    trained_on: str | None
    libraries: dict[str, str]


class ScoreBandsOut(BaseModel):
    edges: list[float]


class ModelCardOut(BaseModel):
    version: str
    format: str
    training: ModelTrainingOut
    metrics: list[ModelMetricsOut]
    scaling: dict[str, float]
    base_points: int
    features: list[ModelFeatureOut]
    grades: list[ModelGradeOut]
    score_bands: ScoreBandsOut


class DriftBucketOut(BaseModel):
    key: str
    label: str
    expected: float
    actual: float | None  # None: no decisions in the window


DriftStatus = Literal["stable", "watch", "shifted", "no_data"]


class DriftScoreOut(BaseModel):
    psi: float | None
    status: DriftStatus
    buckets: list[DriftBucketOut]


class DriftFeatureOut(DriftScoreOut):
    name: str
    label_zh: str
    label_en: str


class DriftBandsOut(BaseModel):
    watch: float
    shifted: float


class DriftOut(BaseModel):
    model_version: str
    window_days: int
    from_at: datetime
    to_at: datetime
    decisions: int
    status: DriftStatus
    bands: DriftBandsOut
    score: DriftScoreOut
    features: list[DriftFeatureOut]
