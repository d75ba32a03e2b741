"""Log-in, sessions, CSRF, throttling, two-factor and API tokens through the app."""

import pyotp
import pytest

from schakel.services import accounts
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import PASSWORD, login, user_id


def test_login_page_is_dutch_and_public(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'lang="nl"' in page.text and "Inloggen" in page.text


def test_english_translation_is_available(client):
    page = client.get("/login?lang=en")
    assert 'lang="en"' in page.text and "Password" in page.text
    assert "Wachtwoord" not in page.text


def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = client.post(
        "/login", data={"username": "utrecht.medewerker", "password": "nope-nope-nope"}
    )
    unknown = client.post(
        "/login", data={"username": "nobody.here", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        "Inloggen is niet gelukt" in wrong.text
        and "Inloggen is niet gelukt" in unknown.text
    )
    assert "schakel_session" not in wrong.cookies


def test_login_sets_httponly_samesite_cookie_and_new_session_id(client, world):
    client.cookies.set("schakel_session", "attacker-chosen")
    response = client.post(
        "/login", data={"username": "utrecht.medewerker", "password": PASSWORD}
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "attacker-chosen" not in cookie


def test_dashboard_requires_login_and_redirects(client):
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/login"
    )


def test_logout_invalidates_the_session(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").status_code == 303


def test_post_without_csrf_token_is_refused(client, world):
    login(client, world, "utrecht.medewerker")
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert client.get("/").status_code == 200


def test_lockout_after_repeated_failures(client, world):
    for _ in range(5):
        client.post(
            "/login",
            data={"username": "utrecht.medewerker", "password": "wrong-password-x"},
        )
    response = client.post(
        "/login", data={"username": "utrecht.medewerker", "password": PASSWORD}
    )
    assert response.status_code == 401


def test_privacy_officer_needs_the_totp_code(client, world):
    username = "utrecht.privacy"
    without = client.post("/login", data={"username": username, "password": PASSWORD})
    assert without.status_code == 401
    code = pyotp.TOTP(world.a.totp[username]).now()
    with_code = client.post(
        "/login", data={"username": username, "password": PASSWORD, "totp": code}
    )
    assert with_code.status_code == 303


def test_new_admin_without_totp_must_enrol_first(client, world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = accounts.find_organisation(session, "Gemeente Utrecht")
        accounts.add_user(
            session,
            org=org,
            username="nieuwe.beheerder",
            display_name="Nieuw",
            password=PASSWORD,
            roles=[accounts.Role.ADMIN],
        )
    client.post("/login", data={"username": "nieuwe.beheerder", "password": PASSWORD})
    assert client.get("/").headers["location"] == "/tweestapsverificatie"
    page = client.get("/tweestapsverificatie")
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    bad = client.post(
        "/tweestapsverificatie", data={"code": "000000", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    ok = client.post(
        "/tweestapsverificatie",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf},
    )
    assert ok.status_code == 303
    assert client.get("/").status_code == 200


def test_api_token_authenticates_machine_clients(client, world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        from schakel.store.models import User

        user = session.get(User, user_id(world, "avim.analist"))
        token = accounts.create_api_token(session, user, "test")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["user"]["username"] == "avim.analist"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer sk_wrong"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/docs", "/api/v1/openapi.json", "/static/schakel.css"]
)
def test_public_paths(client, path):
    assert client.get(path).status_code == 200
