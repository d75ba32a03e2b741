"""Signal intake, routing through the gate and follow-up through pages and API."""

import json
import re

from tests.factory import SAMPLE_SIGNAL, login

FORM = {
    "source": "inspection",
    "observed_on": "02-11-2026",
    "municipality": "Utrecht",
    "forms": ["labour_exploitation"],
    "indicators": ["withheld_documents", "excessive_hours"],
    "description": "Werknemers slapen in loods, paspoorten bij uitzendbureau.",
    "p0_roles": ["possible_victim"],
    "p0_given_name": "Marek",
    "p0_surname": "Voorbeeld",
    "p0_date_of_birth": "1990-05-01",
    "phones": "06 1111 2222",
}


def _csrf(client, world, user="utrecht.medewerker"):
    return login(client, world, user)


def test_draft_then_resume_then_submit(client, world):
    csrf = _csrf(client, world)
    draft = client.post(
        "/signalen/nieuw",
        data={
            **FORM,
            "csrf_token": csrf,
            "action": "draft",
            "indicators": [],
            "forms": [],
        },
    )
    assert draft.status_code == 303
    location = draft.headers["location"]
    assert "Concept" in client.get(location).text
    edit = client.get(location + "/bewerken?stap=personen")
    assert "Marek" in edit.text
    submitted = client.post(
        location + "/bewerken", data={**FORM, "csrf_token": csrf, "action": "submit"}
    )
    assert submitted.status_code == 303
    assert "Ingediend" in client.get(location).text


def test_bad_identifiers_get_field_errors_and_nothing_is_saved(client, world):
    csrf = _csrf(client, world)
    before = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()[
        "count"
    ]
    bad = {
        **FORM,
        "csrf_token": csrf,
        "action": "submit",
        "phones": "12",
        "ibans": "NL00RABO0123456789",
        "p0_bsn": "123456789",
    }
    response = client.post("/signalen/nieuw", data=bad)
    assert response.status_code == 422
    assert (
        "phones" in response.text
        and "ibans" in response.text
        and "p0_bsn" in response.text
    )
    after = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()[
        "count"
    ]
    assert after == before


def test_api_rejects_unknown_indicator_with_problem_json(client, world):
    csrf = _csrf(client, world)
    response = client.post(
        "/api/v1/signals",
        headers={"X-CSRF-Token": csrf},
        json={"signal": {**SAMPLE_SIGNAL, "indicators": ["nationality_x"]}},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "nationality_x" in response.text


def test_api_refuses_text_the_database_cannot_store(client, world):
    """NUL reached PostgreSQL's clear municipality column (a 500); a lone surrogate
    cannot be encoded at all. Both are a 422 naming the field; nothing is saved."""
    csrf = _csrf(client, world)
    before = client.get("/api/v1/signals").json()
    for field, value in (
        ("municipality", "Utr\x00echt"),
        ("description", "tekst \ud800 met een half teken"),
    ):
        response = client.post(
            "/api/v1/signals",
            headers={"X-CSRF-Token": csrf, "content-type": "application/json"},
            # json.dumps escapes both as \\u0000 and \\ud800, as a client would send
            content=json.dumps({"signal": {**SAMPLE_SIGNAL, field: value}}),
        )
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == f"signal.{field}"
        if field == "municipality":
            nul_answer = response.text
    assert "ongeldig teken (NUL)" in nul_answer
    assert client.get("/api/v1/signals").json() == before


def test_route_to_police_then_follow_up_visible_to_reporter(client, world):
    csrf = _csrf(client, world)
    created = client.post(
        "/signalen/nieuw", data={**FORM, "csrf_token": csrf, "action": "submit"}
    )
    signal_url = created.headers["location"]
    plan = client.post(
        signal_url + "/doorzetten",
        data={
            "csrf_token": csrf,
            "recipient_org_id": str(world.b.id),
            "purpose": "investigation",
        },
    )
    assert plan.status_code == 200 and "Wordt gedeeld" in plan.text
    confirm = client.post(
        signal_url + "/doorzetten",
        data={
            "csrf_token": csrf,
            "recipient_org_id": str(world.b.id),
            "purpose": "investigation",
            "confirm": "ja",
        },
    )
    assert confirm.status_code == 303
    assert "ontvangen" in client.get(signal_url).text
    client.cookies.clear()
    police = _csrf(client, world, "avim.analist")
    inbox = client.get("/inbox")
    share_ids = re.findall(r'href="/inbox/(\d+)"', inbox.text)
    newest = max(int(i) for i in share_ids)
    item = client.get(f"/inbox/{newest}")
    assert "Marek" in item.text
    assert (
        client.post(
            f"/inbox/{newest}/status",
            data={"csrf_token": police, "status": "opgepakt_onderzoek"},
        ).status_code
        == 303
    )
    client.cookies.clear()
    _csrf(client, world)
    assert "opgepakt: onderzoek" in client.get(signal_url).text


def test_api_route_without_confirm_only_plans(client, world):
    csrf = _csrf(client, world)
    signal_id = client.post(
        "/api/v1/signals",
        headers={"X-CSRF-Token": csrf},
        json={"signal": SAMPLE_SIGNAL},
    ).json()["id"]
    planned = client.post(
        f"/api/v1/signals/{signal_id}/route",
        headers={"X-CSRF-Token": csrf},
        json={"recipient_org_id": world.b.id, "purpose": "investigation"},
    )
    assert planned.status_code == 200 and planned.json()["share_id"] is None
    detail = client.get(
        f"/api/v1/signals/{signal_id}", headers={"X-CSRF-Token": csrf}
    ).json()
    assert detail["shares"] == []


def test_api_route_to_an_absurd_organisation_id_is_a_422(client, world):
    csrf = _csrf(client, world)
    signal_id = client.post(
        "/api/v1/signals",
        headers={"X-CSRF-Token": csrf},
        json={"signal": SAMPLE_SIGNAL},
    ).json()["id"]
    for bad in (2**63, 0, "2"):
        response = client.post(
            f"/api/v1/signals/{signal_id}/route",
            headers={"X-CSRF-Token": csrf},
            json={"recipient_org_id": bad, "purpose": "investigation"},
        )
        assert response.status_code == 422, bad
        assert "recipient_org_id" in response.text
