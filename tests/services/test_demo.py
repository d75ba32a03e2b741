"""The demo's "done when" for accountability: a privacy officer answers a
subject-access request with a complete report, erases a record end to end, corrects
one, and shows the register of processing. Loads the whole demo once (SQLite)."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from schakel.reports import render_pdf
from schakel.services import accounts, demo, rectification, register, rights
from schakel.services import signals as signal_service
from schakel.services.rights_documents import FILE_COPY, access_document
from schakel.store import audit_log
from schakel.store.db import make_session_factory
from schakel.store.models import Share, Signal, User
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import keys_for_tests

KEYS = keys_for_tests()


@pytest.fixture(scope="module")
def demo_factory(tmp_path_factory) -> sessionmaker:
    from schakel.store.db import make_engine
    from schakel.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db")
    upgrade(engine)
    factory = make_session_factory(engine)
    with scoped_transaction(factory, Scope.system_wide()) as session:
        demo.load(session, KEYS)
    yield factory
    engine.dispose()


def _officer(factory, username="utrecht.privacy"):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return accounts.actor_for(session, user.id)


def test_the_answered_access_request_is_complete(demo_factory):
    officer = _officer(demo_factory)
    with scoped_transaction(demo_factory, Scope.for_org(officer.org_id)) as session:
        [request] = rights.list_requests(session, officer)
        assert request.status == rights.HANDLED
        report = rights.report(session, officer, request.id, KEYS)
        holders = {i.organisation for i in report.items if i.kind == "vastgelegd"}
        assert {
            "Gemeente Utrecht",
            "Gemeente Rotterdam",
            "Zorgcoördinatie Mensenhandel Rotterdam",
        } <= holders
        received = [i for i in report.items if i.kind == "ontvangen"]
        assert received and all(i.grounds and i.purpose for i in received)
        [withheld] = report.withheld
        assert withheld.ground == "lopend_onderzoek"
        assert withheld.item.organisation.startswith("Politie eenheid Midden")
        pdf = render_pdf(
            access_document(report, officer.organisation_name, {}, FILE_COPY)
        )
        assert pdf.startswith(b"%PDF-")
        due = rights.due(session, officer)
        assert {d.kind for d in due} == {"wissen", "rectificatie"}
        assert not any(d.overdue for d in due)


def test_the_pending_erasure_runs_end_to_end(demo_factory):
    officer = _officer(demo_factory)
    with scoped_transaction(demo_factory, Scope.for_org(officer.org_id)) as session:
        [erasure] = [
            e
            for e in rights.list_erasures(session, officer)
            if e.status == "aangevraagd"
        ]
        done = rights.approve_erasure(session, officer, erasure.id, KEYS)
        assert done.status == rights.EXECUTED
        row = session.get(Signal, erasure.signal_id)
        assert row.erased_at is not None
        assert "Verkeerdepersoon" not in repr(signal_service.decrypt(row, KEYS))
    with scoped_transaction(demo_factory, Scope.system_wide()) as session:
        count, broken = audit_log.verify(session)
        assert broken is None and count > 0


def test_the_pending_rectification_reaches_the_police(demo_factory):
    officer = _officer(demo_factory)
    with scoped_transaction(demo_factory, Scope.for_org(officer.org_id)) as session:
        [pending] = [
            v.row
            for v in rectification.list_rectifications(session, officer, KEYS)
            if v.row.status == rights.REQUESTED
        ]
        done = rectification.approve_rectification(session, officer, pending.id, KEYS)
        assert done.status == rights.EXECUTED and done.outcome["recipients"]
        signal_id = done.signal_id
    with scoped_transaction(demo_factory, Scope.system_wide()) as session:
        [shared] = session.scalars(select(Share).where(Share.signal_id == signal_id))
        payload = KEYS.keyring.decrypt_json(shared.payload_enc, "shares.payload")
        assert shared.rectified_at is not None
        assert payload["persons"][0]["gender"] == "vrouw"


def test_the_register_names_the_rights_activity(demo_factory):
    officer = _officer(demo_factory)
    with scoped_transaction(demo_factory, Scope.for_org(officer.org_id)) as session:
        view = register.build(session, officer)
    ids = {a.id for a in view.activities}
    assert {"rechten_betrokkenen", "delen-investigation"} <= ids
    assert render_pdf(register.to_document(view)).startswith(b"%PDF-")
