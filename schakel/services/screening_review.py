"""The screening review queue: upload a batch, screen it, review each flagged record.

Only organisations that investigate or inspect (police, KMar, the Labour
Inspectorate) screen their own registrations, and only their professionals and
coordinators. A batch is screened and stored in one transaction: either every
flagged record becomes an open hit, or nothing is saved.

What is stored is deliberately little: counts, the line numbers and reasons of
unusable lines, and per flagged record its reference, score, forms, the matched
spans and a short excerpt around them (:data:`CONTEXT_CHARS` either side). The full
record stays in the source system. Audit entries hold counts, ids and reason codes,
never text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.screening import Screener, ScreenResult
from schakel.screening._records import (
    BadLine,
    MissingColumn,
    Record,
    read_csv,
    read_jsonl,
)
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.store import audit_log
from schakel.store.models import ScreeningBatch, ScreeningHit
from schakel.vocabulary import OrgType, Role

#: Organisation types that screen their own registrations for signals.
SCREENING_ORG_TYPES = frozenset(
    {OrgType.POLICE, OrgType.KMAR, OrgType.LABOUR_INSPECTORATE}
)
SCREENING_ROLES = (Role.PROFESSIONAL, Role.COORDINATOR)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 20_000
MAX_API_RECORDS = 1_000
MAX_REF_LENGTH = 200
MAX_NAME_LENGTH = 200
MAX_REASON_TEXT = 1_000
#: Characters kept either side of the matched spans; the rest of a record is not
#: stored.
CONTEXT_CHARS = 100
#: Line problems kept on a batch (the count in ``skipped`` is always complete).
MAX_PROBLEMS = 100


class HitStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class DismissReason(StrEnum):
    """Why a reviewer dismissed a hit; feeds the evaluation set."""

    NO_EXPLOITATION = "no_exploitation"
    ALREADY_KNOWN = "already_known"
    INSUFFICIENT = "insufficient_indications"
    MISREAD = "misread"
    OTHER = "other"


class InvalidUpload(InvalidInput):
    """An upload that cannot be screened; ``problems`` lists the bad lines."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


# --------------------------------------------------------------- the screener

_lock = threading.Lock()


@cache
def _screener() -> Screener:
    """One screener per process: building it compiles the lexicon (seconds)."""
    return Screener()


def screen_texts(texts: Iterable[str]) -> list[ScreenResult]:
    """Screen texts in order with the process's screener.

    The screener rebuilds its vocabulary now and then (see ``Screener._compile``),
    so it is not safe to share between threads: requests take turns.
    """
    with _lock:
        return list(_screener().screen_many(texts))


def lexicon_version() -> str:
    return _screener().lexicon.version


# --------------------------------------------------------------- permissions


def may_screen(actor: Actor) -> bool:
    """Whether ``actor`` may use screening (organisation type and role)."""
    return actor.org_type in SCREENING_ORG_TYPES and actor.has(*SCREENING_ROLES)


def require_screening(actor: Actor) -> None:
    if actor.org_type not in SCREENING_ORG_TYPES:
        raise NotPermitted(
            "Screening is alleen beschikbaar voor politie, KMar en Arbeidsinspectie."
        )
    if not actor.has(*SCREENING_ROLES):
        raise NotPermitted("Uw rol geeft geen toegang tot screening.")


# --------------------------------------------------------------- screening only


@dataclass(frozen=True)
class RecordResult:
    """The contract result of one record (spec/screening.md) with its id."""

    id: str | int
    result: ScreenResult

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, **self.result.to_dict()}


def screen_records(
    session: Session, actor: Actor, records: Sequence[tuple[str | int, str]]
) -> list[RecordResult]:
    """Screen records without storing them (``POST /api/v1/screen``); audited by
    count only."""
    require_screening(actor)
    if len(records) > MAX_API_RECORDS:
        raise InvalidInput(f"records: maximaal {MAX_API_RECORDS} per verzoek.")
    results = screen_texts(text for _, text in records)
    flagged = sum(r.flagged for r in results)
    audit_log.append(
        session,
        "screening.screen",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="screening",
        ruleset_version=lexicon_version(),
        detail={"records": len(records), "flagged": flagged},
    )
    return [
        RecordResult(rid, result)
        for (rid, _), result in zip(records, results, strict=True)
    ]


# --------------------------------------------------------------- excerpts


