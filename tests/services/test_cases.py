"""Case conferences: access per participant, role and stage; the share gate on every
contribution; the late joiner; closure; bad input."""

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from schakel import clock
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.services import accounts, cases, gate
from schakel.store.guards import GateBypass
from schakel.store.models import (
    AuditEntry,
    CaseAction,
    CaseContributionGrant,
    CaseDecision,
    CaseParticipant,
    MatchAlert,
)
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import Covenant, OrgType, Purpose, Region
from tests.factory import keys_for_tests, user_id

KEYS = keys_for_tests()
LEAD, WORKER = "utrecht.analist", "utrecht.medewerker"
PARTNER, PARTNER_WORKER = "avim.analist", "avim.medewerker"
SECRET = "Zij verblijft nu bij een tante in Overvecht (synthetisch)."


@contextmanager
def acting(world, username: str) -> Iterator[tuple]:
    uid = user_id(world, username)
    org = world.a if username.startswith("utrecht") else world.b
    with scoped_transaction(world.factory, Scope.for_org(org.id)) as session:
        yield session, accounts.actor_for(session, uid)


def _open(world, frame=Covenant.ZORG_EN_VEILIGHEIDSHUIS, purpose=None, invite=True):
    with acting(world, LEAD) as (session, actor):
        case = cases.open_case(
            session,
            actor,
            KEYS,
            frame=frame,
            signal_id=world.a.records["signal_id"][0],
            purpose=purpose,
        )
        if invite:
            cases.invite(session, actor, case.id, world.b.id)
        return case.id


def _accept(world, case_id):
    with acting(world, PARTNER) as (session, actor):
        cases.accept(session, actor, case_id)


def _view(world, username, case_id):
    with acting(world, username) as (session, actor):
        view = cases.get(session, actor, case_id, KEYS)
        return view, [c.text for c in view.contributions]


def _contribute(world, username, case_id, text=SECRET, **kwargs):
    with acting(world, username) as (session, actor):
        return cases.contribute(session, actor, KEYS, case_id, text, **kwargs).id


def _grant_entries(world, contribution_id):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "case.contribution.grant",
                    AuditEntry.object_ref == str(contribution_id),
                )
            )
        )


def test_every_contribution_passes_the_gate_with_an_audited_decision(world):
    case_id = _open(world)
    _accept(world, case_id)
    contribution_id = _contribute(world, WORKER, case_id, identifying=True)
    entries = _grant_entries(world, contribution_id)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.ruleset_version and entry.ruleset_version.startswith("20")
    assert entry.detail["recipient_org_id"] == world.b.id
    assert entry.detail["decision"] == "allowed_with_conditions"
    assert "Overvecht" not in json.dumps(entry.detail)
    with acting(world, PARTNER) as (session, _actor):
        grant = session.scalars(select(CaseContributionGrant)).one()
        assert grant.visible and grant.ruleset_version == entry.ruleset_version
        assert grant.categories == ["identifying"]
    view, texts = _view(world, PARTNER_WORKER, case_id)
    assert texts == [SECRET]
    assert view.contributions[0].grants[0].decision == "allowed_with_conditions"


def test_a_grant_the_check_does_not_allow_hides_the_contribution(world):
    # Ad hoc for care: a municipality may not simply pass identifying data to the
    # police (need more information); the police may pass theirs to the municipality.
    case_id = _open(world, frame=Covenant.OTHER, purpose=Purpose.CARE)
    _accept(world, case_id)
    _contribute(world, WORKER, case_id, identifying=True)
    _contribute(
        world, PARTNER_WORKER, case_id, "Bekend bij de politie.", identifying=True
    )
    view, texts = _view(world, PARTNER, case_id)
    assert SECRET not in texts and texts == ["Bekend bij de politie."]
    assert view.hidden == 1
    view, texts = _view(world, LEAD, case_id)
    assert texts == [SECRET, "Bekend bij de politie."]
    own = view.contributions[0]
    assert own.own and own.grants[0].decision == "need_more_information"
    assert not own.grants[0].visible


def test_linked_signal_adds_its_categories(world):
    case_id = _open(world)
    _accept(world, case_id)
    contribution_id = _contribute(
        world, WORKER, case_id, signal_id=world.a.records["signal_id"][0]
    )
    with acting(world, PARTNER) as (session, _actor):
        grant = session.scalars(
            select(CaseContributionGrant).where(
                CaseContributionGrant.contribution_id == contribution_id
            )
        ).one()
    assert {"identifying", "special_sexual"} <= set(grant.categories)
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(InvalidInput, match="signaal"):
            cases.contribute(
                session,
                actor,
                KEYS,
                case_id,
                "x",
                signal_id=world.a.records["signal_id"][0],
            )


