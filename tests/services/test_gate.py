"""The gate: decisions, minimisation, audit, consent, tenancy; and that it is the
only code that writes the share table."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import select, text

from schakel.errors import NotFound, NotPermitted
from schakel.services import accounts, gate
from schakel.services import signals as signal_service
from schakel.signals import SignalInput
from schakel.store.guards import GateBypass
from schakel.store.models import AuditEntry, Share
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import Purpose
from tests.factory import SAMPLE_SIGNAL, keys_for_tests, user_id

KEYS = keys_for_tests()


def _actor(session, world, username):
    return accounts.actor_for(session, user_id(world, username))


def _signal(world, payload=None, username="utrecht.medewerker"):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, username)
        row = signal_service.save(
            session,
            actor,
            SignalInput.model_validate(payload or SAMPLE_SIGNAL),
            KEYS,
            submit=True,
        )
        return row.id


def test_only_the_gate_module_constructs_shares():
    """Architecture: ``Share(...)`` appears in no module but services/gate.py."""
    constructing = []
    for path in Path("schakel").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Share":
                constructing.append(path.as_posix())
    assert sorted(set(constructing)) == ["schakel/services/gate.py"]


def test_writing_a_share_outside_the_gate_fails(world):
    """Runtime: the store refuses a share row written by any other code path."""
    with (
        pytest.raises(GateBypass),
        scoped_transaction(world.factory, Scope.system_wide()) as session,
    ):
        share = session.scalars(select(Share)).first()
        share.status = "opgepakt_onderzoek"
        session.flush()
    with (
        pytest.raises(GateBypass),
        scoped_transaction(world.factory, Scope.system_wide()) as session,
    ):
        session.add(
            Share(
                org_id=world.b.id,
                sender_org_id=world.a.id,
                signal_id=1,
                sender_user_id=1,
                purpose="care",
                decision="allowed",
                ruleset_version="x",
                answer={},
                categories=[],
                anonymised=False,
                consent_based=False,
                consent_revoked=False,
                payload_enc="",
                status="ontvangen",
                status_reason="",
            )
        )


def test_municipality_to_police_is_allowed_with_audit_and_minimised(world):
    signal_id = _signal(world)
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        share = gate.deliver(
            session,
            actor,
            gate.RouteRequest(signal_id, world.b.id, Purpose.INVESTIGATION),
            KEYS,
        )
        share_id, version = share.id, share.ruleset_version
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "share.create",
                AuditEntry.object_ref == str(share_id),
            )
        ).one()
        assert (
            entry.ruleset_version == version
            and entry.detail["recipient_org_id"] == world.b.id
        )
        assert "Ilona" not in str(entry.detail)
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        actor = _actor(session, world, "avim.medewerker")
        _, payload = gate.open_share(session, actor, share_id, KEYS)
        assert payload["phones"] == ["+31612345678"]


def test_withheld_special_categories_are_not_delivered(world):
    signal_id = _signal(
        world, {**SAMPLE_SIGNAL, "indicators": ["withheld_medical_care"], "forms": []}
    )
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        full = SignalInput.model_validate(
            {**SAMPLE_SIGNAL, "indicators": ["withheld_medical_care"], "forms": []}
        )
        payload = gate.minimise(full, actor.org_type, {gate.DataCategory.IDENTIFYING})
        assert "withheld_medical_care" not in payload["indicators"]
        assert "description" not in payload
        plan = gate.plan(
            session,
            actor,
            gate.RouteRequest(signal_id, world.b.id, Purpose.INVESTIGATION),
            KEYS,
        )
        assert gate.DataCategory.SPECIAL_HEALTH in plan.held


def test_refused_share_is_audited_and_raises(world):
    signal_id = _signal(world)
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        plan = gate.plan(
            session,
            actor,
            gate.RouteRequest(signal_id, world.b.id, Purpose.RESEARCH),
            KEYS,
        )
    assert not plan.allowed and plan.answer.alternatives
    with (
        pytest.raises(NotPermitted),
        scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session,
    ):
        actor = _actor(session, world, "utrecht.medewerker")
        gate.deliver(
            session,
            actor,
            gate.RouteRequest(signal_id, world.b.id, Purpose.RESEARCH),
            KEYS,
        )


def test_other_organisation_cannot_route_or_read(world):
    signal_id = _signal(world)
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        actor = _actor(session, world, "avim.medewerker")
        with pytest.raises(NotFound):
            gate.plan(
                session,
                actor,
                gate.RouteRequest(signal_id, world.a.id, Purpose.INVESTIGATION),
                KEYS,
            )
        with pytest.raises(NotFound):
            signal_service.get(session, actor, signal_id, KEYS)


def test_consent_revocation_blocks_consent_shares_and_tells_recipients(world):
    consent = {
        "status": "given",
        "recipient": "police",
        "purpose": "care",
        "given_by": "subject",
    }
    signal_id = _signal(world, {**SAMPLE_SIGNAL, "consent": consent})
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        request = gate.RouteRequest(signal_id, world.b.id, Purpose.CARE)
        assert gate.plan(session, actor, request, KEYS).consent_based
        share = gate.deliver(session, actor, request, KEYS)
        share_id = share.id
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        assert signal_service.revoke_consent(session, actor, signal_id) == 1
        assert not gate.plan(
            session, actor, gate.RouteRequest(signal_id, world.b.id, Purpose.CARE), KEYS
        ).consent_based
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        actor = _actor(session, world, "avim.medewerker")
        assert gate.inbox(session, actor)[0].consent_revoked or any(
            s.consent_revoked for s in gate.inbox(session, actor) if s.id == share_id
        )


def test_follow_up_status_is_visible_to_the_reporter(world):
    signal_id = _signal(world)
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = _actor(session, world, "utrecht.medewerker")
        share_id = gate.deliver(
            session,
            actor,
            gate.RouteRequest(signal_id, world.b.id, Purpose.INVESTIGATION),
            KEYS,
        ).id
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        actor = _actor(session, world, "avim.analist")
        with pytest.raises(Exception, match="reden"):
            gate.update_status(session, actor, share_id, "geen_actie", "")
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        gate.update_status(
            session,
            _actor(session, world, "avim.analist"),
            share_id,
            "opgepakt_onderzoek",
            "",
        )
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        view = signal_service.get(
            session, _actor(session, world, "utrecht.medewerker"), signal_id, KEYS
        )
        assert [s.status for s in view.shares if s.id == share_id] == [
            "opgepakt_onderzoek"
        ]


def test_database_holds_no_plaintext_identifiers(world, engine):
    _signal(world)
    with engine.connect() as connection:
        for table in ("signals", "signal_tokens", "shares", "audit_entries"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            dump = repr(rows)
            for secret in (
                "Ilona",
                "Testpersoon",
                "612345678",
                "1999-04-12",
                "paspoort",
            ):
                assert secret not in dump, (table, secret)
