"""Pages for subject access, erasure and retention (privacy officers only)."""

import datetime as dt
import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from schakel.services import rights
from schakel.store.models import AuditEntry, Share, Signal
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


# ------------------------------------------------------------------ PDF


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_report_pdf_subject_copy_and_file_copy(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    page = client.get(location).text
    assert f'href="{location}/pdf"' in page
    withheld = f"signal:{world.b.records['signal_id'][0]}"
    client.post(
        f"{location}/uitzondering",
        data={
            "csrf_token": csrf,
            "item": withheld,
            "ground": "lopend_onderzoek",
            "note": "Verzoek van de recherche",
        },
    )
    subject = _pdf_text(client.get(f"{location}/pdf"))
    for expected in (
        "Inzage in uw gegevens",
        "Exemplaar voor de betrokkene",
        "Gemeente Utrecht",
        "heeft gegevens ontvangen",
        "AVG art. 16",  # the further rights
        "Autoriteit Persoonsgegevens",
    ):
        assert expected in subject, expected
    assert "massagesalon" not in subject  # never the content
    assert "Verzoek van de recherche" not in subject
    assert withheld not in subject
    dossier = _pdf_text(client.get(f"{location}/pdf?exemplaar=dossier"))
    assert "Dossierexemplaar" in dossier
    assert withheld in dossier and "Verzoek van de recherche" in dossier
    assert "AVG art. 23 lid 1 sub d" in dossier
    assert client.get(f"{location}/pdf?exemplaar=alles").status_code == 422
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        outputs = [
            e.detail["output"]
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "subject_access.report")
            )
        ]
    assert {"page", "pdf:betrokkene", "pdf:dossier"} <= set(outputs)


