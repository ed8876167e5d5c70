"""The role matrix: which pages and endpoints each kind of user reaches. Need-to-know comes
from the services; this proves every interface applies it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import sign_in

EVERYONE = ["/", "/people", "/register", "/register/findings", "/account", "/account/tokens"]
PRIVACY_STAFF = [
    "/requests",
    "/register/upload",
    "/consent",
    "/retention",
    "/audit",
    "/api/v1/requests",
    "/api/v1/audit",
    "/api/v1/retention/plan",
]
ADMINISTRATORS = ["/users", "/users/tokens", "/settings"]

MATRIX = {
    # user: (privacy staff pages, administrator pages)
    "rik": (403, 403),
    "mark": (403, 403),
    "paula": (403, 403),
    "dora": (200, 403),
    "ada": (200, 200),
}


@pytest.mark.parametrize("user", sorted(MATRIX))
def test_each_role_reaches_what_it_may_and_nothing_more(client: Any, user: str) -> None:
    sign_in(client, user)
    staff, admin = MATRIX[user]
    for path in EVERYONE:
        assert client.get(path).status_code == 200, (user, path)
    for path in PRIVACY_STAFF:
        assert client.get(path).status_code == staff, (user, path)
    for path in ADMINISTRATORS:
        assert client.get(path).status_code == admin, (user, path)


@pytest.mark.parametrize(("user", "shown"), [("rik", False), ("dora", True)])
def test_the_menu_offers_only_what_the_user_may_open(client: Any, user: str, shown: bool) -> None:
    sign_in(client, user)
    page = client.get("/").text
    assert ('href="/requests"' in page) is shown
    assert ('href="/audit"' in page) is shown
    assert 'href="/users"' not in page
