"""Subject access across organisations, erasure with tombstones, legal holds."""

import datetime as dt

import pytest
from sqlalchemy import select

from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.linkage import token
from schakel.services import rights
from schakel.services.matching import birth_year_block
from schakel.store import audit_log
from schakel.store.models import (
    AuditEntry,
    PersonEncoding,
    Share,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import Scope, scoped_transaction
from tests.services.rights_helpers import (
    DOB,
    KEYS,
    PHONE,
    PHONE_NORMAL,
    SURNAMES,
    actor,
    add_third_org,
    database_text,
    save_signal,
    set_share_status,
    share,
    signal_about,
)

SECRET_B = "Geheime omschrijving van de politie"


@pytest.fixture
def reported(world):
    """One person reported by three organisations under spelling variants; the
    municipality's signal is shared (not anonymised) with the police."""
    shelter = add_third_org(world)
    ids = {
        "a": save_signal(world, "utrecht.medewerker", signal_about(*SURNAMES["a"])),
        "b": save_signal(
            world, "avim.medewerker", signal_about(*SURNAMES["b"], description=SECRET_B)
        ),
        "c": save_signal(
            world, "opvang.medewerker", signal_about(*SURNAMES["c"], phone=PHONE)
        ),
    }
    share_id = share(
        world, "utrecht.medewerker", ids["a"], world.b.id, serious_danger=True
    )
    return {"signals": ids, "share": share_id, "shelter": shelter}


def _request(world, username, raw, received_on=None):
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        return rights.create_request(session, who, raw, KEYS, received_on).id


def _report(world, username, request_id):
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        report = rights.report(session, who, request_id, KEYS)
        session.expunge_all()
        return report


def test_subject_access_finds_the_person_in_three_organisations(world, reported):
    request_id = _request(
        world,
        "utrecht.privacy",
        {"given_name": "Daria", "surname": "Testescu", "date_of_birth": "08-03-1994"},
    )
    report = _report(world, "utrecht.privacy", request_id)
    held = [i for i in report.items if i.kind == "vastgelegd"]
    assert {i.organisation for i in held} == {
        "Gemeente Utrecht",
        "Politie Rotterdam",
        "Opvang Noord",
    }
    assert {i.key for i in held} == {
        f"signal:{s}" for s in reported["signals"].values()
    }
    received = [i for i in report.items if i.kind == "ontvangen"]
    assert [i.key for i in received] == [f"share:{reported['share']}"]
    item = received[0]
    assert item.organisation == "Politie Rotterdam"
    assert item.source.startswith("Gemeente Utrecht")
    assert item.grounds and all(g[0] and g[1] for g in item.grounds)
    assert item.categories  # e.g. identifying data
    # never another organisation's content, and not the world's other person
    assert SECRET_B not in repr(report.items)
    assert "Ilona" not in repr(report.items)
    own = [i for i in held if i.own_signal_id is not None]
    assert [i.own_signal_id for i in own] == [reported["signals"]["a"]]


def test_name_search_compares_only_the_birth_year_block(world, reported):
    """A copy of Daria's encoding filed under another birth year is not compared;
    filed under hers, it is found: the search reads one block, not every encoding."""
    query = rights.parse_query(
        {"given_name": "Daria", "surname": "Testescu", "date_of_birth": DOB}
    )
    other_signal = world.a.records["signal_id"][0]  # Ilona, born 1999
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        daria = session.scalars(
            select(PersonEncoding).where(
                PersonEncoding.signal_id == reported["signals"]["a"]
            )
        ).one()
        copy = PersonEncoding(
            org_id=world.a.id,
            signal_id=other_signal,
            encoding=daria.encoding,
            block=birth_year_block("1999-04-12", KEYS.linkage_secret),
        )
        session.add(copy)
        session.flush()
        assert other_signal not in rights.find_signals(session, query, KEYS)
        copy.block = daria.block
        session.flush()
        assert "person" in rights.find_signals(session, query, KEYS)[other_signal]


def test_an_exact_identifier_alone_is_enough(world, reported):
    request_id = _request(world, "avim.privacy", {"phone": "+31 6 98765432"})
    report = _report(world, "avim.privacy", request_id)
    assert {i.key for i in report.items if i.kind == "vastgelegd"} == {
        f"signal:{reported['signals']['c']}"
    }
    assert all("telefoonnummer" in i.matched_on for i in report.items)


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"given_name": "Daria", "surname": "Testescu"},
        {"date_of_birth": DOB},
    ],
)
def test_not_enough_to_search_says_what_is_needed(world, raw):
    with pytest.raises(rights.QueryProblem) as caught:
        _request(world, "utrecht.privacy", raw)
    message = str(caught.value)
    assert "geboortedatum" in message and "BSN" in message
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert (
            session.scalar(
                select(AuditEntry.seq).where(
                    AuditEntry.action == "subject_access.create"
                )
            )
            is None
        )


