"""The share check through the JSON API and the wizard pages."""

import re

from tests.factory import SAMPLE_QUESTION, login


def test_api_answers_one_question_and_an_array(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    headers = {"X-CSRF-Token": csrf}
    one = client.post("/api/v1/share-check", json=SAMPLE_QUESTION, headers=headers)
    assert one.status_code == 200
    body = one.json()
    assert set(body) == {
        "decision",
        "grounds",
        "conditions",
        "missing",
        "alternatives",
        "explanation_nl",
        "ruleset_version",
    }
    many = client.post(
        "/api/v1/share-check",
        json=[SAMPLE_QUESTION, {**SAMPLE_QUESTION, "anonymised": True}],
        headers=headers,
    )
    assert [a["decision"] for a in many.json()][1] == "allowed"
    assert any(g["citation"] == "AVG overweging 26" for g in many.json()[1]["grounds"])


def test_api_rejects_unknown_values_with_problem_json(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    response = client.post(
        "/api/v1/share-check",
        json={**SAMPLE_QUESTION, "purpose": "gossip"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert any("purpose" in f for f in fields)


def test_api_rejects_unknown_field(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    response = client.post(
        "/api/v1/share-check",
        json={**SAMPLE_QUESTION, "colour": "red"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert any("colour" in e["field"] for e in response.json()["errors"])


def test_api_call_from_browser_session_needs_csrf_header(client, world):
    login(client, world, "utrecht.medewerker")
    assert client.post("/api/v1/share-check", json=SAMPLE_QUESTION).status_code == 403


def test_ask_is_audited_with_ruleset_version(client, world):
    from sqlalchemy import select

    from schakel.store.models import AuditEntry
    from schakel.store.tenancy import Scope, scoped_transaction

    csrf = login(client, world, "utrecht.medewerker")
    answer = client.post(
        "/api/v1/share-check", json=SAMPLE_QUESTION, headers={"X-CSRF-Token": csrf}
    ).json()
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "share_check.ask")
        ).one()
        assert entry.ruleset_version == answer["ruleset_version"]
        assert entry.org_id == world.a.id


def test_wizard_asks_only_missing_facts_then_saves_a_reasoning(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    page = client.get("/mag-ik-dit-delen")
    assert page.status_code == 200 and "Mag ik dit delen?" in page.text
    form = {
        "csrf_token": csrf,
        "recipient": "comensha",
        "purpose": "registration",
        "data": ["identifying", "special_sexual"],
        "subject": "possible_victim",
    }
    first = client.post("/mag-ik-dit-delen", data=form)
    assert first.status_code == 200
    assert "Meer informatie nodig" in first.text
    assert 'name="consent"' in first.text
    assert (
        'name="professional_secrecy"' not in first.text or "beroepsgeheim" in first.text
    )
    second = client.post(
        "/mag-ik-dit-delen", data={**form, "consent": "given", "subject_minor": "nee"}
    )
    assert (
        "Uitkomst" in second.text
        and "Meer informatie nodig" not in second.text.split("Uitkomst")[1][:400]
    )
    question = re.search(r'name="question" value="([^"]+)"', second.text)
    assert question
    import html

    saved = client.post(
        "/verantwoordingen",
        data={
            "csrf_token": csrf,
            "question": html.unescape(question.group(1)),
            "note": "Overleg met teamleider",
        },
    )
    assert saved.status_code == 303
    detail = client.get(saved.headers["location"])
    assert detail.status_code == 200 and "Overleg met teamleider" in detail.text
    assert "Regelset" in detail.text


def test_wizard_bad_input_names_the_field(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    response = client.post(
        "/mag-ik-dit-delen",
        data={"csrf_token": csrf, "purpose": "care", "subject": "possible_victim"},
    )
    assert response.status_code == 422
    assert "recipient" in response.text


def test_rules_page_lists_citations(client, world):
    login(client, world, "utrecht.medewerker")
    page = client.get("/regels")
    assert page.status_code == 200
    assert "AVG overweging 26" in page.text
    assert "geanonimiseerde politiegegevens voor onderzoek" in page.text
