"""The server's defences: CSRF on every form, a new session at every sign-in (no
fixation), throttled sign-in, no open redirect, and logs that name routes, not addresses."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from kluis.storage import transaction
from kluis.users.auth import enable_totp, new_totp_secret
from kluis.users.models import User
from tests.conftest import PASSWORD, csrf_of, give_password, sign_in


def _login(client: Any, name: str, password: str, **extra: str) -> Any:
    data = {"name": name, "password": password, "next": "/", "csrf_token": csrf_of(client)}
    return client.post("/login", data={**data, **extra})


def test_a_form_without_the_csrf_token_is_refused(client: Any) -> None:
    give_password(client.app, "dora")
    csrf_of(client)
    answer = client.post("/login", data={"name": "dora", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.get("/").status_code == 303


def test_a_form_with_another_browser_s_token_is_refused(client: Any) -> None:
    give_password(client.app, "dora")
    csrf_of(client)
    answer = client.post(
        "/login", data={"name": "dora", "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert answer.status_code == 403


def test_a_form_sent_from_another_site_is_refused(client: Any) -> None:
    give_password(client.app, "dora")
    answer = client.post(
        "/login",
        data={"name": "dora", "password": PASSWORD, "csrf_token": csrf_of(client)},
        headers={"origin": "https://evil.example"},
    )
    assert answer.status_code == 403


def test_signing_out_needs_the_csrf_token_too(client: Any) -> None:
    sign_in(client, "dora")
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    assert client.get("/").status_code == 303


def test_a_session_cookie_planted_before_sign_in_is_replaced(client: Any) -> None:
    give_password(client.app, "dora")
    client.cookies.set("kluis_session", "planted-by-an-attacker", domain="testserver.local")
    csrf_before = csrf_of(client)
    answer = _login(client, "dora", PASSWORD)
    assert answer.status_code == 303
    issued = answer.cookies.get("kluis_session")
    assert issued and issued != "planted-by-an-attacker"
    assert client.cookies.get("kluis_csrf") != csrf_before


def test_the_session_cookie_is_http_only_secure_and_same_site(client: Any) -> None:
    give_password(client.app, "dora")
    answer = _login(client, "dora", PASSWORD)
    cookies = [value for name, value in answer.headers.multi_items() if name == "set-cookie"]
    session = next(value for value in cookies if value.startswith("kluis_session="))
    assert "HttpOnly" in session and "Secure" in session and "SameSite=Strict" in session


def test_sign_in_is_throttled_after_repeated_failures(client: Any) -> None:
    give_password(client.app, "dora")
    for _attempt in range(5):
        assert _login(client, "dora", "not the password").status_code == 401
    throttled = _login(client, "dora", PASSWORD)
    assert throttled.status_code == 429
    assert client.get("/").status_code == 303


def test_wrong_name_and_wrong_password_look_the_same(client: Any) -> None:
    give_password(client.app, "dora")
    wrong_password = _login(client, "dora", "not the password")
    wrong_name = _login(client, "nobody", "not the password")
    assert wrong_password.status_code == wrong_name.status_code == 401

    def alert(answer: Any) -> str:
        text = str(answer.text)
        start = text.index('class="alert"')
        return text[start : text.index("</p>", start)]

    assert alert(wrong_password) == alert(wrong_name)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_sign_in_never_redirects_to_another_site(client: Any, target: str) -> None:
    give_password(client.app, "dora")
    answer = _login(client, "dora", PASSWORD, next=target)
    assert answer.headers["location"] == "/"


def test_the_access_log_names_the_route_not_the_address(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client, "dora")
    with caplog.at_level(logging.INFO, logger="kluis.server"):
        client.get("/requests/12345")
        client.get("/login?next=/secret-path")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "secret-path" not in logged and "12345" not in logged
    assert "GET /requests/{request_id}" in logged
    assert "GET /login 200" in logged


def test_personal_data_reaches_no_log_line(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    """A search, a record added through the form and an API look-up: whatever any part of
    the server logs (every logger, every level), no value a person gave appears in it."""
    email, phone, name = "lotte.janssens@example.be", "0470 98 76 54", "Lotte Janssens"
    sign_in(client, "rik")
    csrf = csrf_of(client)
    with caplog.at_level(logging.DEBUG):
        added = client.post(
            "/people/new?activity=candidates",
            data={"v_name": name, "v_email": email, "v_phone": phone, "csrf_token": csrf},
        )
        assert added.status_code in {200, 303}
        found = client.post(
            "/people/search", data={"kind": "auto", "value": email, "csrf_token": csrf}
        )
        assert found.status_code == 200
        refused = client.post(
            "/people/search", data={"kind": "email", "value": "not-an-address", "csrf_token": csrf}
        )
        assert refused.status_code == 422
        api = client.post(
            "/api/v1/subjects/search",
            json={"kind": "email", "value": email},
            headers={"x-csrf-token": csrf},
        )
        assert api.status_code == 200 and api.json()["total"] == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged, "the access log should have written something"
    for value in (email, phone, name, "not-an-address", "lotte"):
        assert value not in logged.lower()


def test_a_second_factor_is_asked_after_the_password_and_cannot_be_guessed(client: Any) -> None:
    give_password(client.app, "dora")
    state = client.app.state.kluis
    secret = new_totp_secret()
    with transaction(state.engine) as session:
        user = session.execute(select(User).where(User.name == "dora")).scalar_one()
        now = state.clock.now()
        code = pyotp.TOTP(secret).at(now)
        enable_totp(session, user, secret, code, provider=state.provider, at=now)
    answer = _login(client, "dora", PASSWORD)
    assert answer.headers["location"] == "/login/code?next=%2F"
    assert client.get("/").headers["location"].startswith("/login/code")
    right = int(pyotp.TOTP(secret).at(state.clock.now()))
    for attempt in range(5):
        wrong = f"{(right + 500_000 + attempt) % 1_000_000:06d}"
        answer = client.post(
            "/login/code", data={"code": wrong, "next": "/", "csrf_token": csrf_of(client)}
        )
        assert answer.status_code == 401
    guessed = client.post(
        "/login/code", data={"code": f"{right:06d}", "next": "/", "csrf_token": csrf_of(client)}
    )
    assert guessed.status_code == 429
    ended = client.get("/")  # the half-signed-in session ended: back to the password
    assert ended.status_code == 303 and not ended.headers["location"].startswith("/login/code")
    # After the window, the password and the right code sign in.
    state.clock.moment += timedelta(minutes=16)
    _login(client, "dora", PASSWORD)
    code = pyotp.TOTP(secret).at(state.clock.now())
    signed = client.post(
        "/login/code", data={"code": code, "next": "/", "csrf_token": csrf_of(client)}
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert client.get("/").status_code == 200
    # The same code does not sign in twice.
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    _login(client, "dora", PASSWORD)
    replayed = client.post(
        "/login/code", data={"code": code, "next": "/", "csrf_token": csrf_of(client)}
    )
    assert replayed.status_code == 401


def test_a_remembered_caller_is_forgotten_at_sign_out(client: Any) -> None:
    sign_in(client, "dora")
    session_cookie = client.cookies.get("kluis_session")
    assert client.get("/api/v1/me").status_code == 200  # now remembered by the process
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    client.cookies.set("kluis_session", session_cookie, domain="testserver.local")
    assert client.get("/api/v1/me").status_code == 401
