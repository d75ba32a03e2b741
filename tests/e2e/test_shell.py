"""A newcomer logs in to the Dutch demo and sees the dashboard."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_login_and_dutch_dashboard(page, tmp_path):
    log_in(page, "utrecht.medewerker")
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welkom")
    assert page.get_by_text("Gemeente Utrecht").first.is_visible()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    assert nav.get_by_role("link", name="Mag ik dit delen?").is_visible()
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_wrong_password_shows_generic_error(page):
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill("utrecht.medewerker")
    page.get_by_label("Wachtwoord").fill("helemaal-fout-123")
    page.get_by_role("button", name="Inloggen").click()
    assert "Inloggen is niet gelukt" in page.get_by_role("alert").first.inner_text()