def test_text_without_personal_data_is_visible_and_still_recorded(world):
    case_id = _open(world)
    _accept(world, case_id)
    contribution_id = _contribute(world, WORKER, case_id, "Overleg volgende week.")
    [entry] = _grant_entries(world, contribution_id)
    assert entry.detail["decision"] == gate.NO_PERSONAL_DATA
    assert entry.ruleset_version
    assert _view(world, PARTNER, case_id)[1] == ["Overleg volgende week."]


def test_late_joiner_gets_grants_at_acceptance(world):
    case_id = _open(world)
    first = _contribute(world, WORKER, case_id, identifying=True)
    assert _grant_entries(world, first) == []
    view, texts = _view(world, PARTNER, case_id)
    assert not view.accepted and texts == [] and view.decisions == []
    with acting(world, PARTNER_WORKER) as (session, actor):
        with pytest.raises(NotPermitted):
            cases.contribute(session, actor, KEYS, case_id, "te vroeg")
    _accept(world, case_id)
    [entry] = _grant_entries(world, first)
    assert entry.detail["recipient_org_id"] == world.b.id
    assert entry.actor_user_id == user_id(world, PARTNER)
    assert _view(world, PARTNER, case_id)[1] == [SECRET]


def test_access_matrix(world):
    case_id = _open(world, invite=False)
    # Not a participant: nothing, not even that the case exists.
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotFound):
            cases.get(session, actor, case_id, KEYS)
        assert cases.list_for(session, actor) == []
        with pytest.raises(NotFound):
            cases.accept(session, actor, case_id)
    with acting(world, LEAD) as (session, actor):
        cases.invite(session, actor, case_id, world.b.id)
    # Invited: the invitation only; a professional cannot accept.
    with acting(world, PARTNER_WORKER) as (session, actor):
        assert [c.id for c, _ in cases.list_for(session, actor)] == [case_id]
        with pytest.raises(NotPermitted):
            cases.accept(session, actor, case_id)
    _accept(world, case_id)
    # Accepted partner: reads and contributes, but does not lead the case.
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted):
            cases.invite(session, actor, case_id, world.a.id)
        with pytest.raises(NotPermitted):
            cases.close(session, actor, KEYS, case_id, "zorgtraject", "")
        cases.record_decision(session, actor, KEYS, case_id, "Besluit", "Reden")
    # A professional of the opening organisation: reads and contributes only.
    _contribute(world, WORKER, case_id, "Van de medewerker.")
    with acting(world, WORKER) as (session, actor):
        assert cases.get(session, actor, case_id, KEYS).decisions
        for step in (
            lambda: cases.set_status(session, actor, case_id, "triage"),
            lambda: cases.record_decision(session, actor, KEYS, case_id, "x", "y"),
            lambda: cases.close(session, actor, KEYS, case_id, "zorgtraject", ""),
        ):
            with pytest.raises(NotPermitted):
                step()
        with pytest.raises(NotPermitted):
            cases.open_case(
                session,
                actor,
                KEYS,
                frame=Covenant.RIEC,
                signal_id=world.a.records["signal_id"][0],
            )
    with acting(world, LEAD) as (session, actor):
        cases.set_status(session, actor, case_id, "in_bespreking")
        assert cases.get(session, actor, case_id, KEYS).case.status == "in_bespreking"


