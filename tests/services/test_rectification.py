"""Rectification: one field corrected in the record, its tokens and encodings, and in
every share made from it, after approval by the controlling privacy officer."""

import datetime as dt
from typing import TypedDict

import pytest
from sqlalchemy import select

from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.linkage import token
from schakel.services import gate, rectification, rights
from schakel.services import signals as signal_service
from schakel.signals import SignalInput
from schakel.store import audit_log
from schakel.store.models import (
    AuditEntry,
    MatchAlert,
    PersonEncoding,
    RectificationRequest,
    Share,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import Scope, scoped_transaction
from tests.services.rights_helpers import (
    KEYS,
    PHONE,
    PHONE_NORMAL,
    actor,
    add_third_org,
    database_text,
    save_signal,
    share,
    signal_about,
)

WRONG, RIGHT = "Fautnaam", "Juistnaam"
OLD_PHONE, OLD_PHONE_NORMAL = "06 1111 2222", "+31611112222"


@pytest.fixture
def shared(world):
    """Utrecht's signal about Mirela Fautnaam (wrong surname, wrong phone number),
    shared with the police in full."""
    shelter = add_third_org(world)
    shelter_signal = save_signal(
        world, "opvang.medewerker", signal_about("Nadia", "Opvangpersoon", phone=PHONE)
    )
    signal_id = save_signal(
        world, "utrecht.medewerker", signal_about("Mirela", WRONG, phone=OLD_PHONE)
    )
    share_id = share(
        world, "utrecht.medewerker", signal_id, world.b.id, serious_danger=True
    )
    return {
        "signal": signal_id,
        "share": share_id,
        "shelter": shelter,
        "shelter_signal": shelter_signal,
    }


def _ask(world, username, signal_id, field, value, reason="verzoek_betrokkene"):
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        return rectification.request_rectification(
            session, who, signal_id, field, value, reason, KEYS
        ).id


def _approve(world, username, request_id):
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        done = rectification.approve_rectification(session, who, request_id, KEYS)
        return done.status, dict(done.outcome)


def _content(world, signal_id) -> SignalInput:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        row = session.get(Signal, signal_id)
        return signal_service.decrypt(row, KEYS)


def _recipient_payload(world, share_id):
    who = actor(world, "avim.medewerker")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        row, payload = gate.open_share(session, who, share_id, KEYS)
        return row.rectified_at, row.erased_at, payload


def test_surname_corrected_everywhere_and_no_old_plaintext_remains(world, shared):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert WRONG in database_text(session)
        encodings_before = [
            e.encoding
            for e in session.scalars(
                select(PersonEncoding).where(
                    PersonEncoding.signal_id == shared["signal"]
                )
            )
        ]
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        pending = database_text(session)
        assert RIGHT in pending  # the corrected value waits, encrypted
    status, outcome = _approve(world, "utrecht.privacy", request_id)

    assert status == rights.EXECUTED
    assert outcome["shares_corrected"] == [shared["share"]]
    assert outcome["recipients"] == [world.b.id] and not outcome["shares_withdrawn"]
    assert _content(world, shared["signal"]).persons[0].surname == RIGHT
    rectified_at, erased_at, payload = _recipient_payload(world, shared["share"])
    assert rectified_at is not None and erased_at is None
    assert payload["persons"][0]["surname"] == RIGHT

    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        after = database_text(session)
        assert WRONG not in after  # record, share, request: the old value is gone
        assert RIGHT in after
        request = session.get(RectificationRequest, request_id)
        assert request.value_enc is None  # dropped once decided
        encodings_after = [
            e.encoding
            for e in session.scalars(
                select(PersonEncoding).where(
                    PersonEncoding.signal_id == shared["signal"]
                )
            )
        ]
        assert len(encodings_after) == 1 and encodings_after != encodings_before
        count, broken = audit_log.verify(session)
        assert broken is None and count > 0
        for entry in session.scalars(select(AuditEntry)):
            assert WRONG not in repr(entry.detail) and RIGHT not in repr(entry.detail)
        executed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "rectification.executed")
        ).one()
        assert executed.detail["field"] == "persons.0.surname"
        assert executed.detail["shares_corrected"] == 1
        assert executed.detail["same_person"] is True
        told = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "share.rectified")
        ).one()
        assert told.object_ref == str(shared["share"])
        assert told.detail["recipient_org_id"] == world.b.id


