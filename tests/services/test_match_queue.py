"""The durable hit/no-hit queue: a job is committed with its signal, alerts arrive
when the queue runs (worker thread or command), each pair is compared once, and a
failing job is retried, then parked, without blocking the rest for ever."""

import threading
import time

from sqlalchemy import func, select, text, update

from schakel.services import accounts, match_queue, matching
from schakel.services import signals as signal_service
from schakel.signals import SignalInput
from schakel.store.db import make_engine, make_session_factory
from schakel.store.models import (
    AuditEntry,
    MatchAlert,
    MatchJob,
    PersonEncoding,
    Signal,
)
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import keys_for_tests, user_id

KEYS = keys_for_tests()


def _payload(phone="0620001111", **extra):
    return {
        "forms": ["labour_exploitation"],
        "description": "Wachtrijtest (synthetisch).",
        "phones": [phone],
        **extra,
    }


def _submit(world, org, username, payload):
    with scoped_transaction(world.factory, Scope.for_org(org)) as session:
        actor = accounts.actor_for(session, user_id(world, username))
        return signal_service.save(
            session, actor, SignalInput.model_validate(payload), KEYS, submit=True
        ).id


def _count(world, model, *where):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _alerts_about(world, signal_id):
    return _count(
        world,
        MatchAlert,
        (MatchAlert.signal_id == signal_id) | (MatchAlert.other_signal_id == signal_id),
    )


def test_submission_commits_a_job_and_alerts_follow_from_the_queue(world):
    first = _submit(world, world.a.id, "utrecht.medewerker", _payload())
    second = _submit(world, world.b.id, "avim.medewerker", _payload("+31620001111"))
    assert _count(world, MatchJob, MatchJob.signal_id.in_([first, second])) == 2
    assert _alerts_about(world, second) == 0, "matching is not part of the request"
    assert match_queue.run_pending(world.factory) == 2
    assert _count(world, MatchJob) == 0
    # Exactly one pair, although both signals were queued when the queue ran.
    assert _alerts_about(world, second) == 2
    assert (
        _count(
            world,
            AuditEntry,
            AuditEntry.action == "match.hit",
            AuditEntry.object_ref.in_([str(first), str(second)]),
        )
        == 1
    )


def test_a_rolled_back_submission_leaves_no_job(world):
    before = _count(world, MatchJob)
    try:
        with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
            actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
            signal_service.save(
                session,
                actor,
                SignalInput.model_validate(_payload()),
                KEYS,
                submit=True,
            )
            raise RuntimeError("process stops before the commit")
    except RuntimeError:
        pass
    assert _count(world, MatchJob) == before


def test_jobs_survive_a_restart(world, engine):
    """A committed job is in the database, not in a process: a new engine (another
    process, or the same one restarted) finds and finishes it."""
    _submit(world, world.a.id, "utrecht.medewerker", _payload("0620002222"))
    theirs = _submit(world, world.b.id, "avim.medewerker", _payload("0620002222"))
    url = engine.url.render_as_string(hide_password=False)
    fresh = make_engine(url)
    try:
        assert match_queue.run_pending(make_session_factory(fresh)) == 2
    finally:
        fresh.dispose()
    assert _alerts_about(world, theirs) == 2


def test_an_erased_signal_is_dropped_from_the_queue(world):
    mine = _submit(world, world.a.id, "utrecht.medewerker", _payload("0620003333"))
    theirs = _submit(world, world.b.id, "avim.medewerker", _payload("0620003333"))
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        session.execute(
            text("UPDATE signals SET erased_at = created_at WHERE id = :i"),
            {"i": theirs},
        )
    assert match_queue.run_pending(world.factory) == 2
    assert _alerts_about(world, mine) == 0 and _count(world, MatchJob) == 0


