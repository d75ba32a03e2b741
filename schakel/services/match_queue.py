"""The durable hit/no-hit queue: matching runs after intake, not inside it.

Submitting a signal writes one :class:`~schakel.store.models.MatchJob` row in the
same transaction as the signal, its tokens and its person encodings, so nothing is
lost when the process stops: a committed signal has either its job or its finished
matching. A worker takes the jobs in submission order, compares each signal with
the other organisations' signals (:func:`schakel.services.matching.raise_alerts`),
writes the alerts with their audit entries and deletes the job, all in one
transaction. One worker runs at a time across every process (a PostgreSQL advisory
lock; SQLite's write lock), which keeps the order and makes each pair of signals
compared exactly once.

The web server (``schakel serve``) runs a :class:`Worker` thread that wakes when this
process commits a job and otherwise polls; ``schakel match run`` drains the queue
from the command line (cron, or after a bulk import without a running server).
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, load_only, sessionmaker

from schakel.clock import utcnow
from schakel.store.models import MatchJob, Signal
from schakel.store.tenancy import Scope, elevated, scoped_transaction

log = logging.getLogger(__name__)

_WORKER_LOCK_KEY = 7_304_221_002
_ENQUEUED_INFO_KEY = "schakel.match_jobs_enqueued"
#: Jobs per transaction; a batch also ends after :data:`BATCH_SECONDS` so that the
#: SQLite write lock is never held for long.
BATCH_SIZE = 500
BATCH_SECONDS = 0.2
#: Signals matched together (one set of queries per chunk).
CHUNK = 100
#: How long the worker lets newly committed jobs gather before a round.
GATHER_SECONDS = 0.25
#: After this many failed attempts a job stays in the queue for an operator
#: (``schakel match status``) instead of being retried on every round.
MAX_ATTEMPTS = 5

#: Set when this process committed new jobs; the worker waits on it.
work_available = threading.Event()


def enqueue(session: Session, signal: Signal) -> None:
    """Queue ``signal`` for matching, in the caller's (submitting) transaction."""
    enqueue_many(session, [(signal.id, signal.org_id)])


def enqueue_many(session: Session, signals: list[tuple[int, int]]) -> None:
    """Queue many ``(signal id, organisation id)`` pairs in one statement."""
    if not signals:
        return
    now = utcnow()
    session.execute(
        insert(MatchJob),
        [
            {"signal_id": s, "org_id": o, "created_at": now, "attempts": 0}
            for s, o in signals
        ],
    )
    session.info[_ENQUEUED_INFO_KEY] = True


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    if session.info.pop(_ENQUEUED_INFO_KEY, False):
        work_available.set()


@event.listens_for(Session, "after_soft_rollback")
def _forget_enqueued(session: Session, previous: object) -> None:
    if getattr(previous, "parent", None) is None:
        session.info.pop(_ENQUEUED_INFO_KEY, None)


def _try_lock(connection: Connection) -> bool:
    """Only one worker at a time (SQLite: the IMMEDIATE transaction already is)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _WORKER_LOCK_KEY}
        ).scalar()
    )


class MatchFailed(Exception):
    """Matching one queued signal failed; the batch it was in is rolled back."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"matching failed for queued job {job_id}")
        self.job_id = job_id


def process(
    session: Session,
    *,
    limit: int | None = BATCH_SIZE,
    seconds: float | None = BATCH_SECONDS,
) -> int:
    """Match up to ``limit`` queued signals in ``session``'s transaction, in order.

    Returns the number of jobs finished (matched, or dropped because the signal was
    erased or withdrawn meanwhile); 0 when another worker holds the queue.
    ``None`` for ``limit`` and ``seconds`` drains everything (the demo loader,
    tests). Raises :class:`MatchFailed` when a signal cannot be matched; the caller
    rolls back, so no alert of the batch is half-written (see :func:`run_pending`).
    """
    from schakel.services import matching

    started = time.monotonic()
    finished: list[int] = []
    with elevated(session):
        if not _try_lock(session.connection()):
            return 0
        query = (
            select(MatchJob.id, MatchJob.signal_id)
            .where(MatchJob.attempts < MAX_ATTEMPTS)
            .order_by(MatchJob.id)
        )
        jobs = [
            (int(job_id), int(signal_id))
            for job_id, signal_id in session.execute(
                query if limit is None else query.limit(limit)
            )
        ]
        signals = {
            s.id: s
            for s in session.scalars(
                select(Signal)
                .options(
                    load_only(
                        Signal.org_id,
                        Signal.reporter_user_id,
                        Signal.status,
                        Signal.erased_at,
                    )
                )
                .where(Signal.id.in_([signal_id for _job, signal_id in jobs]))
            )
        }
        # Chunks of the batch go through the matcher together (a few queries per
        # chunk); the time bound is checked between chunks.
        for start in range(0, len(jobs), CHUNK):
            if seconds is not None and time.monotonic() - started > seconds:
                break
            chunk = jobs[start : start + CHUNK]
            rows = [
                row
                for row in (signals.get(signal_id) for _job, signal_id in chunk)
                if row is not None and row.status == "submitted" and not row.erased_at
            ]
            try:
                with session.begin_nested():
                    matching.match_signals(session, rows)
            except Exception as exc:
                raise MatchFailed(_first_failing(session, chunk, rows)) from exc
            finished += [job_id for job_id, _signal in chunk]
        if finished:
            session.execute(
                delete(MatchJob)
                .where(MatchJob.id.in_(finished))
                .execution_options(synchronize_session=False)
            )
    return len(finished)


