"""The registry and dark-number pages for a CoMensha registrar."""

from tests.factory import login
from tests.services.test_registry import _register, comensha  # noqa: F401


def test_registry_and_dark_number_pages(client, world, comensha):  # noqa: F811
    people = [("Alina", "Moldovan", "1999-02-02"), ("Tomasz", "Novak", "1985-06-30")]
    for given, surname, dob in people:
        _register(
            world, world.a.id, "utrecht.medewerker", comensha, given, surname, dob
        )
    _register(
        world,
        world.b.id,
        "avim.medewerker",
        comensha,
        "Alina",
        "Moldovan",
        "1999-02-02",
    )
    login(client, world, "comensha.medewerker")
    page = client.get("/register")
    assert page.status_code == 200
    assert "Register van mogelijke slachtoffers" in page.text
    assert "&lt;10" in page.text and "Alina" not in page.text
    dark = client.get("/donker-getal")
    assert dark.status_code == 200 and "Overlaptabel" in dark.text
    assert "Aannames en beperkingen" in dark.text


def test_an_empty_registry_is_a_page_not_an_error(client, world, comensha):  # noqa: F811
    """Found by the authorisation matrix: with no registrations (a new registrar,
    or a year without any) the page answered 422 "lege tabel"."""
    login(client, world, "comensha.medewerker")
    for path in ("/register", "/register?jaar=1990"):
        page = client.get(path)
        assert page.status_code == 200, page.text[-500:]
        assert "Register van mogelijke slachtoffers" in page.text
