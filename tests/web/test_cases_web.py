"""Case conferences through the pages: open, invite, accept, contribute, decide,
act, close; clear messages for bad input; feedback on the signal page and in the
reporter's inbox; overdue actions in the inbox; "Casus openen" for coordinators."""

import datetime as dt
import re

from schakel import clock
from tests.factory import CASE_MARKER, login


def _open_case(client, world, frame="zorg_en_veiligheidshuis", purpose=""):
    csrf = login(client, world, "utrecht.analist")
    page = client.get("/casussen/nieuw")
    assert page.status_code == 200
    assert 'for="veld-signal_id"' in page.text
    response = client.post(
        "/casussen/nieuw",
        data={
            "csrf_token": csrf,
            "signal_id": str(world.a.records["signal_id"][0]),
            "frame": frame,
            "purpose": purpose,
        },
    )
    assert response.status_code == 303, response.text[:500]
    return csrf, response.headers["location"]


def _post(client, url, csrf, **data):
    return client.post(url, data={"csrf_token": csrf, **data})


def test_case_from_signal_to_closure_through_the_pages(client, world):
    csrf, url = _open_case(client, world)
    case_id = int(url.rsplit("/", 1)[1])
    assert (
        _post(client, f"{url}/uitnodigen", csrf, org_id=str(world.b.id)).status_code
        == 303
    )
    client.cookies.clear()
    csrf_b = login(client, world, "avim.analist")
    invitation = client.get(url)
    assert "Uitnodiging accepteren" in invitation.text
    assert _post(client, f"{url}/accepteren", csrf_b).status_code == 303
    added = _post(
        client,
        f"{url}/bijdragen",
        csrf_b,
        text="Politie-informatie (test)",
        identifying="ja",
    )
    assert added.status_code == 303
    assert "Toegestaan onder voorwaarden" in client.get(url).text
    client.cookies.clear()
    csrf = login(client, world, "utrecht.analist")
    page = client.get(url)
    assert "Politie-informatie (test)" in page.text
    decided = _post(client, f"{url}/besluiten", csrf, text="Plan maken", reason="Nodig")
    assert decided.status_code == 303
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    refused = _post(client, f"{url}/acties", csrf, text="Bellen", deadline=past)
    assert refused.status_code == 422 and "eigenaar: kies" in refused.text
    refused = _post(
        client, f"{url}/acties", csrf, text="Bellen", owner_user_id="1", deadline=past
    )
    assert refused.status_code == 422 and "deadline" in refused.text
    closed = _post(client, f"{url}/afsluiten", csrf, outcome="geen_vervolg")
    assert closed.status_code == 422 and "reden" in closed.text
    closed = _post(
        client, f"{url}/afsluiten", csrf, outcome="zorgtraject", reason="Opvang"
    )
    assert closed.status_code == 303
    late = _post(client, f"{url}/bijdragen", csrf, text="Te laat")
    assert late.status_code == 422 and "afgesloten" in late.text
    assert "Te laat" not in client.get(url).text
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    signal = client.get(f"/signalen/{world.a.records['signal_id'][0]}")
    assert f"Casus {case_id} afgesloten: zorgtraject" in signal.text


def test_inviting_a_type_the_frame_does_not_allow_shows_a_message(client, world):
    from schakel.services import accounts
    from schakel.store.tenancy import Scope, scoped_transaction
    from schakel.vocabulary import OrgType, Region

    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="Opvang Test",
            org_type=OrgType.SHELTER,
            region=Region.ROTTERDAM,
        )
        shelter = org.id
    csrf, url = _open_case(client, world, frame="riec")
    page = client.get(url)
    assert "Opvang Test" not in page.text  # not offered
    refused = _post(client, f"{url}/uitnodigen", csrf, org_id=str(shelter))
    assert refused.status_code == 422
    assert "kan binnen het kader RIEC niet deelnemen" in refused.text


def test_professional_reads_but_cannot_lead(client, world):
    case_id = world.a.records["case_id"][0]
    csrf = login(client, world, "utrecht.medewerker")
    page = client.get(f"/casussen/{case_id}")
    assert page.status_code == 200 and CASE_MARKER in page.text
    assert "Casus afsluiten" not in page.text
    assert (
        _post(
            client, f"/casussen/{case_id}/afsluiten", csrf, outcome="zorgtraject"
        ).status_code
        == 403
    )
    assert client.get("/casussen/nieuw").status_code == 403
    # Named professionals find their cases in the menu.
    assert "/casussen" in re.findall(r'href="(/casussen)"', client.get("/").text)
    assert f"/casussen/{case_id}" in client.get("/casussen").text


