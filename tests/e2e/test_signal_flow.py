"""A municipal officer registers a soft signal and routes it to the police; the
police analyst picks it up; the officer sees the follow-up status change."""

import re

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_register_route_and_follow_up(browser, live_server, tmp_path):
    officer = browser.new_context(base_url=live_server).new_page()
    log_in(officer, "utrecht.medewerker")
    officer.wait_for_url("**/")
    officer.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Signalen"
    ).click()
    officer.get_by_role("link", name="Nieuw signaal registreren").click()
    next_step = officer.get_by_role("button", name="Volgende stap")
    officer.get_by_label("Datum van de waarneming").fill("20-11-2026")
    next_step.click()
    officer.wait_for_url(re.compile(r".*\?stap=signalen$"))
    officer.get_by_label("seksuele uitbuiting").check()
    officer.get_by_label("Inhouden identiteitspapieren").check()
    officer.get_by_label("Omschrijving").fill(
        "Controle (demo): paspoort ligt bij de uitbater."
    )
    next_step.click()
    officer.wait_for_url(re.compile(r".*\?stap=personen$"))
    officer.locator("#veld-p0_roles-possible_victim").check()
    officer.locator("#veld-p0_given_name").fill("Eline")
    officer.locator("#veld-p0_surname").fill("Proefpersoon (demo)")
    for step in ("kenmerken", "toestemming", "controle"):
        next_step.click()
        officer.wait_for_url(re.compile(rf".*\?stap={step}$"))
    overview = officer.locator("#overzicht").inner_text()
    assert "Eline" in overview and "Inhouden identiteitspapieren" in overview
    officer.get_by_role("button", name="Indienen").click()
    officer.wait_for_url(re.compile(r".*/signalen/\d+$"))
    signal_url = officer.url
    officer.get_by_label("Ontvanger").select_option(
        label="Politie eenheid Midden-Nederland (AVIM) (Politie)"
    )
    officer.get_by_label("Doel").select_option("investigation")
    officer.get_by_role("button", name="Controleer").click()
    assert "Wordt gedeeld" in officer.locator("#besluit").inner_text()
    officer.get_by_role("button", name="Doorzetten").click()
    officer.wait_for_url(re.compile(r".*/signalen/\d+.*"))
    assert "ontvangen" in officer.locator("td.opvolging").first.inner_text()

    police = browser.new_context(base_url=live_server).new_page()
    log_in(police, "avim-midden.analist")
    police.wait_for_url("**/")
    police.goto("/inbox")
    police.locator("a[href^='/inbox/']").first.click()
    assert "Eline" in police.content()
    police.get_by_label("Nieuwe status").select_option("opgepakt_onderzoek")
    police.get_by_role("button", name="Status opslaan").click()
    police.wait_for_url(re.compile(r".*/inbox/\d+$"))

    officer.goto(signal_url)
    assert "opgepakt: onderzoek" in officer.locator("td.opvolging").first.inner_text()
    officer.screenshot(path=str(tmp_path / "opvolging.png"), full_page=True)
