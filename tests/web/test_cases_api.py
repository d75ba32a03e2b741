"""The case API: the same services as the pages, so the same tenancy, need-to-know
and share gate; bad input is a 4xx problem+json and nothing is saved."""

import datetime as dt

from sqlalchemy import select

from schakel.services import accounts
from schakel.store.models import MatchAlert
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region
from tests.factory import CASE_MARKER, login, user_id

API = "/api/v1/cases"


class As:
    """A logged-in browser session calling the API with its CSRF header."""

    def __init__(self, client, world, username):
        client.cookies.clear()
        self.client = client
        self.headers = {"X-CSRF-Token": login(client, world, username)}

    def get(self, path):
        return self.client.get(path, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(path, json=body or {}, headers=self.headers)


def _problem(response, status, text):
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert text in response.json()["detail"], response.json()


def test_a_case_from_signal_to_closure_through_the_api(client, world):
    lead = As(client, world, "utrecht.analist")
    opened = lead.post(
        API,
        {
            "frame": "other",
            "purpose": "care",
            "signal_id": world.a.records["signal_id"][0],
        },
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    case_id = case["id"]
    assert case["frame"] == "other" and case["purpose"] == "care"
    assert case["status"] == "aangemeld"
    url = f"{API}/{case_id}"
    invited = lead.post(f"{url}/participants", {"org_id": world.b.id})
    assert [p["status"] for p in invited.json()["participants"]] == [
        "accepted",
        "invited",
    ]
    worker = user_id(world, "utrecht.medewerker")
    lead.post(f"{url}/members", {"user_id": worker})
    owner = As(client, world, "utrecht.medewerker")
    member = owner.get(url).json()
    assert member["member_status"] == "invited" and not member["sees_content"]
    assert owner.post(f"{url}/members/accept").json()["sees_content"]
    lead = As(client, world, "utrecht.analist")
    mine = lead.post(
        f"{url}/contributions",
        {
            "text": "Adres Overvecht (test)",
            "identifying": True,
            "documents": [{"title": "Huisbezoekverslag", "reference": "Z-17"}],
        },
    )
    assert mine.status_code == 201 and mine.json()["grants"] == []  # b not in yet

    partner = As(client, world, "avim.analist")
    listed = partner.get(API).json()
    assert [(c["case"]["id"], c["participation"]) for c in listed["data"]] == [
        (case_id, "invited")
    ]
    invitation = partner.get(url).json()
    assert not invitation["sees_content"] and invitation["contributions"] == []
    accepted = partner.post(f"{url}/accept").json()
    assert accepted["sees_content"]
    # The gate decided at acceptance: identifying data from the municipality to
    # the police for care needs more information, so it stays hidden.
    assert accepted["hidden"] == 1 and accepted["contributions"] == []
    theirs = partner.post(
        f"{url}/contributions", {"text": "Bekend bij de politie.", "identifying": True}
    )
    assert theirs.status_code == 201
    [grant] = theirs.json()["grants"]
    assert grant["org_id"] == world.a.id and grant["visible"]
    assert grant["decision"] == "allowed_with_conditions"
    assert "Uitkomst: Toegestaan onder voorwaarden" in grant["explanation"]

    lead = As(client, world, "utrecht.analist")
    seen = lead.get(url).json()
    own = seen["contributions"][0]
    assert own["own"] and own["documents"] == [
        {"title": "Huisbezoekverslag", "reference": "Z-17"}
    ]
    assert [g["decision"] for g in own["grants"]] == ["need_more_information"]
    assert seen["contributions"][1]["text"] == "Bekend bij de politie."
    assert seen["contributions"][1]["signal_id"] is None
    decision = lead.post(
        f"{url}/decisions", {"text": "Veiligheidsplan", "reason": "Eerst veiligheid"}
    )
    assert decision.status_code == 201
    assert decision.json()["actor"].startswith("utrecht.analist")
    meeting = lead.post(
        f"{url}/meetings", {"held_on": "2026-12-01", "title": "Eerste overleg"}
    ).json()["meetings"][0]
    lead.post(f"{url}/agenda", {"meeting_id": meeting["id"], "text": "Opening"})
    minutes = lead.post(
        f"{url}/minutes", {"meeting_id": meeting["id"], "text": "Twee signalen."}
    ).json()["meetings"][0]["minutes"]
    corrected = lead.post(
        f"{url}/minutes",
        {
            "meeting_id": meeting["id"],
            "text": "Drie signalen.",
            "corrects_id": minutes[0]["id"],
        },
    ).json()["meetings"][0]
    assert [a["text"] for a in corrected["agenda"]] == ["Opening"]
    assert corrected["minutes"][0]["corrected_by"] == [corrected["minutes"][1]["id"]]
    today = dt.date.today().isoformat()
    action = lead.post(
        f"{url}/actions",
        {"text": "Opvang regelen", "owner_user_id": worker, "deadline": today},
    )
    assert action.status_code == 201
    assert action.json()["status"] == "open" and action.json()["owner"]
    assert lead.post(f"{url}/status", {"status": "plan_loopt"}).json()["status"] == (
        "plan_loopt"
    )

    owner = As(client, world, "utrecht.medewerker")
    done = owner.post(
        f"/api/v1/case-actions/{action.json()['id']}/status", {"status": "done"}
    )
    assert done.status_code == 200 and done.json()["status"] == "done"

    lead = As(client, world, "utrecht.analist")
    _problem(lead.post(f"{url}/close", {"outcome": "geen_vervolg"}), 422, "reden")
    closed = lead.post(f"{url}/close", {"outcome": "zorgtraject", "reason": "Opvang"})
    assert closed.status_code == 200 and closed.json()["status"] == "afgesloten"
    assert closed.json()["retention_until"]
    _problem(lead.post(f"{url}/contributions", {"text": "Te laat"}), 422, "afgesloten")
    assert "Te laat" not in str(lead.get(url).json())


def test_bad_input_is_a_clear_4xx_and_nothing_is_saved(client, world):
    case_id = world.a.records["case_id"][0]
    url = f"{API}/{case_id}"
    lead = As(client, world, "utrecht.analist")
    worker = user_id(world, "utrecht.medewerker")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    _problem(lead.post(f"{url}/actions", {"text": "Bellen"}), 422, "eigenaar: kies")
    _problem(
        lead.post(
            f"{url}/actions",
            {"text": "Bellen", "owner_user_id": worker, "deadline": yesterday},
        ),
        422,
        "deadline: kies vandaag",
    )
    refused = lead.post(f"{url}/actions", {"text": "Bellen", "owner": worker})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "owner"
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        shelter = accounts.add_organisation(
            session,
            name="Opvang Test",
            org_type=OrgType.COMENSHA,
            region=Region.ROTTERDAM,
        ).id
    _problem(
        lead.post(f"{url}/participants", {"org_id": shelter}),
        422,
        "kan binnen het kader Zorg- en Veiligheidshuis niet deelnemen",
    )
    _problem(
        lead.post(
            f"{url}/contributions",
            {"text": "x", "documents": [{"title": "", "reference": "y"}]},
        ),
        422,
        "documents",
    )
    seen = lead.get(url).json()
    assert [a["text"] for a in seen["actions"]] == ["Huisbezoek plannen"]
    assert len(seen["participants"]) == 1 and len(seen["contributions"]) == 1
    lead.post(f"{url}/close", {"outcome": "zorgtraject"})
    _problem(
        lead.post(f"{url}/contributions", {"text": "Na afsluiten"}), 422, "afgesloten"
    )
    assert len(lead.get(url).json()["contributions"]) == 1


def test_strangers_and_unnamed_colleagues_get_404_professionals_403(client, world):
    case_id = world.a.records["case_id"][0]
    url = f"{API}/{case_id}"
    stranger = As(client, world, "avim.analist")
    _problem(stranger.get(url), 404, "bestaat niet")
    assert stranger.get(API).json() == {"data": [], "count": 0}
    colleague = As(client, world, "utrecht.privacy")
    _problem(colleague.get(url), 404, "niet bij genoemd")
    assert CASE_MARKER not in colleague.get(url).text
    worker = As(client, world, "utrecht.medewerker")
    assert CASE_MARKER in worker.get(url).text
    assert (
        worker.post(f"{url}/decisions", {"text": "x", "reason": "y"}).status_code == 403
    )
    _problem(worker.post(API, {"frame": "riec", "signal_id": 1}), 403, "rol")


def test_opening_from_a_match_alert_invites_the_other_organisation(client, world):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        alert_id = session.scalars(select(MatchAlert.id)).first()
    lead = As(client, world, "utrecht.analist")
    _problem(lead.post(API, {"frame": "riec", "alert_id": 999999}), 422, "hit-melding")
    opened = lead.post(API, {"frame": "riec", "alert_id": alert_id})
    assert opened.status_code == 201
    assert opened.json()["source_alert_id"] == alert_id
    detail = lead.get(f"{API}/{opened.json()['id']}").json()
    assert [(p["org_id"], p["status"]) for p in detail["participants"]] == [
        (world.a.id, "accepted"),
        (world.b.id, "invited"),
    ]
