"""Retention: apply the versioned policies of ``schakel/audit/retention_policies.yaml``.

The periods and their citations are data; this module holds only the mechanism: for
each policy id that has a period, which records it covers, from which moment the
period runs, and what happens at expiry (erase a signal everywhere, tombstone a
share through the gate, clear screening excerpts, remove a closed case's texts). A
policy whose period is still ``null`` is shown but never applied. A legal hold on a
signal stops its expiry: its own hold, or a recipient's ongoing investigation (the
same holds that refuse an erasure request, :func:`schakel.services.rights.hold_of`).

:func:`run` applies everything that has expired in one transaction and writes ONE
audit entry for the batch (ids and counts, never personal data); ``dry_run`` only
reports. :class:`Scheduler` runs it in the web process every N minutes.
"""

import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, union
from sqlalchemy.orm import Session, sessionmaker

from schakel.audit import RetentionPolicy, retention_policies
from schakel.clock import utcnow
from schakel.errors import InvalidInput
from schakel.services import gate, rights
from schakel.services.keys import KeyMaterial
from schakel.store import audit_log
from schakel.store.models import (
    CaseAction,
    CaseAgendaItem,
    CaseConference,
    CaseContribution,
    CaseContributionGrant,
    CaseDecision,
    CaseMeeting,
    CaseMinute,
    ScreeningHit,
    Share,
    Signal,
)
from schakel.store.tenancy import Scope, scoped_transaction

log = logging.getLogger(__name__)

#: Policy ids this module applies (each must exist in the policies file).
APPLIED = (
    "signal_draft",
    "soft_signal_no_follow_up",
    "signal_picked_up",
    "registry_registration",
    "screening_hit_reviewed",
    "case_closed",
)
_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<min>\d+)M)?)?$"
)


