"""Pages for subject access, erasure and retention (privacy officers only)."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from schakel.store.models import Signal
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import login

ILONA = {"given_name": "Ilona", "surname": "Testpersoon", "date_of_birth": "12-04-1999"}


def _new_request(client, csrf, data):
    return client.post("/inzageverzoeken", data={"csrf_token": csrf, **data})


def test_too_little_to_search_is_refused_with_what_is_needed(client, world):
    csrf = login(client, world, "utrecht.privacy")
    answer = _new_request(client, csrf, {"given_name": "Ilona"})
    assert answer.status_code == 422
    assert "naam (voornaam of achternaam) én" in answer.text
    assert "BSN, telefoonnummer of" in answer.text
    assert 'value="Ilona"' in answer.text  # the form keeps what was entered


def test_report_lists_both_organisations_without_content(client, world):
    csrf = login(client, world, "utrecht.privacy")
    created = _new_request(client, csrf, ILONA)
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert page.status_code == 200
    assert "Gemeente Utrecht" in page.text and "Politie Rotterdam" in page.text
    assert "heeft een signaal vastgelegd" in page.text
    assert "heeft gegevens ontvangen" in page.text
    assert "data-print" in page.text
    assert "massagesalon" not in page.text  # the signals' description
    listing = client.get("/inzageverzoeken")
    assert created.headers["location"] in listing.text


def test_request_handling_and_exemption_through_the_page(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    item = f"signal:{world.b.records['signal_id'][0]}"
    answer = client.post(
        f"{location}/uitzondering",
        data={"csrf_token": csrf, "item": item, "ground": "lopend_onderzoek"},
    )
    assert answer.status_code == 303
    page = client.get(location).text
    assert "Niet verstrekt, met de vastgelegde grond" in page
    assert "AVG art. 23 lid 1 sub d" in page
    assert (
        client.post(f"{location}/verlengen", data={"csrf_token": csrf}).status_code
        == 422
    )
    assert (
        client.post(
            f"{location}/verlengen", data={"csrf_token": csrf, "reason": "drukte"}
        ).status_code
        == 303
    )
    assert "verlengd" in client.get(location).text
    done = client.post(f"{location}/afgehandeld", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert "Afgehandeld op" in client.get(location).text


def test_another_organisation_gets_404(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    client.cookies.clear()
    csrf = login(client, world, "avim.privacy")
    assert client.get(location).status_code == 404
    assert (
        client.post(f"{location}/afgehandeld", data={"csrf_token": csrf}).status_code
        == 404
    )


def _erasure_id(page: str) -> int:
    found = re.search(r"/verwijderverzoeken/(\d+)/goedkeuren", page)
    assert found
    return int(found.group(1))


def test_erasure_through_the_pages(client, world):
    csrf = login(client, world, "utrecht.privacy")
    signal_id = world.a.records["signal_id"][0]
    asked = client.post(
        "/verwijderverzoeken",
        data={"csrf_token": csrf, "signal_id": str(signal_id), "reason": "onjuist"},
    )
    assert asked.status_code == 303
    erasure = _erasure_id(client.get("/verwijderverzoeken").text)
    approved = client.post(
        f"/verwijderverzoeken/{erasure}/goedkeuren", data={"csrf_token": csrf}
    )
    assert approved.status_code == 303
    assert "uitgevoerd" in client.get("/verwijderverzoeken").text
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        row = session.scalars(select(Signal).where(Signal.id == signal_id)).one()
        assert row.erased_at is not None


def test_hold_refuses_with_the_ground_on_the_page(client, world):
    csrf = login(client, world, "utrecht.privacy")
    signal_id = str(world.a.records["signal_id"][0])
    held = client.post(
        "/verwijderverzoeken/bewaarplicht",
        data={"csrf_token": csrf, "signal_id": signal_id, "ground": "rechtsvordering"},
    )
    assert held.status_code == 200 and "Bewaarplicht vastgelegd" in held.text
    client.post(
        "/verwijderverzoeken",
        data={"csrf_token": csrf, "signal_id": signal_id, "reason": "onjuist"},
    )
    erasure = _erasure_id(client.get("/verwijderverzoeken").text)
    refused = client.post(
        f"/verwijderverzoeken/{erasure}/goedkeuren", data={"csrf_token": csrf}
    )
    assert refused.status_code == 409
    assert (
        "Wissen geweigerd" in refused.text and "AVG art. 17 lid 3 sub e" in refused.text
    )


def test_erasure_of_another_organisations_signal_is_404(client, world):
    csrf = login(client, world, "utrecht.privacy")
    answer = client.post(
        "/verwijderverzoeken",
        data={
            "csrf_token": csrf,
            "signal_id": str(world.b.records["signal_id"][0]),
            "reason": "onjuist",
        },
    )
    assert answer.status_code == 404


def test_retention_page_shows_own_expiries_and_the_policies(client, world):
    login(client, world, "utrecht.privacy")
    page = client.get("/bewaartermijnen")
    assert page.status_code == 200
    assert f'href="/signalen/{world.a.records["signal_id"][0]}"' in page.text
    assert f'href="/signalen/{world.b.records["signal_id"][0]}"' not in page.text
    assert "platformkeuze" in page.text and "Wpg" in page.text


def test_navigation_only_for_privacy_officers(client, world):
    login(client, world, "utrecht.privacy")
    home = client.get("/").text
    for href in ("/inzageverzoeken", "/verwijderverzoeken", "/bewaartermijnen"):
        assert f'href="{href}"' in home
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    assert 'href="/inzageverzoeken"' not in client.get("/").text


def test_the_app_runs_the_scheduler_only_when_configured(settings, world):
    from schakel.web.app import create_app

    plain = create_app(settings)
    assert not hasattr(plain.state, "retention_scheduler")
    plain.state.engine.dispose()
    app = create_app(settings.model_copy(update={"retention_interval_minutes": 60}))
    scheduler = app.state.retention_scheduler
    with TestClient(app):
        assert scheduler._thread is not None and scheduler._thread.is_alive()
    assert scheduler._thread is None
    app.state.engine.dispose()