def excerpt_windows(
    text: str, spans: Iterable[tuple[int, int]], context: int = CONTEXT_CHARS
) -> list[dict[str, Any]]:
    """Merged windows of ``context`` characters around each span.

    >>> excerpt_windows("abcdefghij", [(2, 3), (5, 6)], context=1)
    [{'start': 1, 'text': 'bcdefg', 'more': True}]
    >>> [w["text"] for w in excerpt_windows("abcdefghij", [(0, 1), (8, 9)], context=1)]
    ['ab', 'hij']
    """
    windows: list[list[int]] = []
    for start, end in sorted(spans):
        lo, hi = max(0, start - context), min(len(text), end + context)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    return [
        {"start": lo, "text": text[lo:hi], "more": hi < len(text)} for lo, hi in windows
    ]


@dataclass(frozen=True)
class Segment:
    """A piece of an excerpt for display; ``marked`` pieces are matched spans."""

    text: str
    marked: bool
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExcerptView:
    start: int
    leading_gap: bool
    trailing_gap: bool
    segments: tuple[Segment, ...]


def highlight(hit: ScreeningHit) -> list[ExcerptView]:
    """Split each stored excerpt into plain and marked segments.

    Only indicators that count are marked; overlapping spans merge into one mark.
    """
    counted = [i for i in hit.indicators if not i.get("negated")]
    views = []
    for index, excerpt in enumerate(hit.excerpts):
        lo = int(excerpt["start"])
        text = str(excerpt["text"])
        hi = lo + len(text)
        spans = sorted(
            (max(lo, int(i["start"])), min(hi, int(i["end"])), str(i["code"]))
            for i in counted
            if int(i["start"]) < hi and int(i["end"]) > lo
        )
        merged: list[list[Any]] = []
        for start, end, code in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                if code not in merged[-1][2]:
                    merged[-1][2].append(code)
            else:
                merged.append([start, end, [code]])
        segments: list[Segment] = []
        cursor = lo
        for start, end, codes in merged:
            if start > cursor:
                segments.append(Segment(text[cursor - lo : start - lo], False))
            segments.append(Segment(text[start - lo : end - lo], True, tuple(codes)))
            cursor = end
        if cursor < hi:
            segments.append(Segment(text[cursor - lo :], False))
        views.append(
            ExcerptView(
                start=lo,
                leading_gap=lo > 0 or index > 0,
                trailing_gap=bool(excerpt.get("more")),
                segments=tuple(segments),
            )
        )
    return views


# --------------------------------------------------------------- upload


@dataclass(frozen=True)
class _Read:
    records: list[Record]
    problems: list[str]
    lines_read: int


def _nl_int(number: int) -> str:
    """Thousands with a dot, as Dutch readers expect: ``20.000``."""
    return f"{number:,}".replace(",", ".")


def _lines(data: bytes) -> Iterator[bytes]:
    return iter(data.splitlines(keepends=True))


def _read(data: bytes, input_format: str, id_field: str, text_field: str) -> _Read:
    reader = read_csv if input_format == "csv" else read_jsonl
    records: list[Record] = []
    problems: list[str] = []
    read = 0
    try:
        for item in reader(_lines(data), id_field, text_field):
            read += 1
            if isinstance(item, BadLine):
                problems.append(item.message())
                continue
            if len(str(item.id)) > MAX_REF_LENGTH:
                problems.append(
                    BadLine(
                        item.line,
                        f"veld '{id_field}' is langer dan {MAX_REF_LENGTH} tekens",
                    ).message()
                )
                continue
            records.append(item)
            if len(records) > MAX_RECORDS:
                raise InvalidUpload(
                    f"Het bestand bevat meer dan {_nl_int(MAX_RECORDS)} records; "
                    "splits het in kleinere bestanden."
                )
    except MissingColumn as exc:
        raise InvalidUpload(f"Ongeldig CSV-bestand: {exc}.") from exc
    return _Read(records, problems, read)


def detect_format(filename: str, chosen: str | None = None) -> str:
    """``jsonl`` or ``csv``: the chosen format, otherwise from the file name."""
    if chosen in ("jsonl", "csv"):
        return chosen
    if chosen:
        raise InvalidInput(f"formaat: kies jsonl of csv, niet '{chosen}'.")
    return "csv" if filename.lower().endswith(".csv") else "jsonl"