def add_duration(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO 8601 duration; years and months are calendar months."""
    match = _DURATION.match(duration)
    if not match or duration in ("P", "PT"):
        raise InvalidInput(f"bewaartermijn: {duration!r} is geen ISO 8601-duur.")
    part = {k: int(v) for k, v in match.groupdict().items() if v}
    months = part.get("y", 0) * 12 + part.get("m", 0)
    day = rights.add_months(start.date(), months) if months else start.date()
    moved = datetime.combine(day, start.time())
    return moved + timedelta(
        weeks=part.get("w", 0),
        days=part.get("d", 0),
        hours=part.get("h", 0),
        minutes=part.get("min", 0),
    )


@dataclass(frozen=True)
class Due:
    """One record and the moment its policy lets it expire."""

    policy_id: str
    record_type: str  # signal | share | screening_hit | case
    record_id: int
    org_id: int
    expires_at: datetime


def _policies() -> dict[str, RetentionPolicy]:
    loaded = retention_policies()
    return {p.id: loaded.get(p.id) for p in loaded.policies if p.id in APPLIED}


def _signals(session: Session, periods: dict[str, str]) -> Iterator[Due]:
    rows = session.scalars(
        select(Signal).where(Signal.erased_at.is_(None), Signal.hold_ground.is_(None))
    ).all()
    picked: dict[int, datetime] = {}
    investigated: set[int] = set()
    for share in session.scalars(select(Share).where(Share.status.like("opgepakt%"))):
        last = picked.get(share.signal_id)
        if last is None or share.updated_at > last:
            picked[share.signal_id] = share.updated_at
        if share.status == rights.INVESTIGATION_STATUS:
            investigated.add(share.signal_id)
    for row in rows:
        if row.id in investigated:
            continue  # the legal hold of an investigation (see rights.hold_of)
        if row.status == "draft":
            policy, start = "signal_draft", row.updated_at
        elif row.id in picked:
            policy, start = "signal_picked_up", picked[row.id]
        else:
            policy, start = (
                "soft_signal_no_follow_up",
                row.submitted_at or row.created_at,
            )
        if policy in periods:
            expires = add_duration(start, periods[policy])
            yield Due(policy, "signal", row.id, row.org_id, expires)


def _registrations(session: Session, periods: dict[str, str]) -> Iterator[Due]:
    if "registry_registration" not in periods:
        return
    for share in session.scalars(
        select(Share).where(Share.purpose == "registration", Share.erased_at.is_(None))
    ):
        expires = add_duration(share.created_at, periods["registry_registration"])
        yield Due("registry_registration", "share", share.id, share.org_id, expires)


def _screening(session: Session, periods: dict[str, str]) -> Iterator[Due]:
    if "screening_hit_reviewed" not in periods:
        return
    for hit in session.scalars(
        select(ScreeningHit).where(
            ScreeningHit.status != "open", ScreeningHit.reviewed_at.is_not(None)
        )
    ):
        if not hit.excerpts and not hit.record_ref:
            continue  # already cleared
        assert hit.reviewed_at is not None
        expires = add_duration(hit.reviewed_at, periods["screening_hit_reviewed"])
        yield Due(
            "screening_hit_reviewed", "screening_hit", hit.id, hit.org_id, expires
        )


_CASE_TEXTS = (
    CaseContribution,
    CaseDecision,
    CaseAction,
    CaseMeeting,
    CaseAgendaItem,
    CaseMinute,
)


def _cases(session: Session, periods: dict[str, str]) -> Iterator[Due]:
    """Closed cases whose texts are still there; the period runs from closure."""
    if "case_closed" not in periods:
        return
    with_texts = set(session.scalars(union(*(select(t.case_id) for t in _CASE_TEXTS))))
    for case in session.scalars(
        select(CaseConference).where(CaseConference.closed_at.is_not(None))
    ):
        if case.id not in with_texts and case.outcome_reason_enc is None:
            continue  # already applied
        assert case.closed_at is not None
        expires = add_duration(case.closed_at, periods["case_closed"])
        yield Due("case_closed", "case", case.id, case.org_id, expires)


def case_retention_end(closed_at: datetime) -> datetime:
    """When a case closed at ``closed_at`` expires, from the policies file."""
    period = retention_policies().get("case_closed").period
    assert period is not None, "case_closed has a period (tested)"
    return add_duration(closed_at, period)


def _erase_case(session: Session, case_id: int) -> None:
    """Remove every text of an expired case (contributions with their gate
    decisions, decisions, actions, meetings, agenda, minutes, the closing reason);
    what remains is the tombstone: frame, purpose, participants, outcome, dates."""
    session.execute(
        delete(CaseContributionGrant).where(CaseContributionGrant.case_id == case_id)
    )
    for table in (CaseMinute, CaseAgendaItem, CaseMeeting, *_CASE_TEXTS[:3]):
        session.execute(delete(table).where(table.case_id == case_id))
    case = session.get(CaseConference, case_id)
    if case is not None:
        case.outcome_reason_enc = None


def schedule(session: Session) -> list[Due]:
    """Every record an applied policy covers, soonest expiry first.

    Runs in the session's scope: a privacy officer sees the own organisation's
    records (tenancy filters), the retention job sees all (system scope).
    """
    periods = {pid: p.period for pid, p in _policies().items() if p.period is not None}
    found = [
        *_signals(session, periods),
        *_registrations(session, periods),
        *_screening(session, periods),
        *_cases(session, periods),
    ]
    return sorted(found, key=lambda d: (d.expires_at, d.record_type, d.record_id))


@dataclass
class RunResult:
    dry_run: bool
    policies_version: int
    expired: list[Due] = field(default_factory=list)
    audit_seq: int | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for due in self.expired:
            out[due.policy_id] = out.get(due.policy_id, 0) + 1
        return out


def run(session: Session, keys: KeyMaterial, *, dry_run: bool = False) -> RunResult:
    """Apply every expired policy (system scope), one audit entry for the batch."""
    now = utcnow()
    result = RunResult(dry_run, retention_policies().version)
    result.expired = [d for d in schedule(session) if d.expires_at <= now]
    if dry_run or not result.expired:
        return result
    for due in result.expired:
        if due.record_type == "signal":
            row = session.get(Signal, due.record_id)
            if row is not None and row.erased_at is None:
                rights.erase_signal(session, row, keys)
        elif due.record_type == "share":
            share = session.get(Share, due.record_id)
            if share is not None:
                gate.erase_shares(session, [share], keys)
        elif due.record_type == "case":
            _erase_case(session, due.record_id)
        else:
            hit = session.get(ScreeningHit, due.record_id)
            if hit is not None:
                hit.excerpts = []
                hit.record_ref = ""
                hit.reason_text = ""
    session.flush()
    entry = audit_log.append(
        session,
        "retention.run",
        object_type="retention_batch",
        detail={
            "policies_version": result.policies_version,
            "counts": result.counts(),
            "signal_ids": [
                d.record_id for d in result.expired if d.record_type == "signal"
            ],
            "share_ids": [
                d.record_id for d in result.expired if d.record_type == "share"
            ],
            "screening_hit_ids": [
                d.record_id for d in result.expired if d.record_type == "screening_hit"
            ],
            "case_ids": [
                d.record_id for d in result.expired if d.record_type == "case"
            ],
        },
    )
    audit_log.seal(session)  # the run reports its entry's sequence number
    result.audit_seq = entry.seq
    return result


def run_system(
    factory: "sessionmaker[Session]", keys: KeyMaterial, *, dry_run: bool = False
) -> RunResult:
    """One retention batch in its own system-scope transaction."""
    with scoped_transaction(factory, Scope.system_wide()) as session:
        return run(session, keys, dry_run=dry_run)


class Scheduler:
    """Runs a job (retention; the daily audit checkpoint) every
    ``interval_minutes`` in a daemon thread of the web app.

    The first run comes after one interval (not at start-up), so a restart loop
    cannot hammer the database; a failed run is logged and retried next time.
    """

    def __init__(
        self,
        interval_minutes: float,
        job: Callable[[], object],
        name: str = "retention",
    ) -> None:
        self.interval = interval_minutes * 60
        self.job = job
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name=f"schakel-{self.name}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.job()
            except Exception:  # a failed run must not kill the scheduler
                log.exception("%s run failed", self.name)
