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


def test_xlsx_upload_reports_bad_rows_like_csv(client, world):
    import io

    from openpyxl import Workbook

    csrf = login(client, world, "utrecht.medewerker")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["Werkt 14 uur per dag", *LABOUR.split(","), "Jan", "Proef",
                  "1990-01-01", "0612345678", ""])  # fmt: skip
    sheet.append(["Slecht nummer", *LABOUR.split(","), "Piet", "Proef",
                  "1991-01-01", "12", ""])  # fmt: skip
    data = io.BytesIO()
    book.save(data)
    response = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("signalen.xlsx", data.getvalue(), "application/zip")},
    )
    assert response.status_code == 200
    report = response.text.split('id="importrapport"')[1]
    assert "opgeslagen: <strong>1</strong>" in report
    assert "<td>3</td><td>phones</td>" in report


def test_a_refused_file_saves_nothing(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    before = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()
    # Valid rows first, then bytes that are no UTF-8: the file is refused whole.
    body = HEADER + f"Werkt 14 uur per dag,{LABOUR},Jan,Proef,1990-01-01,,\n"
    latin = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("s.csv", body.encode() + b"caf\xe9\n", "text/csv")},
    )
    assert latin.status_code == 422 and "UTF-8" in latin.text
    response = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("s.xlsx", b"PK\x03\x04kapot", "application/zip")},
    )
    assert response.status_code == 422 and "XLSX" in response.text
    after = client.get("/api/v1/signals", headers={"X-CSRF-Token": csrf}).json()
    assert after["count"] == before["count"]
