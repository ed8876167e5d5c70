"""Users (administrators), one's own account (password, second factor), API tokens."""

from __future__ import annotations

import re
from typing import Any

import pyotp

from tests.conftest import PASSWORD, csrf_of
from tests.web.test_dashboard import sign_in_en


def test_administrators_list_and_add_users(client: Any) -> None:
    sign_in_en(client, "ada")
    page = client.get("/users")
    assert page.status_code == 200
    for name in ("ada", "dora", "rik", "paula", "mark"):
        assert f">{name}</a>" in page.text
    answer = client.post(
        "/users",
        data={
            "name": "nora",
            "email": "nora@example.be",
            "role": ["recruiter", "marketing"],
            "password": "a long enough password",
            "csrf_token": csrf_of(client),
        },
    )
    assert answer.status_code == 303
    listed = client.get("/users")
    assert ">nora</a>" in listed.text and "recruiter, marketing" in listed.text
    wrong = client.post(
        "/users",
        data={
            "name": "x",
            "role": ["pilot"],
            "password": "a long enough password",
            "csrf_token": csrf_of(client),
        },
    )
    assert wrong.status_code == 422 and "unknown role" in wrong.text


def test_roles_change_and_users_are_deactivated(client: Any) -> None:
    sign_in_en(client, "ada")
    users = client.get("/users").text
    rik = re.search(r'href="/users/(\d+)">rik<', users)
    assert rik is not None
    user_id = rik.group(1)
    token = csrf_of(client)
    assert (
        client.post(
            f"/users/{user_id}/roles", data={"role": ["payroll"], "csrf_token": token}
        ).status_code
        == 303
    )
    assert "payroll" in client.get(f"/users/{user_id}").text
    assert (
        client.post(f"/users/{user_id}/deactivate", data={"csrf_token": token}).status_code == 303
    )
    assert "deactivated" in client.get(f"/users/{user_id}").text


def test_only_administrators_manage_users(client: Any) -> None:
    sign_in_en(client, "dora")
    assert client.get("/users").status_code == 403
    assert client.get("/users/tokens").status_code == 403


def test_changing_ones_password_signs_out(client: Any) -> None:
    sign_in_en(client, "rik")
    token = csrf_of(client)
    wrong = client.post(
        "/account/password",
        data={
            "current": "not it at all",
            "password": "new password here",
            "confirm": "new password here",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    done = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "new password here",
            "confirm": "new password here",
            "csrf_token": token,
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/account").status_code == 303  # signed out
    again = client.post(
        "/login",
        data={
            "name": "rik",
            "password": "new password here",
            "next": "/",
            "csrf_token": csrf_of(client),
        },
    )
    assert again.status_code == 303


def test_the_second_factor_is_turned_on_with_a_code(client: Any) -> None:
    sign_in_en(client, "dora")
    form = client.get("/account/totp")
    assert form.status_code == 200 and "<svg" in form.text
    found = re.search(r'name="secret" value="([A-Z2-7]+)"', form.text)
    assert found is not None
    secret = found.group(1)
    token = csrf_of(client)
    wrong = client.post(
        "/account/totp", data={"secret": secret, "code": "000000", "csrf_token": token}
    )
    assert wrong.status_code == 422
    now = client.app.state.kluis.clock.now()
    code = pyotp.TOTP(secret).at(now)
    right = client.post("/account/totp", data={"secret": secret, "code": code, "csrf_token": token})
    assert right.status_code == 303
    assert "Turn the second factor off" in client.get("/account").text
    assert client.post("/account/totp/off", data={"csrf_token": token}).status_code == 303
    assert "Turn the second factor on" in client.get("/account").text


def test_an_api_token_is_shown_once_and_can_be_revoked(client: Any) -> None:
    sign_in_en(client, "dora")
    token = csrf_of(client)
    made = client.post(
        "/account/tokens", data={"name": "export script", "role": ["dpo"], "csrf_token": token}
    )
    assert made.status_code == 200
    plain = re.search(r"(kluis_[0-9a-f]{8}_[A-Za-z0-9_-]+)<", made.text)
    assert plain is not None
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {plain.group(1)}"})
    assert me.status_code == 200
    listed = client.get("/account/tokens")
    assert "export script" in listed.text and plain.group(1) not in listed.text
    beyond = client.post(
        "/account/tokens", data={"name": "x", "role": ["admin"], "csrf_token": token}
    )
    assert beyond.status_code == 403
    revoked = client.post(
        "/account/tokens/1/revoke", data={"next": "/account/tokens", "csrf_token": token}
    )
    assert revoked.status_code == 303
    client.cookies.delete("kluis_session")
    refused = client.get("/api/v1/me", headers={"authorization": f"Bearer {plain.group(1)}"})
    assert refused.status_code == 401


def test_administrators_see_every_token(client: Any) -> None:
    sign_in_en(client, "dora")
    client.post(
        "/account/tokens",
        data={"name": "dora's script", "role": ["dpo"], "csrf_token": csrf_of(client)},
    )
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    sign_in_en(client, "ada")
    every = client.get("/users/tokens")
    assert every.status_code == 200 and "dora&#39;s script" in every.text and ">dora<" in every.text
