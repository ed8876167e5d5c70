"""The server as a whole: setting up, signing in, and what every response carries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.users.auth import new_totp_secret, set_password
from kluis.users.models import Login
from tests.conftest import DPO_ACTOR, PASSWORD, SETUP_CODE, csrf_of, sign_in


def test_a_first_start_asks_for_the_first_administrator(client: Any) -> None:
    assert client.get("/login").headers["location"] == "/setup"
    form = client.get("/setup")
    assert form.status_code == 200
    assert 'name="code"' in form.text
    answer = client.post(
        "/setup",
        data={
            "code": SETUP_CODE,
            "name": "coordinator",
            "email": "privacy@example.be",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert answer.status_code == 303
    assert client.get("/").status_code == 200
    assert client.get("/setup").headers["location"] == "/login"


def test_the_setup_code_is_required(client: Any) -> None:
    answer = client.post(
        "/setup",
        data={
            "code": "wrong",
            "name": "coordinator",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert answer.status_code == 422
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_shows_the_dashboard_and_the_api_knows_the_caller(client: Any) -> None:
    sign_in(client, "dora")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "dora" in dashboard.text
    me = client.get("/api/v1/me")
    assert me.json() == {"name": "dora", "roles": ["dpo"], "via": "session"}


def test_without_a_session_pages_redirect_and_the_api_answers_401(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/"
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "unauthenticated"
    assert api.headers["www-authenticate"] == "Bearer"


def test_security_headers_on_every_response(client: Any) -> None:
    answer = client.get("/login")
    headers = answer.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"
    assert "strict-transport-security" in headers
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie


def test_the_api_speaks_the_most_wanted_language_it_knows_else_english(client: Any) -> None:
    """One negotiation for the API's errors and its other messages: q-values count, and a
    language Kluis does not speak gives English."""
    asked = {
        "fr;q=0.1, nl": "Meld u aan",
        "de": "Please sign in",
        "fr-BE": "Veuillez vous connecter",
    }
    for header, start in asked.items():
        answer = client.get("/api/v1/me", headers={"accept-language": header})
        assert answer.json()["error"]["message"].startswith(start), (header, answer.json())


def test_the_server_wraps_second_factor_secrets_kept_in_clear_at_its_start(
    server: Any, engine: Engine, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    """A secret an earlier version stored in clear is wrapped by the key-encryption key
    when the server starts, before it answers anyone."""
    with transaction(engine) as session:
        set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
        login = session.execute(select(Login)).scalar_one()
        login.totp_secret = new_totp_secret()
    with TestClient(server, base_url="https://testserver"), transaction(engine) as session:
        login = session.execute(select(Login)).scalar_one()
        assert login.totp_secret is None
        assert login.totp_kek_id == keys.current_kek and login.totp_wrapped
