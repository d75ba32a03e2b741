"""The screening review queue in a real browser: upload, see the highlight, dismiss."""

import json

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

RECORDS = [
    {
        "id": "e2e-mutatie-1",
        "text": (
            "Btr. (v, 19) werkt in massagesalon, paspoort ligt bij de eigenaar, "
            "moet schuld van 6000 euro afbetalen."
        ),
    },
    {"id": "e2e-mutatie-2", "text": "Fietser zonder licht aangehouden."},
]


def test_upload_highlight_and_dismiss_with_reason(page, tmp_path):
    upload = tmp_path / "mutaties.jsonl"
    upload.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")

    log_in(page, "avim-rotterdam.analist")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Screening"
    ).click()
    page.wait_for_url("**/screening")
    page.get_by_label("Bestand met registraties").set_input_files(str(upload))
    page.get_by_role("button", name="Screenen").click()
    page.wait_for_url("**/screening/*")

    card = page.locator("section", has_text="e2e-mutatie-1")
    card.wait_for()
    assert page.locator("section", has_text="e2e-mutatie-2").count() == 0
    marks = card.locator("mark")
    assert marks.count() >= 1
    assert "paspoort" in " ".join(marks.all_inner_texts())

    card.get_by_label("Reden van afwijzen").select_option(label="Al bekend")
    card.get_by_label("Toelichting bij afwijzen").fill("Loopt al in onderzoek.")
    card.get_by_role("button", name="Afwijzen").click()
    page.wait_for_function(
        "() => !document.querySelector('main form[action$=\"/afwijzen\"]')"
    )
    reviewed = page.locator("section", has_text="e2e-mutatie-1")
    text = reviewed.inner_text()
    assert "Afgewezen" in text
    assert "Al bekend" in text
    assert "Loopt al in onderzoek." in text
    page.screenshot(path=str(tmp_path / "screening.png"), full_page=True)

    page.reload()
    assert "Al bekend" in page.locator("section", has_text="e2e-mutatie-1").inner_text()
