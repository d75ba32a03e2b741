"""The register page and its exports, for privacy officers of their own organisation."""

from tests.factory import login


def test_privacy_officer_sees_own_register(client, world):
    login(client, world, "utrecht.privacy")
    page = client.get("/verwerkingsregister")
    assert page.status_code == 200
    assert "Register van verwerkingsactiviteiten" in page.text
    assert "Gemeente Utrecht" in page.text
    assert "Politie Rotterdam" not in page.text
    assert 'href="/verwerkingsregister.csv"' in page.text


def test_csv_and_json_exports(client, world):
    login(client, world, "avim.beheer")
    as_csv = client.get("/verwerkingsregister.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_csv.text.splitlines()[0].startswith("activiteit,uri,naam")
    as_json = client.get("/verwerkingsregister.json").json()
    assert as_json["organisation"] == "Politie Rotterdam"
    assert {a["id"] for a in as_json["activities"]} >= {"toetsing", "auditlog"}


def test_navigation_shows_the_register_only_to_privileged_roles(client, world):
    login(client, world, "utrecht.privacy")
    assert 'href="/verwerkingsregister"' in client.get("/").text
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    assert 'href="/verwerkingsregister"' not in client.get("/").text
