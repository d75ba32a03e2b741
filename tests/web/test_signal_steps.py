"""The intake form in steps: each step saves the draft, keeps the other steps'
answers, shows its own errors, and only the last step submits."""

import re

from tests.factory import login


def _signal_id(location: str) -> int:
    match = re.search(r"/signalen/(\d+)", location)
    assert match, location
    return int(match.group(1))


def _step(client, url, csrf, step, action="next", **fields):
    return client.post(
        url, data={"csrf_token": csrf, "stap": step, "action": action, **fields}
    )


def _walk_to_review(client, csrf):
    first = _step(
        client,
        "/signalen/nieuw",
        csrf,
        "waarneming",
        source="inspection",
        observed_on="20-11-2026",
        municipality="Utrecht",
        urgency="normal",
    )
    assert first.status_code == 303
    assert first.headers["location"].endswith("/bewerken?stap=signalen")
    signal_id = _signal_id(first.headers["location"])
    edit = f"/signalen/{signal_id}/bewerken"
    steps = [
        (
            "signalen",
            {
                "forms": ["labour_exploitation"],
                "indicators": ["withheld_documents", "excessive_hours"],
                "description": "Werknemers slapen in een loods (synthetisch).",
            },
        ),
        (
            "personen",
            {
                "p0_roles": ["possible_victim"],
                "p0_given_name": "Marek",
                "p0_surname": "Stappentest",
                "p0_date_of_birth": "1990-05-01",
            },
        ),
        ("kenmerken", {"phones": "06 1111 2222"}),
        ("toestemming", {"consent_status": "not_asked"}),
    ]
    for step, fields in steps:
        response = _step(client, edit, csrf, step, **fields)
        assert response.status_code == 303, response.text
    return signal_id, edit


def test_walking_the_steps_builds_one_draft_and_the_review_shows_it(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    signal_id, edit = _walk_to_review(client, csrf)
    review = client.get(edit + "?stap=controle")
    assert review.status_code == 200
    overview = review.text
    for expected in (
        "Marek",
        "Stappentest",
        "Inhouden identiteitspapieren",
        "+31611112222",
        "Utrecht",
    ):
        assert expected in overview, expected
    assert 'name="action" value="submit"' in overview
    assert "Concept" in client.get(f"/signalen/{signal_id}").text
    done = _step(client, edit, csrf, "controle", action="submit")
    assert (
        done.status_code == 303 and done.headers["location"] == f"/signalen/{signal_id}"
    )
    assert "Ingediend" in client.get(f"/signalen/{signal_id}").text


def test_a_step_replaces_only_its_own_fields(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    _, edit = _walk_to_review(client, csrf)
    back = _step(
        client,
        edit,
        csrf,
        "signalen",
        action="back",
        forms=["labour_exploitation"],
        description="Aangepaste omschrijving (synthetisch).",
    )
    assert back.status_code == 303 and back.headers["location"].endswith(
        "?stap=waarneming"
    )
    review = client.get(edit + "?stap=controle").text
    assert "Aangepaste omschrijving" in review
    assert "geen indicatoren gekozen" in review  # unchecked boxes are cleared
    assert "Marek" in review and "+31611112222" in review  # other steps kept


def test_an_error_stays_on_its_step_and_keeps_the_saved_draft(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    _, edit = _walk_to_review(client, csrf)
    bad = _step(
        client, edit, csrf, "kenmerken", phones="12", ibans="NL00RABO0123456789"
    )
    assert bad.status_code == 422
    assert "Stap 4 van 6" in bad.text
    assert "phones" in bad.text and "ibans" in bad.text
    review = client.get(edit + "?stap=controle").text
    assert "+31611112222" in review  # the saved draft is untouched


def test_submitting_an_incomplete_signal_shows_the_review_with_the_reason(
    client, world
):
    csrf = login(client, world, "utrecht.medewerker")
    first = _step(client, "/signalen/nieuw", csrf, "waarneming", municipality="Utrecht")
    edit = first.headers["location"].split("?")[0]
    refused = _step(client, edit, csrf, "controle", action="submit")
    assert refused.status_code == 422
    assert "Stap 6 van 6" in refused.text
    assert "kies minstens één" in refused.text
    assert "Concept" in client.get(edit.removesuffix("/bewerken")).text


def test_the_form_opens_with_the_partners_profile(client, world):
    login(client, world, "utrecht.medewerker")
    municipality = client.get("/signalen/nieuw").text
    assert re.search(r'value="inspection"\s+selected', municipality)
    assert 'value="Utrecht"' in municipality
    groups = client.get("/signalen/nieuw?stap=signalen").text
    first_group = re.search(r"<summary>([^<]+)</summary>", groups)
    assert first_group and "arbeid" in first_group.group(1).lower()
    client.get("/uitloggen")
    login(client, world, "avim.analist")
    police = client.get("/signalen/nieuw").text
    assert re.search(r'value="case_work"\s+selected', police)
