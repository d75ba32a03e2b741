"""The demo shows the case conference's "done when": a care coordinator and a
police analyst who received a match alert open a case, invite the municipality,
share under explained decisions, agree an action plan, close it, and the reporter
sees the outcome. Loaded once (SQLite) through the same services users go through.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import select

from schakel.services import accounts, cases, demo, matching
from schakel.store.db import make_session_factory
from schakel.store.models import CaseConference, User
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import keys_for_tests

KEYS = keys_for_tests()


@pytest.fixture(scope="module")
def demo_factory(tmp_path_factory):
    from schakel.store.db import make_engine
    from schakel.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with scoped_transaction(factory, Scope.system_wide()) as session:
        demo.load(session, KEYS)
    yield factory
    engine.dispose()


@contextmanager
def acting(factory, username):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        user = session.scalar(select(User).where(User.username == username))
        uid, org_id = user.id, user.org_id
    with scoped_transaction(factory, Scope.for_org(org_id)) as session:
        yield session, accounts.actor_for(session, uid)


def _closed_case(factory):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        return session.scalars(
            select(CaseConference).where(CaseConference.status == "afgesloten")
        ).one()


def _view(factory, username, case_id):
    with acting(factory, username) as (session, actor):
        return cases.get(session, actor, case_id, KEYS)


def test_the_closed_demo_case_was_opened_from_a_shared_match_alert(demo_factory):
    case = _closed_case(demo_factory)
    assert case.frame == "zorg_en_veiligheidshuis" and case.source_alert_id
    assert case.outcome == "zorgtraject"
    for username in ("zorgco-rotterdam.analist", "avim-rotterdam.analist"):
        with acting(demo_factory, username) as (session, actor):
            others = {a.other_org_name for a in matching.alerts_for(session, actor)}
        partner = (
            "Politie eenheid Rotterdam (AVIM)"
            if username.startswith("zorgco")
            else "Zorgcoördinatie Mensenhandel Rotterdam"
        )
        assert partner in others, username


def test_the_closed_demo_case_shares_under_explained_decisions(demo_factory):
    case = _closed_case(demo_factory)
    lead = _view(demo_factory, "zorgco-rotterdam.analist", case.id)
    assert {o.name: p.status for p, o in lead.participants} == {
        "Zorgcoördinatie Mensenhandel Rotterdam": "accepted",
        "Politie eenheid Rotterdam (AVIM)": "accepted",
        "Gemeente Rotterdam": "accepted",
    }
    assert {m.row.status for m in lead.members} == {"accepted"} and len(
        lead.members
    ) == 3
    own = [c for c in lead.contributions if c.own]
    decisions = {g.decision for c in own for g in c.grants}
    assert {"allowed_with_conditions", "need_more_information"} <= decisions
    assert all(g.answer.get("explanation_nl") for c in own for g in c.grants)
    # The medical contribution under professional secrecy reached nobody else;
    # the police's and the municipality's contributions, with their document
    # references, reached every participant.
    for username in ("avim-rotterdam.medewerker", "rotterdam.medewerker"):
        view = _view(demo_factory, username, case.id)
        texts = " ".join(c.text for c in view.contributions)
        assert "Medische gegevens" not in texts and view.hidden == 1, username
        assert "hotelcontrole" in texts and "zes personen" in texts, username
        assert sum(bool(c.documents) for c in view.contributions) == 2, username
    [meeting] = lead.meetings
    assert len(meeting.agenda) == 4 and meeting.minutes[2].corrected_by
    assert [a.row.status for a in lead.actions] == ["done", "done", "done"]
    assert lead.closed and lead.outcome_reason


def test_the_reporters_see_the_outcome_on_their_signal(demo_factory):
    case = _closed_case(demo_factory)
    with acting(demo_factory, "zorgco-rotterdam.medewerker") as (session, actor):
        assert cases.outcomes_for_signal(session, actor, case.source_signal_id) == [
            (case.id, "zorgtraject")
        ]
    police = _view(demo_factory, "avim-rotterdam.medewerker", case.id)
    linked = next(c.row.signal_id for c in police.contributions if c.own)
    with acting(demo_factory, "avim-rotterdam.medewerker") as (session, actor):
        assert cases.outcomes_for_signal(session, actor, linked) == [
            (case.id, "zorgtraject")
        ]
