"""Pydantic schemas of the screening API (``/api/v1/screen``, batches and hits)."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from schakel.services.screening_review import (
    MAX_API_RECORDS,
    MAX_REASON_TEXT,
    MAX_REF_LENGTH,
    DismissReason,
    HitStatus,
)
from schakel.vocabulary import ExploitationForm

RecordId = (
    Annotated[str, StringConstraints(min_length=1, max_length=MAX_REF_LENGTH)]
    | StrictInt
)


class ScreenRecord(BaseModel):
    """One record to screen: its id in the source system and its text."""

    model_config = ConfigDict(extra="forbid")

    id: RecordId
    text: Annotated[str, Field(max_length=100_000)]


class ScreenRequest(BaseModel):
    """Up to 1,000 records; nothing is stored, only counted in the audit log."""

    model_config = ConfigDict(extra="forbid")

    records: Annotated[
        list[ScreenRecord], Field(min_length=1, max_length=MAX_API_RECORDS)
    ]


class IndicatorPublic(BaseModel):
    """A matched span; ``text == record text[start:end]``."""

    code: str
    start: int
    end: int
    text: str
    negated: bool


class ScreenResultPublic(BaseModel):
    """The contract result of spec/screening.md for one record."""

    id: str | int
    flagged: bool
    score: float
    types: list[ExploitationForm]
    indicators: list[IndicatorPublic]


class ScreenResultsPublic(BaseModel):
    data: list[ScreenResultPublic]
    count: int
    flagged: int


class ScreeningBatchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    user_id: int
    name: str
    input_format: str
    lexicon_version: str
    lines_read: int
    screened: int
    flagged: int
    skipped: int
    problems: list[str]
    created_at: datetime


class ScreeningBatchesPublic(BaseModel):
    data: list[ScreeningBatchPublic]
    count: int


class ExcerptPublic(BaseModel):
    """Part of the record around the spans; ``start`` is its offset in the record."""

    start: int
    text: str
    more: bool = False


class ScreeningHitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    batch_id: int
    line: int
    record_ref: str
    score: float
    types: list[ExploitationForm]
    indicators: list[IndicatorPublic]
    excerpts: list[ExcerptPublic]
    status: HitStatus
    reviewer_id: int | None
    reviewed_at: datetime | None
    reason: DismissReason | None
    reason_text: str


class ScreeningBatchDetail(BaseModel):
    batch: ScreeningBatchPublic
    hits: list[ScreeningHitPublic]


class HitAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(max_length=MAX_REASON_TEXT)] = ""


class HitDismiss(BaseModel):
    """A dismissal needs a reason; ``other`` also needs a note."""

    model_config = ConfigDict(extra="forbid")

    reason: DismissReason
    note: Annotated[str, Field(max_length=MAX_REASON_TEXT)] = ""