def upload_batch(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    name: str,
    input_format: str = "jsonl",
    id_field: str = "id",
    text_field: str = "text",
    strict: bool = False,
) -> ScreeningBatch:
    """Screen an uploaded file and keep its flagged records as open hits.

    Unusable lines are skipped and listed by line number (``strict`` refuses the
    whole file instead). Raises :class:`InvalidUpload` for an empty or too large
    file, or one without any usable record; nothing is saved then.
    """
    require_screening(actor)
    if input_format not in ("jsonl", "csv"):
        raise InvalidInput(f"formaat: kies jsonl of csv, niet '{input_format}'.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidUpload(
            f"Het bestand is groter dan {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
            "splits het in kleinere bestanden."
        )
    if not data.strip():
        raise InvalidUpload("Het bestand is leeg (regel 1).")
    read = _read(data, input_format, id_field, text_field)
    if strict and read.problems:
        raise InvalidUpload(
            "Het bestand bevat onbruikbare regels; er is niets opgeslagen.",
            read.problems,
        )
    if not read.records:
        raise InvalidUpload(
            "Het bestand bevat geen bruikbare records; er is niets opgeslagen.",
            read.problems,
        )
    results = screen_texts(r.text for r in read.records)
    batch = ScreeningBatch(
        org_id=actor.org_id,
        user_id=actor.user_id,
        name=(name.strip() or "upload")[:MAX_NAME_LENGTH],
        input_format=input_format,
        lexicon_version=lexicon_version(),
        lines_read=read.lines_read,
        screened=len(read.records),
        flagged=sum(r.flagged for r in results),
        skipped=len(read.problems),
        problems=read.problems[:MAX_PROBLEMS],
    )
    session.add(batch)
    session.flush()
    for record, result in zip(read.records, results, strict=True):
        if not result.flagged:
            continue
        indicators = [h.to_dict() for h in result.indicators]
        session.add(
            ScreeningHit(
                org_id=actor.org_id,
                batch_id=batch.id,
                line=record.line,
                record_ref=str(record.id),
                score=result.score,
                types=[t.value for t in result.types],
                indicators=indicators,
                excerpts=excerpt_windows(
                    record.text, [(h.start, h.end) for h in result.indicators]
                ),
                status=HitStatus.OPEN.value,
                reason_text="",
            )
        )
    session.flush()
    audit_log.append(
        session,
        "screening.upload",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="screening_batch",
        object_ref=batch.id,
        ruleset_version=batch.lexicon_version,
        detail={
            "format": input_format,
            "read": batch.lines_read,
            "screened": batch.screened,
            "flagged": batch.flagged,
            "skipped": batch.skipped,
        },
    )
    return batch


# --------------------------------------------------------------- reading


@dataclass(frozen=True)
class BatchSummary:
    batch: ScreeningBatch
    open_hits: int


def list_batches(
    session: Session, actor: Actor, limit: int = 100
) -> list[BatchSummary]:
    """The organisation's batches, newest first, with their open hit counts."""
    require_screening(actor)
    batches = list(
        session.scalars(
            select(ScreeningBatch)
            .order_by(ScreeningBatch.created_at.desc(), ScreeningBatch.id.desc())
            .limit(limit)
        )
    )
    open_counts: dict[int, int] = {}
    if batches:
        rows = session.execute(
            select(ScreeningHit.batch_id, func.count())
            .where(
                ScreeningHit.batch_id.in_([b.id for b in batches]),
                ScreeningHit.status == HitStatus.OPEN.value,
            )
            .group_by(ScreeningHit.batch_id)
        ).all()
        open_counts = {int(batch_id): int(count) for batch_id, count in rows}
    return [BatchSummary(b, open_counts.get(b.id, 0)) for b in batches]


def get_batch(
    session: Session, actor: Actor, batch_id: int, *, audited: bool = True
) -> tuple[ScreeningBatch, list[ScreeningHit]]:
    """A batch with its hits (open first, then by score). Another organisation's
    batch is not found, not forbidden: its existence is not revealed.

    ``audited=False`` only for showing the batch again right after a review of one
    of its hits (that review is audited itself)."""
    batch = session.scalars(
        select(ScreeningBatch).where(ScreeningBatch.id == batch_id)
    ).first()
    if batch is None:
        raise NotFound("Deze screening bestaat niet of is niet van uw organisatie.")
    require_screening(actor)
    hits = list(
        session.scalars(
            select(ScreeningHit)
            .where(ScreeningHit.batch_id == batch.id)
            .order_by(ScreeningHit.line, ScreeningHit.id)
        )
    )
    hits.sort(key=lambda h: (h.status != HitStatus.OPEN.value, -h.score, h.line))
    if not audited:
        return batch, hits
    audit_log.append(
        session,
        "screening.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="screening_batch",
        object_ref=batch.id,
    )
    return batch, hits


