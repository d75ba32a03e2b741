"""Retention by moving the clock: what expired is erased, nothing else is touched,
and one audit entry records the batch."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from schakel import clock
from schakel.audit import retention_policies
from schakel.errors import InvalidInput
from schakel.services import retention, screening_review
from schakel.store import audit_log
from schakel.store.models import (
    AuditEntry,
    PersonEncoding,
    ScreeningHit,
    Share,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import Scope, scoped_transaction
from tests.services.rights_helpers import (
    KEYS,
    PHONE,
    actor,
    save_signal,
    set_share_status,
    share,
    signal_about,
)

DAY = 86400


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()


def test_every_applied_policy_exists_and_has_a_period():
    policies = {p.id: p for p in retention_policies().policies}
    for policy_id in retention.APPLIED:
        assert policies[policy_id].period
        assert "platformkeuze" in policies[policy_id].period_nl


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P1Y", datetime(2027, 1, 31, 12)),
        ("P1M", datetime(2026, 2, 28, 12)),
        ("P3M", datetime(2026, 4, 30, 12)),
        ("PT8H", datetime(2026, 1, 31, 20)),
        ("P2DT1H", datetime(2026, 2, 2, 13)),
    ],
)
def test_add_duration(duration, expected):
    assert retention.add_duration(datetime(2026, 1, 31, 12), duration) == expected


def test_invalid_duration_is_refused():
    with pytest.raises(InvalidInput, match="ISO 8601"):
        retention.add_duration(datetime(2026, 1, 1), "drie maanden")


def _state(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        signals = {
            s.id: (s.erased_at is not None, s.content_enc)
            for s in session.scalars(select(Signal))
        }
        tokens = {t.signal_id for t in session.scalars(select(SignalToken))} | {
            p.signal_id for p in session.scalars(select(PersonEncoding))
        }
        hits = {h.id: list(h.excerpts) for h in session.scalars(select(ScreeningHit))}
        shares = {s.id: s.erased_at is not None for s in session.scalars(select(Share))}
        audit = session.scalar(select(func.count()).select_from(AuditEntry))
    return signals, tokens, hits, shares, audit


def test_retention_by_moving_the_clock(world):
    world_signals = world.a.records["signal_id"] + world.b.records["signal_id"]
    draft = save_signal(
        world, "utrecht.medewerker", signal_about("Ana", "Concept"), submit=False
    )
    soft = save_signal(
        world, "utrecht.medewerker", signal_about("Ana", "Zacht", phone=PHONE)
    )
    picked = save_signal(world, "utrecht.medewerker", signal_about("Ana", "Opgepakt"))
    picked_share = share(
        world, "utrecht.medewerker", picked, world.b.id, serious_danger=True
    )
    [hit] = world.b.records["hit_id"]
    reviewer = actor(world, "avim.medewerker")
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        screening_review.dismiss_hit(session, reviewer, hit, "already_known")

    clock.shift(200 * DAY)
    set_share_status(world, "avim.medewerker", picked_share, "opgepakt_onderzoek")
    fresh = save_signal(world, "avim.medewerker", signal_about("Ana", "Vers"))

    clock.shift(200 * DAY)  # 400 days after the start
    before = _state(world)
    dry = retention.run_system(world.factory, KEYS, dry_run=True)
    expected_signals = {draft, soft, *world_signals}
    assert {d.record_id for d in dry.expired if d.record_type == "signal"} == (
        expected_signals
    )
    assert {d.record_id for d in dry.expired if d.record_type == "screening_hit"} == {
        hit
    }
    assert dry.counts()["signal_draft"] == 1
    assert _state(world) == before  # a dry run changes nothing

    result = retention.run_system(world.factory, KEYS)
    assert result.counts() == dry.counts() and result.audit_seq is not None
    signals, tokens, hits, shares, audit = _state(world)
    assert audit == before[4] + 1  # one entry for the whole batch
    for signal_id, (erased, content) in signals.items():
        if signal_id in expected_signals:
            assert erased and content != before[0][signal_id][1]
            assert signal_id not in tokens
        else:  # untouched, byte for byte
            assert (erased, content) == before[0][signal_id]
    assert {picked, fresh} <= tokens
    assert hits[hit] == [] and before[2][hit]
    # shares made from erased signals are tombstoned; the picked-up one is not
    assert shares[picked_share] is False
    assert all(
        shares[s] for s in world.a.records["share_id"] + world.b.records["share_id"]
    )

    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.run")
        ).one()
        assert set(entry.detail["signal_ids"]) == expected_signals
        assert entry.detail["policies_version"] == retention_policies().version
        assert audit_log.verify(session)[1] is None

    again = retention.run_system(world.factory, KEYS)
    assert again.expired == [] and again.audit_seq is None
    assert _state(world)[4] == audit


def test_the_schedule_in_an_organisation_scope_shows_only_own_records(world):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        due = retention.schedule(session)
    assert due and {d.org_id for d in due} == {world.a.id}
    assert due == sorted(due, key=lambda d: d.expires_at)


def test_the_scheduler_runs_its_job_and_stops(world):
    import threading

    ran = threading.Event()
    scheduler = retention.Scheduler(0.001, ran.set)  # every 60 ms
    scheduler.start()
    assert ran.wait(5)
    scheduler.stop()


def test_an_investigation_holds_the_signal_and_a_care_pick_up_expires(world):
    """The same hold that refuses an erasure request stops retention; a signal
    picked up for care expires two years after the last follow-up."""
    investigated = save_signal(
        world, "utrecht.medewerker", signal_about("Ana", "Onderzocht")
    )
    cared = save_signal(world, "utrecht.medewerker", signal_about("Ana", "Zorg"))
    shares = {
        signal_id: share(
            world, "utrecht.medewerker", signal_id, world.b.id, serious_danger=True
        )
        for signal_id in (investigated, cared)
    }
    set_share_status(
        world, "avim.medewerker", shares[investigated], "opgepakt_onderzoek"
    )
    set_share_status(world, "avim.medewerker", shares[cared], "opgepakt_zorgtraject")
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        due = {d.record_id: d for d in retention.schedule(session)}
    assert investigated not in due
    assert due[cared].policy_id == "signal_picked_up"

    clock.shift(2 * 366 * DAY)
    result = retention.run_system(world.factory, KEYS)
    erased = {d.record_id for d in result.expired if d.record_type == "signal"}
    assert cared in erased and investigated not in erased
    signals = _state(world)[0]
    assert signals[cared][0] and not signals[investigated][0]


def _case_texts(world, case_id):
    from schakel.store.models import (
        CaseAction,
        CaseContribution,
        CaseContributionGrant,
        CaseDecision,
        CaseMeeting,
        CaseMinute,
    )

    tables = (
        CaseContribution,
        CaseContributionGrant,
        CaseDecision,
        CaseAction,
        CaseMeeting,
        CaseMinute,
    )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return {
            t.__tablename__: session.scalar(
                select(func.count()).select_from(t).where(t.case_id == case_id)
            )
            for t in tables
        }


def test_a_closed_case_loses_its_texts_two_years_after_closure(world):
    from schakel.services import cases
    from schakel.store.models import CaseConference
    from tests.services.test_cases import (
        LEAD,
        _accept,
        _contribute,
        _open,
        acting,
    )

    closed, running = _open(world), _open(world)
    for case_id in (closed, running):
        _accept(world, case_id)
        _contribute(world, LEAD, case_id)
        with acting(world, LEAD) as (session, lead):
            cases.record_decision(
                session, lead, KEYS, case_id, "Besluit (synth.)", "Motivering"
            )
            meeting = cases.add_meeting(
                session, lead, KEYS, case_id, clock.utcnow().date(), "Overleg"
            )
            cases.add_minute(session, lead, KEYS, case_id, meeting.id, "Notulen")
            today = clock.utcnow().date()
            cases.add_action(session, lead, KEYS, case_id, "Bel", lead.user_id, today)
    with acting(world, LEAD) as (session, lead):
        cases.close(session, lead, KEYS, closed, "geen_vervolg", "Reden (synth.)")
    before = {c: _case_texts(world, c) for c in (closed, running)}
    assert all(before[closed].values()) and before[closed] == before[running]
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        due = [d for d in retention.schedule(session) if d.record_type == "case"]
        case = session.get(CaseConference, closed)
        assert case is not None and case.retention_until is not None
        assert [(d.record_id, d.expires_at) for d in due] == [
            (closed, case.retention_until)
        ]

    def expired_cases(result):
        return [d.record_id for d in result.expired if d.record_type == "case"]

    clock.shift(365 * DAY)
    assert expired_cases(retention.run_system(world.factory, KEYS)) == []
    assert _case_texts(world, closed) == before[closed]
    clock.shift(366 * DAY)
    assert expired_cases(retention.run_system(world.factory, KEYS)) == [closed]
    assert not any(_case_texts(world, closed).values())
    assert _case_texts(world, running) == before[running]  # nothing else touched
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        case = session.get(CaseConference, closed)
        assert case is not None
        assert case.outcome == "geen_vervolg" and case.outcome_reason_enc is None
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.run")
        ).all()
        assert [e.detail["case_ids"] for e in entries] == [[], [closed]]
        assert audit_log.verify(session)[1] is None
    assert expired_cases(retention.run_system(world.factory, KEYS)) == []
