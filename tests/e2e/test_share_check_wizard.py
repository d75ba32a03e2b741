"""The wizard "Mag ik dit delen?" in a real browser: ask, answer follow-ups, save."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_wizard_asks_follow_up_and_saves_reasoning(page, tmp_path):
    log_in(page, "zorgco-rotterdam.medewerker")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mag ik dit delen?"
    ).click()
    page.get_by_label("Met welk type organisatie wilt u delen?").select_option(
        "comensha"
    )
    page.get_by_label("registratie van slachtoffers").check()
    page.get_by_label("identificerende gegevens").check()
    page.get_by_label("mogelijk slachtoffer").check()
    page.get_by_role("button", name="Beoordeel").click()
    follow_up = page.get_by_role("heading", name="Aanvullende vragen")
    follow_up.wait_for()
    assert page.get_by_text("Meer informatie nodig").first.is_visible()
    page.get_by_label("Heeft betrokkene toestemming gegeven?").select_option("given")
    page.get_by_role("button", name="Beoordeel").click()
    page.wait_for_function(
        "() => !document.querySelector('#uitkomst') || !document"
        ".querySelector('#uitkomst').innerText.includes('Meer informatie nodig')"
    )
    outcome = page.locator("#uitkomst")
    outcome.wait_for()
    assert "Grondslagen" in outcome.inner_text()
    page.get_by_label("Toelichting voor het dossier").fill(
        "Toestemming schriftelijk vastgelegd."
    )
    page.get_by_role("button", name="Vastleggen als verantwoording").click()
    page.wait_for_url("**/verantwoordingen/*")
    assert "Toestemming schriftelijk vastgelegd." in page.content()
    page.screenshot(path=str(tmp_path / "verantwoording.png"), full_page=True)
