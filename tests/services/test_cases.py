"""Case conferences: access per participant, role and stage; the share gate on every
contribution; the late joiner; closure; bad input."""

import dataclasses
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
    CaseMinute,
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


def _name(world, coordinator, professional, case_id, accept=True):
    """``coordinator`` names ``professional`` of the same organisation; the
    professional accepts unless ``accept`` is false."""
    uid = user_id(world, professional)
    with acting(world, coordinator) as (session, actor):
        cases.name_member(session, actor, case_id, uid)
    if accept:
        with acting(world, professional) as (session, actor):
            cases.accept_membership(session, actor, case_id)


def _open(
    world,
    frame=Covenant.ZORG_EN_VEILIGHEIDSHUIS,
    purpose=None,
    invite=True,
    name_worker=True,
):
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
        case_id = case.id
    if name_worker:
        _name(world, LEAD, WORKER, case_id)
    return case_id


def _accept(world, case_id, name_worker=True):
    with acting(world, PARTNER) as (session, actor):
        cases.accept(session, actor, case_id)
    if name_worker:
        _name(world, PARTNER, PARTNER_WORKER, case_id)


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
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted):
            cases.contribute(session, actor, KEYS, case_id, "te vroeg")
    _accept(world, case_id, name_worker=False)
    [entry] = _grant_entries(world, first)
    assert entry.detail["recipient_org_id"] == world.b.id
    assert entry.actor_user_id == user_id(world, PARTNER)
    assert _view(world, PARTNER, case_id)[1] == [SECRET]
    # A professional named later sees what the gate allowed the organisation,
    # including what was shared before they joined; no new grant is needed.
    _name(world, PARTNER, PARTNER_WORKER, case_id)
    assert _view(world, PARTNER_WORKER, case_id)[1] == [SECRET]
    assert len(_grant_entries(world, first)) == 1


A_PRIVACY = "utrecht.privacy"


def _probe(world, username, case_id):
    """What ``username`` gets: ``404`` (not even the existence), ``invitation``
    or ``content``; and what adding a contribution answers."""
    with acting(world, username) as (session, actor):
        listed = case_id in [c.id for c, _ in cases.list_for(session, actor)]
        try:
            view = cases.get(session, actor, case_id, KEYS)
            seen = "content" if view.accepted else "invitation"
        except NotFound:
            seen = "404"
    assert listed == (seen != "404"), (username, listed, seen)
    try:
        _contribute(world, username, case_id, "Proefbijdrage zonder persoonsgegevens.")
        added = "ok"
    except NotFound:
        added = "404"
    except NotPermitted:
        added = "403"
    except InvalidInput as exc:
        assert "afgesloten" in str(exc)
        added = "closed"
    return seen, added


#: Per stage of the case, what each person sees and whether they may contribute.
#: Need-to-know: inside a participating organisation only coordinators and named
#: professionals who accepted see the case; everyone else gets the stranger's 404.
ACCESS_MATRIX = [
    (
        "b not invited",
        {
            LEAD: ("content", "ok"),
            WORKER: ("content", "ok"),  # named and accepted at opening
            A_PRIVACY: ("404", "403"),  # same organisation, not named
            PARTNER: ("404", "404"),
            PARTNER_WORKER: ("404", "404"),
        },
    ),
    (
        "b invited, not accepted",
        {PARTNER: ("invitation", "403"), PARTNER_WORKER: ("404", "404")},
    ),
    (
        "b accepted, professional not named",
        {PARTNER: ("content", "ok"), PARTNER_WORKER: ("404", "404")},
    ),
    (
        "professional named, not accepted",
        {PARTNER: ("content", "ok"), PARTNER_WORKER: ("invitation", "403")},
    ),
    ("professional accepted", {PARTNER_WORKER: ("content", "ok")}),
    (
        "closed: read-only",
        {
            LEAD: ("content", "closed"),
            WORKER: ("content", "closed"),
            A_PRIVACY: ("404", "403"),
            PARTNER: ("content", "closed"),
            PARTNER_WORKER: ("content", "closed"),
        },
    ),
]