def _open_hit(session: Session, actor: Actor, hit_id: int) -> ScreeningHit:
    hit = session.scalars(select(ScreeningHit).where(ScreeningHit.id == hit_id)).first()
    if hit is None:
        raise NotFound("Deze treffer bestaat niet of is niet van uw organisatie.")
    require_screening(actor)
    if hit.status != HitStatus.OPEN.value:
        raise InvalidInput("Deze treffer is al beoordeeld.")
    return hit


def _clean_text(value: str, field: str) -> str:
    value = value.strip()
    if len(value) > MAX_REASON_TEXT:
        raise InvalidInput(f"{field}: maximaal {MAX_REASON_TEXT} tekens.")
    return value


# --------------------------------------------------------------- review


def accept_hit(
    session: Session, actor: Actor, hit_id: int, keys: KeyMaterial, note: str = ""
) -> ScreeningHit:
    """Accept a hit: it becomes a signal through the normal intake, linked to the
    record reference, in the same transaction as the acceptance."""
    hit = _open_hit(session, actor, hit_id)
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput, SignalSource

    excerpt = " … ".join(str(e["text"]) for e in hit.excerpts)
    content = SignalInput(
        source=SignalSource.SCREENING_HIT,
        forms=list(hit.types),
        indicators=sorted({str(i["code"]) for i in hit.indicators}),
        description=f"Screeningtreffer, registratie {hit.record_ref}: {excerpt}"[
            :10_000
        ],
    )
    signal = signal_service.save(session, actor, content, keys, submit=True)
    hit.signal_id = signal.id
    hit.status = HitStatus.ACCEPTED.value
    hit.reason = None
    hit.reason_text = _clean_text(note, "toelichting")
    hit.reviewer_id = actor.user_id
    hit.reviewed_at = utcnow()
    session.flush()
    audit_log.append(
        session,
        "screening.accept",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="screening_hit",
        object_ref=hit.id,
        detail={
            "batch_id": hit.batch_id,
            "types": list(hit.types),
            "signal_id": hit.signal_id,
        },
    )
    return hit


def dismiss_hit(
    session: Session,
    actor: Actor,
    hit_id: int,
    reason: str | None,
    note: str = "",
) -> ScreeningHit:
    """Dismiss a hit with a reason (required; "other" also needs a note)."""
    if not reason:
        raise InvalidInput("reden: kies waarom u de treffer afwijst.")
    try:
        code = DismissReason(reason)
    except ValueError:
        allowed = ", ".join(r.value for r in DismissReason)
        raise InvalidInput(
            f"reden: '{reason}' is geen bekende reden (kies uit {allowed})."
        ) from None
    text = _clean_text(note, "toelichting")
    if code is DismissReason.OTHER and not text:
        raise InvalidInput("toelichting: licht de reden 'anders' toe.")
    hit = _open_hit(session, actor, hit_id)
    hit.status = HitStatus.DISMISSED.value
    hit.reason = code.value
    hit.reason_text = text
    hit.reviewer_id = actor.user_id
    hit.reviewed_at = utcnow()
    session.flush()
    audit_log.append(
        session,
        "screening.dismiss",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="screening_hit",
        object_ref=hit.id,
        detail={"batch_id": hit.batch_id, "reason": code.value},
    )
    return hit


def get_hit(session: Session, actor: Actor, hit_id: int) -> ScreeningHit:
    hit = session.scalars(select(ScreeningHit).where(ScreeningHit.id == hit_id)).first()
    if hit is None:
        raise NotFound("Deze treffer bestaat niet of is niet van uw organisatie.")
    require_screening(actor)
    return hit


# --------------------------------------------------------------- feedback


def review_feedback(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Reviewed hits as development-set lines (``tests/data/screening_dev.jsonl``).

    A dismissal is a labelled negative (``flagged: false``) and an acceptance a
    positive with the hit's forms. The text is the stored excerpt, so the lines
    still hold fragments of real registrations: anonymise them by hand before they
    go anywhere near a repository.
    """
    require_screening(actor)
    hits = session.scalars(
        select(ScreeningHit)
        .where(ScreeningHit.status != HitStatus.OPEN.value)
        .order_by(ScreeningHit.id)
    )
    lines = []
    for hit in hits:
        accepted = hit.status == HitStatus.ACCEPTED.value
        lines.append(
            {
                "id": f"review-{hit.id}",
                "source": actor.org_type.value,
                "text": " … ".join(str(e["text"]) for e in hit.excerpts),
                "flagged": accepted,
                "types": list(hit.types) if accepted else [],
                "split": "review",
                "review": hit.status,
                "reason": hit.reason,
            }
        )
    return lines
