"""Case conferences through the pages: open, invite, accept, contribute, decide,
act, close; clear messages for bad input; feedback on the signal page; overdue
actions in the inbox."""

import datetime as dt
import re

from schakel import clock
from tests.factory import CASE_MARKER, login


def _open_case(client, world, frame="zorg_en_veiligheidshuis"):
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
    assert "/casussen" not in re.findall(r'href="(/casussen)"', client.get("/").text)


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