def test_a_failing_job_is_counted_then_parked_and_can_be_retried(world):
    mine = _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        {
            **_payload("0620004444"),
            "persons": [
                {
                    "roles": ["possible_victim"],
                    "given_name": "Daria",
                    "surname": "Testescu",
                    "date_of_birth": "2001-03-09",
                }
            ],
        },
    )
    match_queue.run_pending(world.factory)
    theirs = _submit(
        world,
        world.b.id,
        "avim.medewerker",
        {
            **_payload("0620005555"),
            "persons": [
                {
                    "roles": ["possible_victim"],
                    "given_name": "Darja",
                    "surname": "Testesku",
                    "date_of_birth": "2001-03-09",
                }
            ],
        },
    )
    later = _submit(world, world.b.id, "avim.medewerker", _payload("0620006666"))
    # Damage the stored encoding the comparison needs: matching it must fail.
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        session.execute(
            update(PersonEncoding)
            .where(PersonEncoding.signal_id == mine)
            .values(encoding={"fields": {"date_of_birth": {"bloom": 42}}})
            .execution_options(synchronize_session=False)
        )
    assert match_queue.run_pending(world.factory) == 0
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        job = session.scalars(
            select(MatchJob).where(MatchJob.signal_id == theirs)
        ).one()
        assert job.attempts == 1 and job.last_error
        # Later jobs wait behind it, so no signal is compared before it.
        assert session.scalar(select(MatchJob.id).where(MatchJob.signal_id == later))
    for _ in range(match_queue.MAX_ATTEMPTS - 1):
        assert match_queue.run_pending(world.factory) == 0
    # Parked after the last attempt: the next round moves the rest of the queue on.
    assert match_queue.run_pending(world.factory) == 1
    assert _count(world, MatchJob, MatchJob.signal_id == later) == 0
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        status = match_queue.status(session)
        assert (status.pending, status.stuck) == (1, 1)
        assert match_queue.retry_stuck(session) == 1
    assert _count(world, MatchJob, MatchJob.attempts == 0) == 1


def test_the_worker_thread_wakes_on_a_commit(world):
    worker = match_queue.Worker(world.factory, poll_seconds=30)
    worker.start()
    try:
        _submit(world, world.a.id, "utrecht.medewerker", _payload("0620007777"))
        theirs = _submit(world, world.b.id, "avim.medewerker", _payload("0620007777"))
        deadline = time.monotonic() + 20
        while _alerts_about(world, theirs) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    # Far sooner than the 30-second poll: the commit woke the worker.
    assert _alerts_about(world, theirs) == 2


def test_concurrent_workers_compare_each_pair_once(world):
    signals = []
    for n in range(12):
        org, user = (
            (world.a.id, "utrecht.medewerker")
            if n % 2
            else (world.b.id, "avim.medewerker")
        )
        signals.append(_submit(world, org, user, _payload(f"06200088{n // 2:02d}")))
    errors = []

    def drain():
        try:
            match_queue.run_pending(world.factory)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    match_queue.run_pending(world.factory)
    assert not errors and _count(world, MatchJob) == 0
    # Six phone numbers, each shared by one signal of a and one of b: six pairs.
    hits = _count(
        world,
        AuditEntry,
        AuditEntry.action == "match.hit",
        AuditEntry.object_ref.in_([str(s) for s in signals]),
    )
    assert hits == 6
    assert _count(world, MatchAlert, MatchAlert.signal_id.in_(signals)) == 12


def test_single_and_batch_matching_agree(world):
    """The batch matcher gives the same hits whether signals come one at a time or
    together (the queue uses chunks)."""
    ids = [
        _submit(world, world.a.id, "utrecht.medewerker", _payload("0620009901")),
        _submit(world, world.b.id, "avim.medewerker", _payload("0620009901")),
        _submit(world, world.b.id, "avim.medewerker", _payload("0620009902")),
        _submit(world, world.a.id, "utrecht.medewerker", _payload("0620009902")),
    ]
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        rows = [session.get(Signal, i) for i in ids]
        hits = matching.match_signals(session, rows)
        together = {(h.own_signal, h.other_signal, h.kind) for h in hits}
        session.rollback()
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        one_by_one = set()
        for i in ids:
            row = session.get(Signal, i)
            one_by_one |= {
                (h.own_signal, h.other_signal, h.kind)
                for h in matching.match_signals(session, [row])
            }
            session.execute(
                text("DELETE FROM match_jobs WHERE signal_id = :i"), {"i": i}
            )
        session.rollback()
    assert (
        together
        == one_by_one
        == {
            (ids[1], ids[0], "phone"),
            (ids[3], ids[2], "phone"),
        }
    )