def _first_failing(
    session: Session, chunk: Sequence[tuple[int, int]], rows: list[Signal]
) -> int:
    """After a chunk failed: match its signals one by one to find the job to blame
    (each try in a savepoint; the caller rolls the whole batch back anyway)."""
    from schakel.services import matching

    job_of = {int(signal_id): int(job_id) for job_id, signal_id in chunk}
    for row in rows:
        try:
            with session.begin_nested():
                matching.match_signals(session, [row])
        except Exception:  # noqa: BLE001 - this is the one
            return job_of[row.id]
    return int(chunk[0][0])


def _record_failure(factory: "sessionmaker[Session]", failed: MatchFailed) -> None:
    """Count the failed attempt (and the error class, no message) in its own
    transaction; after :data:`MAX_ATTEMPTS` the job waits for an operator."""
    cause = failed.__cause__
    with scoped_transaction(factory, Scope.system_wide()) as session:
        session.execute(
            update(MatchJob)
            .where(MatchJob.id == failed.job_id)
            .values(
                attempts=MatchJob.attempts + 1,
                last_error=type(cause or failed).__name__[:100],
            )
            .execution_options(synchronize_session=False)
        )


def run_pending(
    factory: "sessionmaker[Session]",
    *,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Drain the queue in batches, each its own system transaction; jobs done.

    Stops at a job that fails (logged and counted, retried on the next call), so
    that later signals are never compared before it.
    """
    total = 0
    while True:
        try:
            with scoped_transaction(factory, Scope.system_wide()) as session:
                done = process(session)
        except MatchFailed as failed:
            log.exception("matching failed for queued job %s", failed.job_id)
            _record_failure(factory, failed)
            return total
        total += done
        if progress is not None:
            progress(total)
        if done == 0:
            return total


@dataclass(frozen=True)
class QueueStatus:
    """What waits: jobs, how many failed at least once, and the oldest's age."""

    pending: int
    failing: int
    stuck: int
    oldest: datetime | None


def status(session: Session) -> QueueStatus:
    with elevated(session):
        pending, failing, stuck, oldest = session.execute(
            select(
                func.count(MatchJob.id),
                func.count(MatchJob.id).filter(MatchJob.attempts > 0),
                func.count(MatchJob.id).filter(MatchJob.attempts >= MAX_ATTEMPTS),
                func.min(MatchJob.created_at),
            )
        ).one()
    return QueueStatus(int(pending), int(failing), int(stuck), oldest)


def retry_stuck(session: Session) -> int:
    """Give jobs that reached :data:`MAX_ATTEMPTS` a new round of attempts."""
    with elevated(session):
        jobs = session.scalars(
            select(MatchJob).where(MatchJob.attempts >= MAX_ATTEMPTS)
        ).all()
        for job in jobs:
            job.attempts = 0
    return len(jobs)


class Worker:
    """Drains the queue in a daemon thread of the web process.

    Wakes when this process commits a job (:data:`work_available`), after
    ``gather_seconds`` so that one round takes what arrived meanwhile, and
    polls every ``poll_seconds`` for jobs from other processes (other web workers,
    a bulk import on the command line). A failed round is logged and retried.
    """

    def __init__(
        self,
        factory: "sessionmaker[Session]",
        poll_seconds: float,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self.factory = factory
        self.poll = poll_seconds
        self.gather = gather_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="schakel-matching", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        work_available.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            # Let the signals submitted meanwhile join this round: under load one
            # round per commit spent a fifth of the server's CPU on the queue's
            # fixed cost (lock, job list, token and block queries).
            self._stop.wait(self.gather)
            work_available.clear()
            try:
                run_pending(self.factory)
            except Exception:  # a failed round must not kill the worker
                log.exception("matching round failed")
            work_available.wait(self.poll)