def test_report_pdf_names_rule_ids_and_citations_of_a_share(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        share = session.get(Share, world.b.records["share_id"][0])
        grounds = share.answer["grounds"]
    assert grounds
    text = _pdf_text(client.get(f"{location}/pdf"))
    for ground in grounds:
        assert ground["id"] in text and ground["citation"] in text


def test_another_organisation_cannot_download_the_pdf(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    client.cookies.clear()
    login(client, world, "avim.privacy")
    assert client.get(f"{location}/pdf").status_code == 404


def test_register_pdf(client, world):
    login(client, world, "utrecht.privacy")
    assert 'href="/verwerkingsregister.pdf"' in client.get("/verwerkingsregister").text
    text = _pdf_text(client.get("/verwerkingsregister.pdf"))
    assert "Register van verwerkingsactiviteiten" in text
    assert "Gemeente Utrecht" in text and "Beveiligingsmaatregelen" in text
    assert "Politie Rotterdam (" not in text


# ------------------------------------------------------------------ deadlines


def test_overdue_requests_are_shown_to_the_privacy_officer(client, world):
    csrf = login(client, world, "utrecht.privacy")
    late = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    location = _new_request(client, csrf, {**ILONA, "received_on": late}).headers[
        "location"
    ]
    listing = client.get("/inzageverzoeken").text
    assert "over de termijn" in listing and f'href="{location}"' in listing
    home = client.get("/").text
    assert "Verzoeken van betrokkenen" in home and f'href="{location}"' in home
    refused = client.post(
        f"{location}/verlengen",
        data={"csrf_token": csrf, "reason": "drukte", "months": "1"},
    )
    assert refused.status_code == 422 and "AVG art. 12 lid 3" in refused.text
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    assert "Verzoeken van betrokkenen" not in client.get("/").text


def test_extension_by_one_month_through_the_page(client, world):
    csrf = login(client, world, "utrecht.privacy")
    location = _new_request(client, csrf, ILONA).headers["location"]
    assert 'name="months"' in client.get(location).text
    answer = client.post(
        f"{location}/verlengen",
        data={"csrf_token": csrf, "reason": "Veel partners", "months": "1"},
    )
    assert answer.status_code == 303
    received = dt.date.today()
    extended = rights.add_months(rights.add_months(received, 1), 1).isoformat()
    assert extended in client.get(location).text


# ------------------------------------------------------------------ rectification


def _rectification_id(page: str) -> int:
    found = re.search(r"/rectificatieverzoeken/(\d+)/goedkeuren", page)
    assert found
    return int(found.group(1))


def test_rectification_through_the_pages_tells_the_recipient(client, world):
    csrf = login(client, world, "utrecht.privacy")
    signal_id = world.a.records["signal_id"][0]
    form = client.get(f"/rectificatieverzoeken?signaal={signal_id}")
    assert form.status_code == 200
    assert "Persoon 1: achternaam: Testpersoon" in form.text
    asked = client.post(
        "/rectificatieverzoeken",
        data={
            "csrf_token": csrf,
            "signal_id": str(signal_id),
            "field": "persons.0.surname",
            "value": "Testpersona",
            "reason": "verzoek_betrokkene",
        },
    )
    assert asked.status_code == 303
    listing = client.get("/rectificatieverzoeken").text
    assert "Persoon 1: achternaam" in listing and "AVG art. 16" in listing
    approved = client.post(
        f"/rectificatieverzoeken/{_rectification_id(listing)}/goedkeuren",
        data={"csrf_token": csrf},
    )
    assert approved.status_code == 303
    done = client.get("/rectificatieverzoeken").text
    assert "uitgevoerd" in done and "Ingelicht: Politie Rotterdam" in done
    client.cookies.clear()
    login(client, world, "avim.medewerker")
    item = client.get(f"/inbox/{world.b.records['share_id'][0]}")
    assert item.status_code == 200 and "Gecorrigeerd op" in item.text


def test_rectification_bad_input_and_other_organisation(client, world):
    csrf = login(client, world, "utrecht.privacy")
    signal_id = str(world.a.records["signal_id"][0])
    empty = client.post(
        "/rectificatieverzoeken",
        data={"csrf_token": csrf, "signal_id": "", "field": "persons.0.surname"},
    )
    assert empty.status_code == 422 and "signaalnummer" in empty.text
    bad_date = client.post(
        "/rectificatieverzoeken",
        data={
            "csrf_token": csrf,
            "signal_id": signal_id,
            "field": "persons.0.date_of_birth",
            "value": "31-02-1999",
            "reason": "verzoek_betrokkene",
        },
    )
    assert bad_date.status_code == 422 and "nieuwe waarde" in bad_date.text
    assert "31-02-1999" in bad_date.text  # the form keeps what was entered
    other = str(world.b.records["signal_id"][0])
    assert client.get(f"/rectificatieverzoeken?signaal={other}").status_code == 404
    client.post(
        "/rectificatieverzoeken",
        data={
            "csrf_token": csrf,
            "signal_id": signal_id,
            "field": "phones.0",
            "value": "06 2000 0009",
            "reason": "eigen_constatering",
        },
    )
    rectification_id = _rectification_id(client.get("/rectificatieverzoeken").text)
    client.cookies.clear()
    csrf = login(client, world, "avim.privacy")
    for action in ("goedkeuren", "weigeren"):
        answer = client.post(
            f"/rectificatieverzoeken/{rectification_id}/{action}",
            data={"csrf_token": csrf, "reason": "niet van ons"},
        )
        assert answer.status_code == 404


def test_rectification_refused_with_a_reason_on_the_page(client, world):
    csrf = login(client, world, "utrecht.privacy")
    client.post(
        "/rectificatieverzoeken",
        data={
            "csrf_token": csrf,
            "signal_id": str(world.a.records["signal_id"][0]),
            "field": "persons.0.given_name",
            "value": "Ilonka",
            "reason": "verzoek_betrokkene",
        },
    )
    rectification_id = _rectification_id(client.get("/rectificatieverzoeken").text)
    path = f"/rectificatieverzoeken/{rectification_id}/weigeren"
    assert client.post(path, data={"csrf_token": csrf}).status_code == 422
    refused = client.post(
        path, data={"csrf_token": csrf, "reason": "Identiteitsbewijs wijkt af"}
    )
    assert refused.status_code == 303
    page = client.get("/rectificatieverzoeken").text
    assert "geweigerd" in page and "Identiteitsbewijs wijkt af" in page
