"""The registry de-duplicates across reporters; statistics suppress small cells; the
dark number is estimated from the overlap of reporter types."""

import pytest

from schakel.errors import NotPermitted
from schakel.services import accounts, gate, registry
from schakel.services import signals as signal_service
from schakel.signals import SignalInput
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Purpose, Region, Role
from tests.factory import PASSWORD, keys_for_tests, user_id

KEYS = keys_for_tests()


@pytest.fixture
def comensha(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="CoMensha",
            org_type=OrgType.COMENSHA,
            region=Region.MIDDEN_NEDERLAND,
        )
        accounts.add_user(
            session,
            org=org,
            username="comensha.medewerker",
            display_name="C",
            password=PASSWORD,
            roles=[Role.PROFESSIONAL],
        )
        return org.id


def _register(world, org_id, username, comensha_id, given, surname, dob):
    consent = {
        "status": "given",
        "recipient": "comensha",
        "purpose": "registration",
        "given_by": "subject",
    }
    payload = {
        "forms": ["labour_exploitation"],
        "description": "Registratie (test).",
        "observed_on": "2026-05-01",
        "consent": consent,
        "persons": [
            {
                "roles": ["possible_victim"],
                "given_name": given,
                "surname": surname,
                "date_of_birth": dob,
                "gender": "vrouw",
            }
        ],
    }
    with scoped_transaction(world.factory, Scope.for_org(org_id)) as session:
        actor = accounts.actor_for(session, user_id(world, username))
        row = signal_service.save(
            session, actor, SignalInput.model_validate(payload), KEYS, submit=True
        )
        gate.deliver(
            session,
            actor,
            gate.RouteRequest(row.id, comensha_id, Purpose.REGISTRATION),
            KEYS,
        )


def _entries(world, comensha_id):
    with scoped_transaction(world.factory, Scope.for_org(comensha_id)) as session:
        actor = accounts.actor_for(session, user_id(world, "comensha.medewerker"))
        return registry.registry(session, actor, KEYS)


def test_same_person_from_two_reporters_is_one_entry(world, comensha):
    _register(
        world,
        world.a.id,
        "utrecht.medewerker",
        comensha,
        "Alina",
        "Moldovan",
        "1999-02-02",
    )
    _register(
        world,
        world.b.id,
        "avim.medewerker",
        comensha,
        "Alyna",
        "Moldovan",
        "02-02-1999",
    )
    _register(
        world, world.b.id, "avim.medewerker", comensha, "Tomasz", "Novak", "1985-06-30"
    )
    entries = _entries(world, comensha)
    assert len(entries) == 2
    both = [e for e in entries if len(e.reporter_types) == 2]
    assert both and both[0].reporter_types == {"municipality", "police"}
    assert both[0].age_band == "24-34"


def test_only_comensha_sees_the_registry(world):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        with pytest.raises(NotPermitted):
            registry.registry(session, actor, KEYS)


def test_statistics_never_show_a_cell_under_ten(world, comensha):
    for i in range(3):
        _register(
            world,
            world.a.id,
            "utrecht.medewerker",
            comensha,
            f"Naam{i}",
            "Persoon",
            f"19{80 + i}-01-01",
        )
    stats = registry.statistics(_entries(world, comensha))
    for series in stats.series:
        for shown in series.shown:
            assert shown in ("<10", "x") or int(shown) >= 10
        assert all(v is None or v >= 10 for v in series.raw_for_chart)


def test_dark_number_from_known_overlap():
    entries = []
    number = 0
    for pattern, count in (
        ({"police"}, 60),
        ({"care_coordinator"}, 50),
        ({"police", "care_coordinator"}, 30),
    ):
        for _ in range(count):
            number += 1
            entries.append(
                registry.RegistryEntry(number=number, reporter_types=set(pattern))
            )
    view = registry.dark_number(entries, ["care_coordinator", "police"])
    main = view.results["main"]
    # Lincoln-Petersen: 90 * 80 / 30 = 240 in total.
    assert round(main.estimate) == 240
    assert view.observed == 140