def test_access_matrix_per_participant_person_and_stage(world):
    case_id = _open(world, invite=False)
    steps = {
        "b invited, not accepted": lambda: _invite_b(world, case_id),
        "b accepted, professional not named": lambda: _accept(
            world, case_id, name_worker=False
        ),
        "professional named, not accepted": lambda: _name(
            world, PARTNER, PARTNER_WORKER, case_id, accept=False
        ),
        "professional accepted": lambda: _accept_member(world, PARTNER_WORKER, case_id),
        "closed: read-only": lambda: _close(world, case_id),
    }
    seen = {}
    for stage, expected in ACCESS_MATRIX:
        if stage in steps:
            steps[stage]()
        for username, outcome in expected.items():
            seen[(stage, username)] = _probe(world, username, case_id)
            assert seen[(stage, username)] == outcome, (stage, username)


def _invite_b(world, case_id):
    with acting(world, LEAD) as (session, actor):
        cases.invite(session, actor, case_id, world.b.id)


def _accept_member(world, username, case_id):
    with acting(world, username) as (session, actor):
        cases.accept_membership(session, actor, case_id)


def _close(world, case_id):
    with acting(world, LEAD) as (session, actor):
        cases.close(session, actor, KEYS, case_id, "zorgtraject", "")


def test_roles_within_a_case(world):
    case_id = _open(world, invite=False)
    # Not a participant: nothing, not even that the case exists.
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotFound):
            cases.accept(session, actor, case_id)
    _invite_b(world, case_id)
    b_worker = user_id(world, PARTNER_WORKER)
    # Only a coordinator accepts for the organisation; an unnamed professional
    # does not even learn that the case exists.
    with acting(world, PARTNER_WORKER) as (session, actor):
        with pytest.raises(NotFound):
            cases.accept(session, actor, case_id)
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted, match="Accepteer eerst"):
            cases.name_member(session, actor, case_id, b_worker)
    _accept(world, case_id)
    # Accepted partner: reads and contributes, but does not lead the case.
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted):
            cases.invite(session, actor, case_id, world.a.id)
        with pytest.raises(NotPermitted):
            cases.close(session, actor, KEYS, case_id, "zorgtraject", "")
        cases.record_decision(session, actor, KEYS, case_id, "Besluit", "Reden")
    # A named professional of the opening organisation: reads and contributes only.
    _contribute(world, WORKER, case_id, "Van de medewerker.")
    with acting(world, WORKER) as (session, actor):
        assert cases.get(session, actor, case_id, KEYS).decisions
        for step in (
            lambda: cases.set_status(session, actor, case_id, "triage"),
            lambda: cases.record_decision(session, actor, KEYS, case_id, "x", "y"),
            lambda: cases.close(session, actor, KEYS, case_id, "zorgtraject", ""),
            lambda: cases.name_member(session, actor, case_id, actor.user_id),
            lambda: cases.add_meeting(
                session, actor, KEYS, case_id, dt.date.today(), "Overleg"
            ),
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


def test_naming_professionals_refuses_what_need_to_know_does_not_allow(world):
    case_id = _open(world)
    _accept(world, case_id, name_worker=False)
    ids = {
        name: user_id(world, name)
        for name in (PARTNER_WORKER, WORKER, "avim.privacy", LEAD)
    }
    with acting(world, PARTNER) as (session, actor):
        for uid, message in (
            (ids[WORKER], "eigen organisatie"),  # another organisation's user
            (99999, "eigen organisatie"),
            (ids["avim.privacy"], "geen rol als professional"),
            (user_id_in(session, PARTNER), "coördinator"),
        ):
            with pytest.raises(InvalidInput, match=message):
                cases.name_member(session, actor, case_id, uid)
        cases.name_member(session, actor, case_id, ids[PARTNER_WORKER])
        with pytest.raises(InvalidInput, match="al genoemd"):
            cases.name_member(session, actor, case_id, ids[PARTNER_WORKER])
    with acting(world, PARTNER_WORKER) as (session, actor):
        assert [(c.id, kind) for c, kind in cases.invitations_for(session, actor)] == [
            (case_id, "member")
        ]
        cases.accept_membership(session, actor, case_id)
        with pytest.raises(InvalidInput, match="al deel"):
            cases.accept_membership(session, actor, case_id)
        assert cases.invitations_for(session, actor) == []
    with acting(world, LEAD) as (session, actor):
        view = cases.get(session, actor, case_id, KEYS)
        assert {(m.name, m.row.status) for m in view.members} == {
            (WORKER, "accepted"),
            (PARTNER_WORKER, "accepted"),
        }


def user_id_in(session, username):
    from schakel.store.models import User

    return session.scalar(select(User.id).where(User.username == username))


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


def _alert_of_a(world):
    """The world's twin signals raise a match alert; a's side of it."""
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        alert = session.scalars(select(MatchAlert)).first()
        assert alert is not None
        return alert.id, alert.signal_id, alert.other_signal_id


def test_issue_7_closing_a_case_from_a_match_alert_feeds_back_to_both_reporters(
    world,
):
    alert_id, own_signal, other_signal = _alert_of_a(world)
    with acting(world, LEAD) as (session, actor):
        case_id = cases.open_case(
            session, actor, KEYS, frame=Covenant.RIEC, alert_id=alert_id
        ).id
        cases.close(session, actor, KEYS, case_id, "bestuurlijke_maatregel", SECRET)
    today = clock.utcnow().date()
    # a's reporter, not named in the case: outcome and number, not the reason.
    with acting(world, WORKER) as (session, actor):
        [mine] = cases.feedback_for_reporter(session, actor, KEYS)
    assert (mine.signal_id, mine.case_id, mine.reason) == (own_signal, case_id, "")
    # a's coordinator sees the case page with the reason, so hears it too.
    with acting(world, LEAD) as (session, actor):
        [lead] = cases.feedback_for_signal(session, actor, KEYS, own_signal)
    assert lead.reason == SECRET
    # b's reporter hears the outcome about b's own signal: nothing of a's signal,
    # a's reason or a's contributions. b was invited, so b knows the case number.
    with acting(world, PARTNER_WORKER) as (session, actor):
        [theirs] = cases.feedback_for_reporter(session, actor, KEYS)
        assert cases.feedback_for_signal(session, actor, KEYS, other_signal) == [theirs]
        assert cases.feedback_for_signal(session, actor, KEYS, own_signal) == []
    assert dataclasses.asdict(theirs) == {
        "signal_id": other_signal,
        "outcome": "bestuurlijke maatregel",
        "closed_on": today,
        "case_id": case_id,
        "reason": "",
    }
    # An organisation that does not take part learns not even the case number.
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        session.delete(
            session.scalars(
                select(CaseParticipant).where(
                    CaseParticipant.case_id == case_id,
                    CaseParticipant.org_id == world.b.id,
                )
            ).one()
        )
    with acting(world, PARTNER) as (session, actor):
        assert cases.feedback_for_signal(session, actor, KEYS, other_signal) == [
            dataclasses.replace(theirs, case_id=None)
        ]
        assert cases.outcomes_for_signal(session, actor, other_signal) == [
            (None, "bestuurlijke maatregel")
        ]


def test_the_inbox_notice_is_for_the_reporter_and_recent_closures(world):
    alert_id, _own, other_signal = _alert_of_a(world)
    with acting(world, LEAD) as (session, actor):
        case_id = cases.open_case(
            session, actor, KEYS, frame=Covenant.RIEC, alert_id=alert_id
        ).id
        cases.close(session, actor, KEYS, case_id, "zorgtraject", "")
        assert cases.feedback_for_reporter(session, actor, KEYS) == []  # no reporter
    clock.shift((cases.FEEDBACK_INBOX_DAYS + 1) * 86400)
    try:
        with acting(world, PARTNER_WORKER) as (session, actor):
            assert cases.feedback_for_reporter(session, actor, KEYS) == []
            # The signal page keeps it.
            assert cases.feedback_for_signal(session, actor, KEYS, other_signal)
    finally:
        clock.reset()


def test_may_open_is_the_coordinator_of_a_partner_type(world):
    with acting(world, LEAD) as (_session, actor):
        assert cases.may_open(actor)
    with acting(world, WORKER) as (_session, actor):
        assert not cases.may_open(actor)


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


def test_meetings_have_an_ordered_agenda_and_append_only_minutes(world):
    case_id = _open(world)
    _accept(world, case_id)
    other_case = _open(world, invite=False, name_worker=False)
    day = dt.date(2026, 12, 1)
    with acting(world, LEAD) as (session, actor):
        meeting = cases.add_meeting(
            session, actor, KEYS, case_id, day, "Eerste overleg"
        )
        elsewhere = cases.add_meeting(session, actor, KEYS, other_case, day, "Ander")
        for text in ("Opening", "Veiligheid", "Rondvraag"):
            cases.add_agenda_item(session, actor, KEYS, case_id, meeting.id, text)
        first = cases.add_minute(
            session, actor, KEYS, case_id, meeting.id, "Politie meldt twee signalen."
        )
        meeting_id, elsewhere_id, first_id = meeting.id, elsewhere.id, first.id
    # The partner's coordinator records and corrects minutes too; never by editing.
    with acting(world, PARTNER) as (session, actor):
        correction = cases.add_minute(
            session,
            actor,
            KEYS,
            case_id,
            meeting_id,
            "Correctie: drie signalen.",
            corrects_id=first_id,
        )
        with pytest.raises(NotPermitted):  # only the lead plans meetings
            cases.add_meeting(session, actor, KEYS, case_id, day, "Eigen overleg")
    with acting(world, WORKER) as (session, actor):
        with pytest.raises(NotPermitted):
            cases.add_minute(session, actor, KEYS, case_id, meeting_id, "x")
    view, _texts = _view(world, PARTNER_WORKER, case_id)
    [seen] = view.meetings
    assert seen.title == "Eerste overleg" and seen.row.held_on == "2026-12-01"
    assert [(a.row.position, a.text) for a in seen.agenda] == [
        (1, "Opening"),
        (2, "Veiligheid"),
        (3, "Rondvraag"),
    ]
    assert [(m.text, m.corrected_by) for m in seen.minutes] == [
        ("Politie meldt twee signalen.", [correction.id]),
        ("Correctie: drie signalen.", []),
    ]
    assert seen.minutes[1].row.corrects_id == first_id
    assert seen.minutes[1].actor.startswith(PARTNER)
    with pytest.raises(GateBypass), acting(world, LEAD) as (session, _actor):
        row = session.get(CaseMinute, first_id)
        row.text_enc = "gewijzigd"
        session.flush()
    # Bad input: a clear message and nothing saved.
    with acting(world, LEAD) as (session, actor):
        for step, message in (
            (
                lambda: cases.add_meeting(session, actor, KEYS, case_id, None, "x"),
                "datum",
            ),
            (
                lambda: cases.add_meeting(session, actor, KEYS, case_id, day, " "),
                "titel",
            ),
            (
                lambda: cases.add_agenda_item(
                    session, actor, KEYS, case_id, elsewhere_id, "Punt"
                ),
                "overleg",
            ),
            (
                lambda: cases.add_agenda_item(session, actor, KEYS, case_id, None, "x"),
                "overleg",
            ),
            (
                lambda: cases.add_minute(
                    session, actor, KEYS, case_id, meeting_id, "", None
                ),
                "notulen",
            ),
            (
                lambda: cases.add_minute(
                    session, actor, KEYS, case_id, meeting_id, "x", 99999
                ),
                "correctie",
            ),
        ):
            with pytest.raises(InvalidInput, match=message):
                step()
        view = cases.get(session, actor, case_id, KEYS)
        assert len(view.meetings) == 1
        assert len(view.meetings[0].agenda) == 3 and len(view.meetings[0].minutes) == 2
    _close(world, case_id)
    with acting(world, LEAD) as (session, actor):
        with pytest.raises(InvalidInput, match="afgesloten"):
            cases.add_minute(session, actor, KEYS, case_id, meeting_id, "Te laat")


def test_document_references_travel_with_their_contribution_through_the_gate(world):
    # Ad hoc for care: the municipality's identifying contribution is withheld from
    # the police, and so are its documents; the police's reach the municipality.
    case_id = _open(world, frame=Covenant.OTHER, purpose=Purpose.CARE)
    _accept(world, case_id)
    municipal = [cases.DocumentRef("Huisbezoekverslag", "Zaaksysteem Z-2026-17")]
    police = [
        cases.DocumentRef("Proces-verbaal", "BVH 2026-0042"),
        cases.DocumentRef("Foto's pand", "Dossier AVIM, map 3"),
    ]
    _contribute(world, WORKER, case_id, identifying=True, documents=municipal)
    _contribute(
        world,
        PARTNER_WORKER,
        case_id,
        "Bekend bij de politie.",
        identifying=True,
        documents=police,
    )
    view, _texts = _view(world, PARTNER_WORKER, case_id)
    assert [c.documents for c in view.contributions] == [police]
    assert view.hidden == 1
    view, _texts = _view(world, WORKER, case_id)
    assert [c.documents for c in view.contributions] == [municipal, police]
    with acting(world, WORKER) as (session, actor):
        for documents, message in (
            ([cases.DocumentRef("", "ergens")], "document 1: vul een titel"),
            ([cases.DocumentRef("Titel", " ")], "vindplaats"),
            ([cases.DocumentRef("T", "R")] * 11, "maximaal 10"),
            ([cases.DocumentRef("T" * 201, "R")], "titel maximaal"),
        ):
            with pytest.raises(InvalidInput, match=message):
                cases.contribute(
                    session, actor, KEYS, case_id, "Met documenten", documents=documents
                )
        assert len(cases.get(session, actor, case_id, KEYS).contributions) == 2


def test_documents_typed_one_per_line():
    assert cases.parse_documents("Verslag | Map 1\n\n  Foto | Map 2 | kast B ") == [
        cases.DocumentRef("Verslag", "Map 1"),
        cases.DocumentRef("Foto", "Map 2 | kast B"),
    ]
    assert cases.parse_documents("") == []
    with pytest.raises(InvalidInput, match="regel 2: schrijf 'titel | vindplaats'"):
        cases.parse_documents("Verslag | Map 1\nZonder vindplaats")
    with pytest.raises(InvalidInput, match="document 1"):
        cases.parse_documents(" | Map 1")


def test_action_owner_must_see_the_case_and_only_the_owner_sets_its_status(world):
    case_id = _open(world)
    _accept(world, case_id, name_worker=False)
    today = dt.date.today()
    partner_worker = user_id(world, PARTNER_WORKER)
    with acting(world, LEAD) as (session, actor):
        # Not named yet: cannot own an action in a case they cannot open.
        with pytest.raises(InvalidInput, match="genoemde professional"):
            cases.add_action(
                session, actor, KEYS, case_id, "Bel", partner_worker, today
            )
    _name(world, PARTNER, PARTNER_WORKER, case_id)
    with acting(world, LEAD) as (session, actor):
        owners = {
            uid
            for uid, _name in cases.action_owners(
                session, cases.get(session, actor, case_id, KEYS)
            )
        }
        assert owners == {
            user_id_in(session, name)
            for name in (LEAD, WORKER, PARTNER, PARTNER_WORKER)
        }
        action_id = cases.add_action(
            session, actor, KEYS, case_id, "Bel", partner_worker, today
        ).id
    with acting(world, PARTNER) as (session, actor):
        with pytest.raises(NotPermitted, match="eigenaar"):
            cases.set_action_status(session, actor, action_id, "done")
    with acting(world, PARTNER_WORKER) as (session, actor):
        with pytest.raises(InvalidInput, match="kies uit open, done"):
            cases.set_action_status(session, actor, action_id, "klaar")
        with pytest.raises(InvalidInput, match="al open"):
            cases.set_action_status(session, actor, action_id, "open")
        row = cases.set_action_status(session, actor, action_id, "done")
        assert row.status == "done" and row.done_at is not None
        row = cases.set_action_status(session, actor, action_id, "open")
        assert row.status == "open" and row.done_at is None
    with acting(world, WORKER) as (session, actor):
        with pytest.raises(NotFound):  # another organisation's action
            cases.set_action_status(session, actor, action_id, "done")


APP_ROLE = "schakel_app_test"


def _app_factory(postgres_engine):
    """A session factory connecting as a plain role: superusers bypass RLS."""
    from sqlalchemy import text

    from schakel.store.db import make_engine, make_session_factory

    with postgres_engine.begin() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS "
                f"(SELECT 1 FROM pg_roles WHERE rolname='{APP_ROLE}') "
                f"THEN CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$"
            )
        )
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}"))
        connection.execute(
            text(
                "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public "
                f"TO {APP_ROLE}"
            )
        )
        connection.execute(
            text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        )
    url = postgres_engine.url.set(username=APP_ROLE, password=None)
    engine = make_engine(url.render_as_string(hide_password=False))
    return engine, make_session_factory(engine)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_case_flow_runs_under_row_level_security_as_the_app_role(
    postgres_engine, world
):
    """The whole flow (naming, meetings, minutes by a partner, contributions with
    documents) works for a plain role, and raw SQL sees only the own rows."""
    from sqlalchemy import text

    app_engine, app_factory = _app_factory(postgres_engine)
    try:
        world.factory = app_factory
        case_id = _open(world)
        _accept(world, case_id)
        with acting(world, LEAD) as (session, actor):
            meeting = cases.add_meeting(
                session, actor, KEYS, case_id, dt.date(2026, 12, 1), "Overleg"
            )
            cases.add_agenda_item(session, actor, KEYS, case_id, meeting.id, "Punt")
            meeting_id = meeting.id
        with acting(world, PARTNER) as (session, actor):
            cases.add_minute(session, actor, KEYS, case_id, meeting_id, "Notulen b")
        _contribute(
            world,
            PARTNER_WORKER,
            case_id,
            "Bekend (test).",
            documents=[cases.DocumentRef("PV", "BVH 1")],
        )
        view, texts = _view(world, WORKER, case_id)
        assert texts == ["Bekend (test)."] and view.contributions[0].documents
        assert view.meetings[0].minutes[0].text == "Notulen b"
        assert {m.name for m in view.members} == {WORKER, PARTNER_WORKER}
        counts = {}
        for org in (world.a.id, world.b.id):
            with app_engine.begin() as connection:
                connection.execute(
                    text("SELECT set_config('schakel.org_id', :o, true)"),
                    {"o": str(org)},
                )
                counts[org] = {
                    table: connection.execute(
                        text(f"SELECT count(*) FROM {table} WHERE case_id = :c"),
                        {"c": case_id},
                    ).scalar()
                    for table in (
                        "case_members",
                        "case_meetings",
                        "case_agenda_items",
                        "case_minutes",
                    )
                }
        assert counts[world.a.id] == {
            "case_members": 1,
            "case_meetings": 1,
            "case_agenda_items": 1,
            "case_minutes": 0,
        }
        assert counts[world.b.id] == {
            "case_members": 1,
            "case_meetings": 0,
            "case_agenda_items": 0,
            "case_minutes": 1,
        }
    finally:
        app_engine.dispose()