def test_inviting_a_type_the_frame_does_not_allow_is_refused(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        comensha = accounts.add_organisation(
            session, name="CoMensha", org_type=OrgType.COMENSHA, region=Region.ROTTERDAM
        ).id
    case_id = _open(world, invite=False)
    with acting(world, LEAD) as (session, actor):
        with pytest.raises(InvalidInput, match="CoMensha.*Zorg- en Veiligheidshuis"):
            cases.invite(session, actor, case_id, comensha)
        with pytest.raises(InvalidInput, match="bestaat niet"):
            cases.invite(session, actor, case_id, 99999)
        assert len(cases.get(session, actor, case_id, KEYS).participants) == 1
        with pytest.raises(InvalidInput, match="doel"):
            cases.open_case(
                session,
                actor,
                KEYS,
                frame=Covenant.RIEC,
                purpose=Purpose.CARE,
                signal_id=world.a.records["signal_id"][0],
            )
        with pytest.raises(InvalidInput, match="signaal"):
            cases.open_case(
                session,
                actor,
                KEYS,
                frame=Covenant.RIEC,
                signal_id=world.b.records["signal_id"][0],
            )


def test_actions_need_an_owner_and_a_deadline_not_in_the_past(world):
    case_id = _open(world)
    _accept(world, case_id)
    today = dt.date.today()
    worker = user_id(world, WORKER)
    partner_worker = user_id(world, PARTNER_WORKER)
    with acting(world, LEAD) as (session, actor):
        for owner, deadline, field in (
            (None, today, "eigenaar"),
            (worker, today - dt.timedelta(days=1), "deadline"),
            (worker, None, "deadline"),
        ):
            with pytest.raises(InvalidInput, match=field):
                cases.add_action(session, actor, KEYS, case_id, "Bel", owner, deadline)
        with pytest.raises(InvalidInput, match="actie"):
            cases.add_action(session, actor, KEYS, case_id, "  ", worker, today)
        assert cases.get(session, actor, case_id, KEYS).actions == []
        partner_action = cases.add_action(
            session, actor, KEYS, case_id, "Check", partner_worker, today
        ).id
    # The action lives with the owner's organisation, for the owner's inbox.
    with acting(world, PARTNER_WORKER) as (session, actor):
        assert session.get(CaseAction, partner_action) is not None
        assert cases.complete_action(session, actor, partner_action).status == "done"


def test_overdue_actions_reach_the_owner(world):
    case_id = _open(world)
    worker = user_id(world, WORKER)
    with acting(world, LEAD) as (session, actor):
        cases.add_action(session, actor, KEYS, case_id, "Bel", worker, dt.date.today())
    with acting(world, WORKER) as (session, actor):
        before = len(cases.overdue_actions(session, actor))
    clock.shift(3 * 86400)
    try:
        with acting(world, WORKER) as (session, actor):
            overdue = cases.overdue_actions(session, actor)
        with acting(world, LEAD) as (session, actor):
            assert cases.overdue_actions(session, actor) == []
    finally:
        clock.reset()
    assert len(overdue) == before + 1
    assert overdue[-1][0].case_id == case_id


def test_closed_case_is_read_only_and_feeds_back_to_the_reporter(world):
    case_id = _open(world)
    _accept(world, case_id)
    with acting(world, LEAD) as (session, actor):
        with pytest.raises(InvalidInput, match="reden"):
            cases.close(session, actor, KEYS, case_id, "geen_vervolg", " ")
        with pytest.raises(InvalidInput, match="uitkomst"):
            cases.close(session, actor, KEYS, case_id, "verdwenen", "x")
        closed = cases.close(session, actor, KEYS, case_id, "zorgtraject", "Opvang")
        assert closed.closed_at is not None and closed.retention_until is not None
        assert (closed.retention_until - closed.closed_at).days in (730, 731)
    with acting(world, LEAD) as (session, actor):
        for step in (
            lambda: cases.contribute(session, actor, KEYS, case_id, "te laat"),
            lambda: cases.record_decision(session, actor, KEYS, case_id, "x", "y"),
            lambda: cases.add_action(
                session, actor, KEYS, case_id, "x", actor.user_id, dt.date.today()
            ),
            lambda: cases.set_status(session, actor, case_id, "triage"),
            lambda: cases.close(session, actor, KEYS, case_id, "zorgtraject", ""),
        ):
            with pytest.raises(InvalidInput, match="afgesloten"):
                step()
        view = cases.get(session, actor, case_id, KEYS)
        assert view.closed and view.outcome_reason == "Opvang"
        assert view.contributions == [] and view.decisions == []
    with acting(world, WORKER) as (session, actor):
        feedback = cases.outcomes_for_signal(
            session, actor, world.a.records["signal_id"][0]
        )
    assert (case_id, "zorgtraject") in feedback
    with acting(world, PARTNER_WORKER) as (session, actor):
        assert (
            cases.outcomes_for_signal(session, actor, world.a.records["signal_id"][0])
            == []
        )


def test_decisions_are_append_only_and_grants_only_from_the_gate(world):
    case_id = _open(world)
    _accept(world, case_id)
    with acting(world, LEAD) as (session, actor):
        cases.record_decision(session, actor, KEYS, case_id, "Besluit", "Reden")
    with pytest.raises(GateBypass), acting(world, LEAD) as (session, _actor):
        row = session.scalars(select(CaseDecision)).one()
        row.text_enc = "gewijzigd"
        session.flush()
    contribution_id = _contribute(world, WORKER, case_id)
    with pytest.raises(GateBypass), acting(world, PARTNER) as (session, _actor):
        grant = session.scalars(
            select(CaseContributionGrant).where(
                CaseContributionGrant.contribution_id == contribution_id
            )
        ).one()
        grant.visible = False
        session.flush()


def test_opening_from_a_match_alert_invites_the_other_organisation(world):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        alert = session.scalars(select(MatchAlert)).first()
        assert alert is not None, "the world's twin signals raise a match alert"
        alert_id, other = alert.id, alert.other_org_id
    with acting(world, LEAD) as (session, actor):
        case = cases.open_case(
            session, actor, KEYS, frame=Covenant.RIEC, alert_id=alert_id
        )
        assert case.purpose == "administrative" and case.source_alert_id == alert_id
        case_id = case.id
    assert other == world.b.id
    with acting(world, PARTNER) as (session, _actor):
        invited = session.scalars(select(CaseParticipant)).all()
        assert [(p.case_id, p.status) for p in invited] == [(case_id, "invited")]