def test_an_invalid_identifier_is_named(world):
    with pytest.raises(rights.QueryProblem) as caught:
        _request(world, "utrecht.privacy", {"phone": "abc"})
    assert "phone" in caught.value.fields
    assert "telefoonnummer" in str(caught.value)


def test_add_months_clamps_to_the_last_day():
    assert rights.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert rights.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert rights.add_months(dt.date(2026, 11, 30), 2) == dt.date(2027, 1, 30)


def test_deadline_one_month_extendable_once_by_up_to_two(world):
    received = dt.date.today() - dt.timedelta(days=10)
    request_id = _request(
        world, "utrecht.privacy", {"bsn": "111222333"}, received.isoformat()
    )
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        row = rights.list_requests(session, who)[0]
        deadline = rights.add_months(received, 1)
        assert row.deadline == deadline.isoformat()
        with pytest.raises(InvalidInput, match="reden"):
            rights.extend(session, who, request_id, " ")
        with pytest.raises(InvalidInput, match="twee maanden"):
            rights.extend(session, who, request_id, "drukte", months=3)
        rights.extend(session, who, request_id, "Veel partners betrokken.", months=1)
        assert row.extended_to == rights.add_months(deadline, 1).isoformat()
        assert rights.effective_deadline(row) == row.extended_to
        with pytest.raises(InvalidInput, match="één keer"):
            rights.extend(session, who, request_id, "nog eens")
        late = dt.date.fromisoformat(row.extended_to) + dt.timedelta(days=1)
        assert rights.is_overdue(row, late)
        assert [(d.kind, d.id, d.overdue) for d in rights.due(session, who, late)] == [
            ("inzage", request_id, True)
        ]
        rights.mark_handled(session, who, request_id)
        assert row.status == rights.HANDLED and row.handled_at is not None
        assert not rights.is_overdue(row, late)
        assert rights.due(session, who, late) == []
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "subject_access.extend")
        ).one()
        assert entry.detail == {"deadline": row.extended_to, "months": 1}


def test_extension_only_within_the_first_month(world):
    received = dt.date.today() - dt.timedelta(days=40)
    request_id = _request(
        world, "utrecht.privacy", {"bsn": "111222333"}, received.isoformat()
    )
    who = actor(world, "utrecht.privacy")
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        with pytest.raises(InvalidInput, match="AVG art. 12 lid 3"):
            rights.extend(session, who, request_id, "te laat bedacht")
        row = rights.list_requests(session, who)[0]
        assert row.extended_to is None and rights.is_overdue(row)
        [item] = rights.due(session, who)
        assert item.overdue and item.href == f"/inzageverzoeken/{request_id}"


def test_exemption_is_recorded_with_its_ground(world, reported):
    request_id = _request(world, "utrecht.privacy", {"phone": PHONE})
    who = actor(world, "utrecht.privacy")
    item = f"signal:{reported['signals']['c']}"
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        with pytest.raises(InvalidInput, match="grond"):
            rights.add_exemption(session, who, request_id, item, "zomaar", "", KEYS)
        with pytest.raises(InvalidInput, match="onderdeel"):
            rights.add_exemption(
                session, who, request_id, "signal:999999", "lopend_onderzoek", "", KEYS
            )
        rights.add_exemption(
            session, who, request_id, item, "lopend_onderzoek", "politie vraagt", KEYS
        )
    report = _report(world, "utrecht.privacy", request_id)
    assert item not in {i.key for i in report.items}
    [withheld] = report.withheld
    assert withheld.item.key == item and "AVG art. 23" in withheld.citation
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "subject_access.exemption")
        ).one()
        assert entry.detail == {"item": item, "ground": "lopend_onderzoek"}


