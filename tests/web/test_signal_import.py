"""Bulk CSV import: valid rows kept, invalid rows reported and not half-saved."""

from tests.factory import login

HEADER = "description,forms,indicators,given_name,surname,date_of_birth,phones,ibans\n"
LABOUR = "labour_exploitation,excessive_hours"


def _upload(client, csrf, text: str):
    return client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("signalen.csv", text.encode("utf-8"), "text/csv")},
    )


def test_import_keeps_valid_rows_and_reports_bad_ones(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    before = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()[
        "count"
    ]
    body = (
        HEADER
        + f"Werkt 14 uur per dag,{LABOUR},Jan,Proef,1990-01-01,0612345678,\n"
        + f"Slecht telefoonnummer,{LABOUR},Piet,Proef,1991-01-01,12,\n"
        + "Onbekende indicator,labour_exploitation,nationaliteit,Kees,P,1992-01-01,,\n"
        + "Foute IBAN,sexual_exploitation,withheld_documents,Ans,P,1993-01-01,,"
        + "NL00RABO0123456789\n"
    )
    response = _upload(client, csrf, body)
    assert response.status_code == 200
    report = response.text.split('id="importrapport"')[1]
    assert "opgeslagen: <strong>1</strong>" in report
    for row, column in (("3", "phones"), ("4", "indicators"), ("5", "ibans")):
        assert f"<td>{row}</td><td>{column}</td>" in report
    after = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()[
        "count"
    ]
    assert after == before + 1


def test_import_refuses_unknown_columns_and_bad_encoding(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    wrong = _upload(client, csrf, "omschrijving,kleur\nx,rood\n")
    assert wrong.status_code == 422 and "onbekende kolommen" in wrong.text
    latin = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={
            "bestand": ("s.csv", "description\ncaf\xe9\n".encode("latin-1"), "text/csv")
        },
    )
    assert latin.status_code == 422 and "UTF-8" in latin.text


def test_network_page_for_police_analyst_only(client, world):
    login(client, world, "avim.analist")
    page = client.get("/netwerk")
    assert page.status_code == 200 and "Netwerkbeeld" in page.text
    assert "Ilona" not in page.text
    client.cookies.clear()
    login(client, world, "utrecht.analist")
    assert client.get("/netwerk").status_code == 403