def test_subject_access_finds_the_corrected_person_not_the_old_one(world, shared):
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    _approve(world, "utrecht.privacy", request_id)
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:

        def found(surname):  # on the surname alone: the given name is unchanged
            query = rights.parse_query(
                {"surname": surname, "date_of_birth": "1994-03-08"}
            )
            return set(rights.find_signals(session, query, KEYS))

        assert shared["signal"] in found(RIGHT)
        assert shared["signal"] not in found(WRONG)


def test_phone_correction_changes_tokens_and_recomputes_alerts(world, shared):
    def tokens(session):
        return set(
            session.scalars(
                select(SignalToken.token).where(
                    SignalToken.signal_id == shared["signal"]
                )
            )
        )

    old, new = (token("phone", p, KEYS.linkage_secret) for p in (OLD_PHONE, PHONE))
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert old in tokens(session) and new not in tokens(session)
        assert not session.scalars(
            select(MatchAlert).where(
                MatchAlert.signal_id == shared["signal"],
                MatchAlert.other_signal_id == shared["shelter_signal"],
            )
        ).all()
    request_id = _ask(world, "utrecht.privacy", shared["signal"], "phones.0", PHONE)
    status, outcome = _approve(world, "utrecht.privacy", request_id)
    assert status == rights.EXECUTED and outcome["tokens_changed"]
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert new in tokens(session) and old not in tokens(session)
        # the corrected number is the shelter's: hit/no-hit now tells both sides
        kinds = {
            (a.org_id, a.kind)
            for a in session.scalars(
                select(MatchAlert).where(
                    MatchAlert.signal_id.in_(
                        [shared["signal"], shared["shelter_signal"]]
                    ),
                    MatchAlert.other_signal_id.in_(
                        [shared["signal"], shared["shelter_signal"]]
                    ),
                )
            )
        }
        assert kinds == {(world.a.id, "phone"), (shared["shelter"], "phone")}
        text = database_text(session)
        assert OLD_PHONE_NORMAL not in text and PHONE_NORMAL in text
    assert _recipient_payload(world, shared["share"])[2]["phones"] == [PHONE_NORMAL]


def test_approval_by_another_organisations_privacy_officer_is_refused(world, shared):
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    with pytest.raises(NotFound):
        _approve(world, "avim.privacy", request_id)
    with pytest.raises(NotPermitted):
        _approve(world, "utrecht.medewerker", request_id)
    with pytest.raises(NotFound):  # nor can it ask about another's signal
        _ask(world, "avim.privacy", shared["signal"], "persons.0.surname", RIGHT)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert session.get(RectificationRequest, request_id).status == rights.REQUESTED
    assert _content(world, shared["signal"]).persons[0].surname == WRONG


def test_refusal_needs_a_reason_and_changes_nothing(world, shared):
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        with pytest.raises(InvalidInput, match="reden"):
            rectification.refuse_rectification(session, who, request_id, " ", KEYS)
        rectification.refuse_rectification(
            session, who, request_id, "Paspoort bevestigt de oude schrijfwijze.", KEYS
        )
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        [view] = rectification.list_rectifications(session, who, KEYS)
        assert view.row.status == rights.REFUSED
        assert view.refusal == "Paspoort bevestigt de oude schrijfwijze."
        assert view.row.value_enc is None
        with pytest.raises(InvalidInput, match="al besloten"):
            rectification.approve_rectification(session, who, request_id, KEYS)
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "rectification.refused")
        ).one()
        assert refused.detail == {
            "rectification_request_id": request_id,
            "field": "persons.0.surname",
        }
    assert _content(world, shared["signal"]).persons[0].surname == WRONG
    assert _recipient_payload(world, shared["share"])[0] is None


def test_correction_that_changes_the_share_check_facts_withdraws_the_share(
    world, shared
):
    minor = (dt.date.today() - dt.timedelta(days=16 * 365)).isoformat()
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.date_of_birth", minor
    )
    status, outcome = _approve(world, "utrecht.privacy", request_id)
    assert status == rights.EXECUTED
    assert outcome["shares_withdrawn"] == [shared["share"]]
    rectified_at, erased_at, payload = _recipient_payload(world, shared["share"])
    assert rectified_at is not None and erased_at is not None
    assert payload["withdrawn"] and "persons" not in payload
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert WRONG not in repr(
            KEYS.keyring.decrypt_json(
                session.get(Share, shared["share"]).payload_enc, "shares.payload"
            )
        )