def test_only_own_privacy_officer_sees_a_request(world):
    request_id = _request(world, "utrecht.privacy", {"bsn": "111222333"})
    for username, error in (
        ("avim.privacy", NotFound),
        ("utrecht.medewerker", NotPermitted),
    ):
        who = actor(world, username)
        with (
            pytest.raises(error),
            scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session,
        ):
            rights.report(session, who, request_id, KEYS)


# ------------------------------------------------------------------ erasure


def _erase(world, username, signal_id, reason="verzoek_betrokkene"):
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        request = rights.request_erasure(session, who, signal_id, reason)
        request_id = request.id
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        done = rights.approve_erasure(session, who, request_id, KEYS)
        return done.status, done.refusal_ground


def test_erasure_leaves_no_plaintext_and_the_chain_verifies(world, reported):
    signal_id = save_signal(
        world, "utrecht.medewerker", signal_about("Mirela", "Wisvoorbeeld", phone=PHONE)
    )
    share_id = share(
        world, "utrecht.medewerker", signal_id, world.b.id, serious_danger=True
    )
    phone_token = token("phone", PHONE, KEYS.linkage_secret)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        before = database_text(session)
    assert "Wisvoorbeeld" in before and PHONE_NORMAL in before
    assert before.count(phone_token) == 2  # this signal and the shelter's

    assert _erase(world, "utrecht.privacy", signal_id) == (rights.EXECUTED, None)

    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        after = database_text(session)
        assert "Wisvoorbeeld" not in after and "Mirela" not in after
        assert after.count(phone_token) == 1  # only the shelter's own signal
        assert PHONE_NORMAL in after  # the shelter's signal is untouched
        row = session.get(Signal, signal_id)
        assert row.erased_at is not None and row.status == rights.ERASED
        assert row.forms == ["labour_exploitation"]  # tombstone keeps vocabulary
        shared = session.get(Share, share_id)
        assert shared.erased_at is not None
        assert KEYS.keyring.decrypt_json(shared.payload_enc, "shares.payload")["erased"]
        for model in (SignalToken, PersonEncoding):
            assert not session.scalars(
                select(model).where(model.signal_id == signal_id)
            ).all()
        count, broken = audit_log.verify(session)
        assert broken is None and count > 0
        executed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erasure.executed")
        ).one()
        assert executed.object_ref == str(signal_id)
        assert executed.detail["shares"] == 1 and executed.detail["same_person"]
        for entry in session.scalars(select(AuditEntry)):
            assert "Wisvoorbeeld" not in repr(entry.detail)
    # the other organisations' signals about the first person are still found
    request_id = _request(world, "utrecht.privacy", {"phone": PHONE})
    report = _report(world, "utrecht.privacy", request_id)
    assert {i.key for i in report.items if i.kind == "vastgelegd"} == {
        f"signal:{reported['signals']['c']}"
    }


def test_investigation_hold_refuses_erasure_with_the_ground(world, reported):
    set_share_status(world, "avim.medewerker", reported["share"], "opgepakt_onderzoek")
    status, ground = _erase(world, "utrecht.privacy", reported["signals"]["a"])
    assert (status, ground) == (rights.REFUSED, "lopend_onderzoek")
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        row = session.get(Signal, reported["signals"]["a"])
        assert row.erased_at is None
        assert "Testescu" in database_text(session)
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "erasure.refused")
        ).one()
        assert refused.detail["ground"] == "lopend_onderzoek"
        assert "Wpg" in refused.detail["citation"]


def test_explicit_hold_refuses_and_can_be_lifted(world, reported):
    who = actor(world, "utrecht.privacy")
    signal_id = reported["signals"]["a"]
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        rights.set_hold(session, who, signal_id, "rechtsvordering")
    assert _erase(world, "utrecht.privacy", signal_id) == (
        rights.REFUSED,
        "rechtsvordering",
    )
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        rights.set_hold(session, who, signal_id, None)
    assert _erase(world, "utrecht.privacy", signal_id)[0] == rights.EXECUTED


def test_erasure_only_of_own_signals_by_privacy_officers(world, reported):
    with pytest.raises(NotFound):
        _erase(world, "utrecht.privacy", reported["signals"]["b"])
    with pytest.raises(NotPermitted):
        _erase(world, "utrecht.medewerker", reported["signals"]["a"])
    with pytest.raises(InvalidInput, match="reden"):
        _erase(world, "utrecht.privacy", reported["signals"]["a"], reason="zomaar")
