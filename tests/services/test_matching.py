"""Hit/no-hit in the platform: alerts for both reporters, carousels, decay, no data."""

from sqlalchemy import select, text

from schakel import clock
from schakel.services import accounts, match_queue, matching, network
from schakel.services import signals as signal_service
from schakel.signals import SignalInput
from schakel.store.models import MatchAlert
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role
from tests.factory import keys_for_tests, user_id

KEYS = keys_for_tests()


def _person(given, surname, dob, **extra):
    return {
        "forms": ["sexual_exploitation"],
        "description": "Waarneming (test).",
        "persons": [
            {
                "roles": ["possible_victim"],
                "given_name": given,
                "surname": surname,
                "date_of_birth": dob,
            }
        ],
        **extra,
    }


def _submit(world, org, username, payload):
    """Submit, then let the matching queue run (as the server's worker would)."""
    with scoped_transaction(world.factory, Scope.for_org(org)) as session:
        actor = accounts.actor_for(session, user_id(world, username))
        signal_id = signal_service.save(
            session, actor, SignalInput.model_validate(payload), KEYS, submit=True
        ).id
    match_queue.run_pending(world.factory)
    return signal_id


def _alerts(world, org, username, signal_id=None):
    """Alerts of ``org``, only about ``signal_id`` when given (world has its own)."""
    with scoped_transaction(world.factory, Scope.for_org(org)) as session:
        actor = accounts.actor_for(session, user_id(world, username))
        alerts = matching.alerts_for(session, actor)
    return [a for a in alerts if signal_id is None or a.signal_id == signal_id]


def test_spelling_variants_give_both_reporters_a_hit(world):
    mine_id = _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        _person("Daria", "Testescu", "2001-03-09"),
    )
    theirs_id = _submit(
        world, world.b.id, "avim.medewerker", _person("Darja", "Testesku", "09-03-2001")
    )
    mine = [
        a
        for a in _alerts(world, world.a.id, "utrecht.medewerker", mine_id)
        if a.kind == "person"
    ]
    theirs = [
        a
        for a in _alerts(world, world.b.id, "avim.medewerker", theirs_id)
        if a.kind == "person"
    ]
    assert len(mine) == 1 and len(theirs) == 1
    assert (
        mine[0].other_org_name == "Politie Rotterdam"
        and theirs[0].other_org_name == "Gemeente Utrecht"
    )


def test_different_people_give_no_person_hit(world):
    mine_id = _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        _person("Daria", "Testescu", "2001-03-09"),
    )
    _submit(
        world,
        world.b.id,
        "avim.medewerker",
        _person("Piotr", "Voorbeeld", "1994-07-21"),
    )
    assert not [
        a
        for a in _alerts(world, world.a.id, "utrecht.medewerker", mine_id)
        if a.kind == "person"
    ]


def test_same_phone_gives_a_hit_and_alerts_hold_no_identifiers(world, engine):
    _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        {**_person("A", "B", "2000-01-01"), "phones": ["0620009999"]},
    )
    _submit(
        world,
        world.b.id,
        "avim.medewerker",
        {**_person("C", "D", "1980-01-01"), "phones": ["+31620009999"]},
    )
    assert any(
        a.kind == "phone" for a in _alerts(world, world.a.id, "utrecht.medewerker")
    )
    with engine.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM match_alerts")).all())
        dump += repr(connection.execute(text("SELECT * FROM person_encodings")).all())
    assert "620009999" not in dump and "Testescu" not in dump


def test_alerts_decay_after_the_match_window(world):
    _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        _person("Daria", "Testescu", "2001-03-09"),
    )
    _submit(
        world, world.b.id, "avim.medewerker", _person("Darja", "Testesku", "2001-03-09")
    )
    try:
        clock.shift((matching.MATCH_WINDOW_DAYS + 1) * 86400)
        assert _alerts(world, world.a.id, "utrecht.medewerker") == []
        _submit(
            world,
            world.b.id,
            "avim.medewerker",
            _person("Daria", "Testescu", "2001-03-09"),
        )
        with scoped_transaction(world.factory, Scope.system_wide()) as session:
            recent = session.scalars(
                select(MatchAlert).where(
                    MatchAlert.created_at >= clock.utcnow().replace(hour=0)
                )
            ).all()
            assert all(alert.signal_id != alert.other_signal_id for alert in recent)
            assert len(recent) == 0
    finally:
        clock.reset()


def test_carousel_across_three_municipalities_alerts_police_analysts(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        third = accounts.add_organisation(
            session,
            name="Gemeente Eindhoven",
            org_type=OrgType.MUNICIPALITY,
            region=Region.OOST_BRABANT,
        )
        accounts.add_user(
            session,
            org=third,
            username="eindhoven.medewerker",
            display_name="E",
            password="correct-horse-battery-staple",
            roles=[Role.PROFESSIONAL],
        )
        third_id = third.id
    advert = {"accounts": [{"platform": "advertenties", "handle": "lena_x"}]}
    _submit(
        world,
        world.a.id,
        "utrecht.medewerker",
        {**_person("A", "B", "2000-01-01"), **advert, "municipality": "Utrecht"},
    )
    _submit(
        world,
        world.b.id,
        "avim.medewerker",
        {**_person("C", "D", "1990-01-01"), **advert, "municipality": "Rotterdam"},
    )
    _submit(
        world,
        third_id,
        "eindhoven.medewerker",
        {**_person("E", "F", "1985-01-01"), **advert, "municipality": "Eindhoven"},
    )
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        analyst = accounts.actor_for(session, user_id(world, "avim.analist"))
        carousels = matching.carousels_for(session, analyst)
        assert carousels and carousels[0].municipalities == [
            "Eindhoven",
            "Rotterdam",
            "Utrecht",
        ]
        view = network.network_view(session, analyst)
        assert view.components[0].size >= 3 and "<svg" in view.svg
        assert "lena_x" not in view.svg
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        professional = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        assert matching.carousels_for(session, professional) == []