def test_overdue_action_appears_in_the_owners_inbox(client, world):
    from schakel.services import accounts, cases
    from schakel.store.tenancy import Scope, scoped_transaction
    from tests.factory import keys_for_tests, user_id

    case_id = world.a.records["case_id"][0]
    lead, owner = (
        user_id(world, "utrecht.analist"),
        user_id(world, "utrecht.medewerker"),
    )
    clock.shift(-10 * 86400)  # an action planned ten days ago, due that day
    try:
        with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
            actor = accounts.actor_for(session, lead)
            cases.add_action(
                session,
                actor,
                keys_for_tests(),
                case_id,
                "Bellen",
                owner,
                clock.utcnow().date(),
            )
    finally:
        clock.reset()
    login(client, world, "utrecht.analist")
    assert "Verlopen acties" not in client.get("/inbox").text
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    inbox = client.get("/inbox").text
    assert "Verlopen acties" in inbox
    assert f"/casussen/{case_id}#actieplan" in inbox


def _pdf_text(response):
    import io

    from pypdf import PdfReader

    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_need_to_know_named_professionals_through_the_pages(client, world):
    case_id = world.a.records["case_id"][0]
    url = f"/casussen/{case_id}"
    # A colleague of the opening organisation who was not named: a stranger's 404.
    login(client, world, "utrecht.privacy")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/verslag.pdf").status_code == 404
    client.cookies.clear()
    csrf = login(client, world, "utrecht.analist")
    assert (
        _post(client, f"{url}/uitnodigen", csrf, org_id=str(world.b.id)).status_code
        == 303
    )
    client.cookies.clear()
    csrf_b = login(client, world, "avim.analist")
    assert "uw organisatie is uitgenodigd" in client.get("/inbox").text
    assert _post(client, f"{url}/accepteren", csrf_b).status_code == 303
    page = client.get(url).text
    assert "avim.medewerker" in page  # offered to be named
    refused = _post(client, f"{url}/professionals", csrf_b, user_id="")
    assert refused.status_code == 422 and "kies een professional" in refused.text
    from tests.factory import user_id

    utrecht_worker = user_id(world, "utrecht.medewerker")
    refused = _post(client, f"{url}/professionals", csrf_b, user_id=str(utrecht_worker))
    assert refused.status_code == 422 and "eigen organisatie" in refused.text
    avim_worker = user_id(world, "avim.medewerker")
    named = _post(client, f"{url}/professionals", csrf_b, user_id=str(avim_worker))
    assert named.status_code == 303
    client.cookies.clear()
    csrf_w = login(client, world, "avim.medewerker")
    assert "u bent genoemd als professional" in client.get("/inbox").text
    invitation = client.get(url).text
    assert "Deelname accepteren" in invitation and CASE_MARKER not in invitation
    assert client.get(f"{url}/verslag.pdf").status_code == 403
    assert _post(client, f"{url}/deelname-accepteren", csrf_w).status_code == 303
    page = client.get(url).text
    assert CASE_MARKER in page  # no personal data: the gate let it through
    assert "avim.medewerker (Politie Rotterdam): neemt deel" in page
    assert "u bent genoemd" not in client.get("/inbox").text


def test_meetings_minutes_documents_and_pdf_through_the_pages(client, world):
    case_id = world.a.records["case_id"][0]
    url = f"/casussen/{case_id}"
    csrf = login(client, world, "utrecht.analist")
    refused = _post(client, f"{url}/overleggen", csrf, title="Overleg")
    assert refused.status_code == 422 and "datum: vul de datum" in refused.text
    refused = _post(client, f"{url}/overleggen", csrf, held_on="1-12", title="x")
    assert refused.status_code == 422 and "datum: gebruik een datum" in refused.text
    assert "Eerste overleg" not in client.get(url).text
    added = _post(
        client, f"{url}/overleggen", csrf, held_on="2026-12-01", title="Eerste overleg"
    )
    assert added.status_code == 303
    page = client.get(url).text
    meeting_id = re.search(r'<option value="(\d+)"[^>]*>2026-12-01: Eerste', page)[1]
    for text in ("Opening", "Veiligheidsplan"):
        assert (
            _post(
                client, f"{url}/agenda", csrf, meeting_id=meeting_id, text=text
            ).status_code
            == 303
        )
    assert (
        _post(
            client, f"{url}/notulen", csrf, meeting_id=meeting_id, text="Twee signalen."
        ).status_code
        == 303
    )
    first = re.search(r'id="notulen-(\d+)"', client.get(url).text)[1]
    refused = _post(
        client, f"{url}/notulen", csrf, meeting_id=meeting_id, text="x", corrects_id="a"
    )
    assert refused.status_code == 422 and "correctie" in refused.text
    corrected = _post(
        client,
        f"{url}/notulen",
        csrf,
        meeting_id=meeting_id,
        text="Drie signalen.",
        corrects_id=first,
    )
    assert corrected.status_code == 303
    refused = _post(
        client, f"{url}/bijdragen", csrf, text="Met stuk", documents="Zonder streep"
    )
    assert refused.status_code == 422 and "regel 1" in refused.text
    assert "Met stuk" not in client.get(url).text  # nothing saved
    added = _post(
        client,
        f"{url}/bijdragen",
        csrf,
        text="Met stuk",
        documents="Huisbezoekverslag | Zaaksysteem Z-17",
    )
    assert added.status_code == 303
    page = client.get(url).text
    assert "Huisbezoekverslag" in page and "Zaaksysteem Z-17" in page
    assert "gecorrigeerd in regel" in page and "correctie op regel" in page
    assert page.index("Opening") < page.index("Veiligheidsplan")
    text = _pdf_text(client.get(f"{url}/verslag.pdf"))
    for expected in (
        "Overleg 2026-12-01: Eerste overleg",
        "Opening",
        "Drie signalen.",
        f"[correctie op {first}]",
        "Huisbezoekverslag",
        "Huisbezoek plannen",  # the world's action
        CASE_MARKER,
    ):
        assert expected in text, expected


