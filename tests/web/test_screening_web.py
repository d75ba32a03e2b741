"""Screening through the JSON API and the review pages."""

import json
import re

import pytest

from tests.factory import login

FLAGGED = (
    "Btr. (v, 19) werkt in massagesalon, paspoort ligt bij de eigenaar, "
    "moet schuld van 6000 euro afbetalen."
)


def _api(client, world, username="avim.medewerker"):
    return {"X-CSRF-Token": login(client, world, username)}


def test_screen_returns_contract_results_per_record(client, world):
    headers = _api(client, world)
    body = {"records": [{"id": "m1", "text": FLAGGED}, {"id": 2, "text": "Niets."}]}
    response = client.post("/api/v1/screen", json=body, headers=headers)
    assert response.status_code == 200
    result = response.json()
    assert (result["count"], result["flagged"]) == (2, 1)
    first, second = result["data"]
    assert set(first) == {"id", "flagged", "score", "types", "indicators"}
    assert (first["id"], first["flagged"], second["id"]) == ("m1", True, 2)
    assert first["types"] == ["sexual_exploitation"]
    for hit in first["indicators"]:
        assert FLAGGED[hit["start"] : hit["end"]] == hit["text"]
    assert second["indicators"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "records"),
        ({"records": []}, "records"),
        ({"records": [{"id": "x"}]}, "records.0.text"),
        ({"records": [{"text": "x"}]}, "records.0.id"),
        ({"records": [{"id": "", "text": "x"}]}, "records.0.id"),
        ({"records": [{"id": True, "text": "x"}]}, "records.0.id"),
        ({"records": [{"id": "x", "text": 5}]}, "records.0.text"),
        ({"records": [{"id": "x", "text": "y", "naam": "z"}]}, "records.0.naam"),
        ({"records": [{"id": i, "text": "x"} for i in range(1001)]}, "records"),
    ],
)
def test_screen_rejects_bad_bodies_with_problem_json(client, world, body, field):
    response = client.post("/api/v1/screen", json=body, headers=_api(client, world))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields


@pytest.mark.parametrize("username", ["utrecht.medewerker", "avim.privacy"])
def test_screen_refuses_other_organisation_types_and_roles(client, world, username):
    response = client.post(
        "/api/v1/screen",
        json={"records": [{"id": "m1", "text": FLAGGED}]},
        headers=_api(client, world, username),
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_api_review_of_a_hit(client, world):
    headers = _api(client, world)
    hit_id = world.b.records["hit_id"][0]
    missing = client.post(
        f"/api/v1/screening/hits/{hit_id}/dismiss", json={}, headers=headers
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    other = client.post(
        f"/api/v1/screening/hits/{hit_id}/dismiss",
        json={"reason": "other"},
        headers=headers,
    )
    assert other.status_code == 422
    assert "anders" in other.json()["detail"]
    done = client.post(
        f"/api/v1/screening/hits/{hit_id}/dismiss",
        json={"reason": "no_exploitation", "note": "Loonconflict."},
        headers=headers,
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["reason"]) == (
        "dismissed",
        "no_exploitation",
    )
    again = client.post(
        f"/api/v1/screening/hits/{hit_id}/accept", json={}, headers=headers
    )
    assert again.status_code == 422
    batch = client.get(
        f"/api/v1/screening/batches/{world.b.records['batch_id'][0]}", headers=headers
    ).json()
    assert [h["status"] for h in batch["hits"]] == ["dismissed"]
    listed = client.get("/api/v1/screening/batches", headers=headers).json()
    assert listed["count"] == 1


def test_nav_shows_screening_only_to_screening_organisations(client, world):
    login(client, world, "avim.analist")
    assert 'href="/screening"' in client.get("/").text
    client.cookies.clear()
    login(client, world, "utrecht.analist")
    assert 'href="/screening"' not in client.get("/").text
    assert client.get("/screening").status_code == 403


def test_upload_page_screens_and_highlights(client, world):
    csrf = login(client, world, "avim.analist")
    page = client.get("/screening")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    lines = [
        json.dumps({"id": "m-77", "text": FLAGGED}),
        "{kapot",
        json.dumps({"id": "m-78", "text": "Fietser zonder licht."}),
    ]
    response = client.post(
        "/screening",
        data={"csrf_token": csrf},
        files={"bestand": ("week.jsonl", "\n".join(lines).encode(), "text/plain")},
    )
    assert response.status_code == 303
    batch_page = client.get(response.headers["location"])
    assert batch_page.status_code == 200
    text = batch_page.text
    assert "m-77" in text and "m-78" not in text
    assert "<mark" in text
    marked = re.findall(r"<mark[^>]*>([^<]+)</mark>", text)
    assert marked and all(m in FLAGGED for m in marked)
    assert "regel 2: geen geldige JSON" in text


def test_upload_page_without_file_or_with_bad_file(client, world):
    csrf = login(client, world, "avim.medewerker")
    nothing = client.post("/screening", data={"csrf_token": csrf})
    assert nothing.status_code == 422
    assert "Kies een bestand" in nothing.text
    bad = client.post(
        "/screening",
        data={"csrf_token": csrf, "strikt": "ja"},
        files={"bestand": ("x.jsonl", b'{"id": 1, "text": "a"}\n[1]\n', "text/plain")},
    )
    assert bad.status_code == 422
    assert "regel 2: geen JSON-object" in bad.text
    without_csrf = client.post(
        "/screening", files={"bestand": ("x.jsonl", b"{}", "text/plain")}
    )
    assert without_csrf.status_code == 403


def test_dismiss_form_needs_a_reason_then_records_it(client, world):
    csrf = login(client, world, "avim.medewerker")
    hit_id = world.b.records["hit_id"][0]
    url = f"/screening/treffers/{hit_id}/afwijzen"
    refused = client.post(url, data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert "kies waarom" in refused.text
    via_htmx = client.post(
        url, data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    assert via_htmx.status_code == 200
    assert f'id="treffer-{hit_id}"' in via_htmx.text
    assert "kies waarom" in via_htmx.text
    done = client.post(url, data={"csrf_token": csrf, "reason": "already_known"})
    assert done.status_code == 200
    assert "Treffer testverantwoording-1 afgewezen." in done.text
    assert "Al bekend" in done.text
    assert f'action="/screening/treffers/{hit_id}/afwijzen"' not in done.text


def test_accept_form_records_acceptance(client, world):
    csrf = login(client, world, "avim.analist")
    hit_id = world.b.records["hit_id"][0]
    done = client.post(
        f"/screening/treffers/{hit_id}/accepteren",
        data={"csrf_token": csrf, "note": "Naar AVIM-team."},
    )
    assert done.status_code == 200
    assert "Treffer testverantwoording-1 geaccepteerd." in done.text
    assert "Naar AVIM-team." in done.text
