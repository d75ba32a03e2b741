"""A care coordinator opens a case from a signal and invites the police; the police
coordinator accepts, names a professional and contributes (with a document
reference) through the share gate; the named professional accepts and sees it; the
care coordinator sees the contribution, records a decision, plans a meeting with an
agenda and minutes, and downloads the PDF of minutes and action plan."""

import re

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_open_invite_accept_contribute_decide(browser, live_server, tmp_path):
    care = browser.new_context(base_url=live_server).new_page()
    log_in(care, "zorgco-rotterdam.analist")
    care.wait_for_url("**/")
    care.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Casussen"
    ).click()
    care.get_by_role("link", name="Nieuwe casus").click()
    care.locator("#veld-signal_id").select_option(index=1)
    care.get_by_label("Kader").select_option("zorg_en_veiligheidshuis")
    care.get_by_role("button", name="Casus openen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+$"))
    case_url = care.url
    care.get_by_label("Organisatie uitnodigen").select_option(
        label="Politie eenheid Rotterdam (AVIM)"
    )
    care.get_by_role("button", name="Uitnodigen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    assert "uitgenodigd" in care.locator(".case-participants").inner_text()

    police = browser.new_context(base_url=live_server).new_page()
    log_in(police, "avim-rotterdam.analist")
    police.wait_for_url("**/")
    police.goto(case_url)
    assert police.locator(".case-contribution").count() == 0
    police.get_by_role("button", name="Uitnodiging accepteren").click()
    police.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    police.get_by_label("Professional van uw organisatie noemen").select_option(index=1)
    police.get_by_role("button", name="Professional noemen").click()
    police.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    assert (
        "genoemd, nog niet geaccepteerd" in police.locator(".case-members").inner_text()
    )
    police.get_by_label("Uw bijdrage").fill(
        "Telefoonnummer komt voor in eerdere signalen (demo)."
    )
    police.get_by_label("Documenten (verwijzingen)").fill(
        "Mutatie controle (demo) | BVH-registratie 2026-1 (demo)"
    )
    police.get_by_label("Bevat persoonsgegevens").check()
    police.get_by_role("button", name="Bijdrage toevoegen").click()
    police.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    own = police.locator(".case-contribution").first.inner_text()
    assert "Toegestaan onder voorwaarden" in own
    assert "Mutatie controle (demo)" in own

    named = browser.new_context(base_url=live_server).new_page()
    log_in(named, "avim-rotterdam.medewerker")
    named.wait_for_url("**/")
    named.goto(f"{live_server}/inbox")
    named.get_by_role("link", name=re.compile(r"Casus \d+")).first.click()
    named.get_by_role("button", name="Deelname accepteren").click()
    named.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    assert "eerdere signalen (demo)" in named.locator(".case-contribution").inner_text()

    care.goto(case_url)
    assert "eerdere signalen (demo)" in care.locator(".case-contribution").inner_text()
    care.locator("#veld-besluit").fill("Veiligheidsplan opstellen.")
    care.get_by_label("Motivering").fill("Eerst veiligheid, dan aangifte bespreken.")
    care.get_by_role("button", name="Besluit vastleggen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    assert "Veiligheidsplan opstellen." in care.locator(".case-decisions").inner_text()
    care.get_by_label("Datum overleg").fill("2026-12-01")
    care.get_by_label("Titel overleg").fill("Eerste casusoverleg")
    care.get_by_role("button", name="Overleg toevoegen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    care.get_by_label("Agendapunt").fill("Veiligheid van cliënte")
    care.get_by_role("button", name="Agendapunt toevoegen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    care.locator("#veld-notulen").fill("Politie licht bedenktijd toe.")
    care.get_by_role("button", name="Notulen vastleggen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    meeting = care.locator(".case-meeting").inner_text()
    assert "Veiligheid van cliënte" in meeting
    assert "Politie licht bedenktijd toe." in meeting
    with care.expect_download() as download:
        care.get_by_role("link", name="Verslag en actieplan downloaden (PDF)").click()
    pdf = PdfReader(download.value.path())
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Veiligheid van cliënte" in text and "eerdere signalen (demo)" in text
    care.screenshot(path=str(tmp_path / "casus.png"), full_page=True)
