"""A care coordinator opens a case from a signal and invites the police; the police
coordinator accepts and contributes through the share gate; the care coordinator
sees the contribution and records a decision."""

import re

import pytest

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
    police.get_by_label("Uw bijdrage").fill(
        "Telefoonnummer komt voor in eerdere signalen (demo)."
    )
    police.get_by_label("Bevat persoonsgegevens").check()
    police.get_by_role("button", name="Bijdrage toevoegen").click()
    police.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    own = police.locator(".case-contribution").first.inner_text()
    assert "Toegestaan onder voorwaarden" in own

    care.goto(case_url)
    assert "eerdere signalen (demo)" in care.locator(".case-contribution").inner_text()
    care.locator("#veld-besluit").fill("Veiligheidsplan opstellen.")
    care.get_by_label("Motivering").fill("Eerst veiligheid, dan aangifte bespreken.")
    care.get_by_role("button", name="Besluit vastleggen").click()
    care.wait_for_url(re.compile(r".*/casussen/\d+.*"))
    assert "Veiligheidsplan opstellen." in care.locator(".case-decisions").inner_text()
    care.screenshot(path=str(tmp_path / "casus.png"), full_page=True)