class BadRequest(TypedDict):
    field: str
    value: str
    reason: str
    message: str


BAD_REQUESTS: list[BadRequest] = [
    {
        "field": "persons.7.surname",
        "value": "X",
        "reason": "verzoek_betrokkene",
        "message": "veld",
    },
    {
        "field": "persons.0.roles",
        "value": "X",
        "reason": "verzoek_betrokkene",
        "message": "veld",
    },
    {
        "field": "phones.-1",
        "value": "X",
        "reason": "verzoek_betrokkene",
        "message": "veld",
    },
    {
        "field": "persons.0.surname",
        "value": WRONG,
        "reason": "verzoek_betrokkene",
        "message": "gelijk",
    },
    {
        "field": "persons.0.date_of_birth",
        "value": "31-02-1990",
        "reason": "verzoek_betrokkene",
        "message": "nieuwe waarde",
    },
    {
        "field": "phones.0",
        "value": "geen nummer",
        "reason": "verzoek_betrokkene",
        "message": "nieuwe waarde",
    },
    {
        "field": "persons.0.surname",
        "value": RIGHT,
        "reason": "zomaar",
        "message": "reden",
    },
]


@pytest.mark.parametrize(
    "bad", BAD_REQUESTS, ids=[b["message"] + ":" + b["field"] for b in BAD_REQUESTS]
)
def test_bad_requests_are_refused_before_anything_is_stored(world, shared, bad):
    with pytest.raises(InvalidInput, match=bad["message"]):
        _ask(
            world,
            "utrecht.privacy",
            shared["signal"],
            bad["field"],
            bad["value"],
            bad["reason"],
        )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert not session.scalars(select(RectificationRequest)).all()


def test_one_pending_request_per_signal_and_erasure_lapses_it(world, shared):
    request_id = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    with pytest.raises(InvalidInput, match="loopt al"):
        _ask(world, "utrecht.privacy", shared["signal"], "phones.0", PHONE)
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        erasure = rights.request_erasure(session, who, shared["signal"], "onjuist")
        rights.approve_erasure(session, who, erasure.id, KEYS)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        lapsed = session.get(RectificationRequest, request_id)
        assert lapsed.status == rights.LAPSED and lapsed.value_enc is None
        assert RIGHT not in database_text(session)
    with pytest.raises(InvalidInput, match="gewist"):
        _ask(world, "utrecht.privacy", shared["signal"], "phones.0", PHONE)


def test_fields_and_labels_of_a_signal():
    content = signal_about("Mirela", WRONG, phone=OLD_PHONE)
    fields = {f.path: (f.label, f.value) for f in rectification.fields_of(content)}
    assert fields["persons.0.surname"] == ("Persoon 1: achternaam", WRONG)
    assert fields["persons.0.bsn"] == ("Persoon 1: BSN", "")  # completing counts too
    assert fields["phones.0"] == ("Telefoonnummer 1", OLD_PHONE_NORMAL)
    assert "description" in fields and "persons.0.roles" not in fields
    removed = rectification.apply(content, "phones.0", "")
    assert removed.phones == []
    normalised = rectification.apply(content, "persons.0.date_of_birth", "09-03-1994")
    assert normalised.persons[0].date_of_birth == "1994-03-09"


def test_key_rotation_reencrypts_the_requests(world, shared):
    from schakel.crypto import keyring_from_secrets
    from schakel.services import key_rotation
    from schakel.services.keys import KeyMaterial
    from schakel.store.models import SubjectAccessRequest

    pending = _ask(
        world, "utrecht.privacy", shared["signal"], "persons.0.surname", RIGHT
    )
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        rights.create_request(session, who, {"phone": OLD_PHONE}, KEYS)
    new = KeyMaterial(
        keyring_from_secrets(
            "new-encryption-key-0123456789", ["test-encryption-key-0123456789"]
        ),
        KEYS.linkage_secret,
    )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        counts = key_rotation.reencrypt_all(session, new)
    assert counts["rights_requests"] == 2
    only_new = keyring_from_secrets("new-encryption-key-0123456789")
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        row = session.get(RectificationRequest, pending)
        assert only_new.decrypt_json(row.value_enc, "rights.rectification") == {
            "value": RIGHT
        }
        [access] = session.scalars(select(SubjectAccessRequest)).all()
        assert only_new.decrypt_json(access.subject_enc, "rights.subject")["phone"]