def test_pdf_holds_only_what_the_gate_let_the_reader_see(client, world):
    # Ad hoc for care: identifying data from the municipality to the police needs
    # more information, so the police's PDF lacks it; the contributor's has it.
    csrf, url = _open_case(client, world, frame="other", purpose="care")
    assert (
        _post(client, f"{url}/uitnodigen", csrf, org_id=str(world.b.id)).status_code
        == 303
    )
    client.cookies.clear()
    csrf_b = login(client, world, "avim.analist")
    assert _post(client, f"{url}/accepteren", csrf_b).status_code == 303
    client.cookies.clear()
    csrf = login(client, world, "utrecht.analist")
    added = _post(
        client,
        f"{url}/bijdragen",
        csrf,
        text="Adres Overvecht (test)",
        identifying="ja",
        documents="Huisbezoekverslag | Z-17",
    )
    assert added.status_code == 303
    mine = _pdf_text(client.get(f"{url}/verslag.pdf"))
    assert "Adres Overvecht (test)" in mine and "Huisbezoekverslag" in mine
    client.cookies.clear()
    login(client, world, "avim.analist")
    theirs = _pdf_text(client.get(f"{url}/verslag.pdf"))
    assert "Adres Overvecht" not in theirs and "Huisbezoekverslag" not in theirs
    assert "1 bijdrage(n) van andere deelnemers" in theirs


def _alert_of_a(world):
    from sqlalchemy import select

    from schakel.store.models import MatchAlert
    from schakel.store.tenancy import Scope, scoped_transaction

    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        alert = session.scalars(select(MatchAlert)).first()
        assert alert is not None, "the world's twin signals raise a match alert"
        return alert.id, alert.other_signal_id


def test_issue_7_the_other_reporter_finds_the_closure_in_the_inbox(client, world):
    alert_id, other_signal = _alert_of_a(world)
    reason = "Huisvesting gesloten (test)"
    csrf = login(client, world, "utrecht.analist")
    form = client.get(f"/casussen/nieuw?hit={alert_id}")
    assert f'<option value="{alert_id}" selected>' in form.text
    opened = _post(
        client, "/casussen/nieuw", csrf, alert_id=str(alert_id), frame="riec"
    )
    assert opened.status_code == 303, opened.text[:500]
    url = opened.headers["location"]
    closed = _post(
        client,
        f"{url}/afsluiten",
        csrf,
        outcome="bestuurlijke_maatregel",
        reason=reason,
    )
    assert closed.status_code == 303
    client.cookies.clear()
    login(client, world, "avim.medewerker")
    inbox = client.get("/inbox").text
    assert "Terugkoppeling op uw signalen" in inbox
    assert "Casus afgesloten: bestuurlijke maatregel" in inbox
    assert f'<a href="/signalen/{other_signal}">' in inbox
    assert reason not in inbox  # not shown to this reporter anywhere else
    signal = client.get(f"/signalen/{other_signal}").text
    assert "afgesloten: bestuurlijke maatregel" in signal and reason not in signal
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    assert "Casus afgesloten: bestuurlijke maatregel" in client.get("/inbox").text


def test_case_open_links_only_for_coordinators(client, world):
    alert_id, _ = _alert_of_a(world)
    signal_id = world.a.records["signal_id"][0]
    open_signal = f'href="/casussen/nieuw?signaal={signal_id}"'
    open_hit = f'href="/casussen/nieuw?hit={alert_id}"'
    login(client, world, "utrecht.analist")
    assert open_signal in client.get(f"/signalen/{signal_id}").text
    assert open_hit in client.get("/inbox").text
    assert client.get(f"/casussen/nieuw?signaal={signal_id}").status_code == 200
    client.cookies.clear()
    login(client, world, "utrecht.medewerker")
    assert "/casussen/nieuw" not in client.get(f"/signalen/{signal_id}").text
    inbox = client.get("/inbox").text
    assert "hit-melding" in inbox and "/casussen/nieuw" not in inbox
