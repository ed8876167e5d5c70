"""Every route of the server, enumerated: none answers without authentication except the
public ones listed here, and none of those leaks anything it should not."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from tests.conftest import csrf_of

#: Routes anyone may use: signing in, the public pages, the API's description.
PUBLIC = {
    "/setup",
    "/login",
    "/login/code",
    "/logout",
    "/language",
    "/api/openapi.json",
    "/api/docs",
    "/privacy",
    "/privacy/{lang}",
    "/request",
    "/request/verify/{token}",
    "/request/status/{token}",
    "/unsubscribe/{token}",
    "/password/forgot",
    "/password/reset/{token}",
}


def _sample(route: APIRoute, name: str) -> str:
    """A value of the right kind for path parameter ``name``, so that the route is reached."""
    for param in route.dependant.path_params:
        if param.name == name:
            annotation = param.field_info.annotation
            if annotation is int:
                return "1"
            if annotation is uuid.UUID:
                return str(uuid.uuid4())
    return "x"


def _flat(routes: list[Any]) -> list[Any]:
    """The routes of ``routes``, those of included routers among them."""
    flat = []
    for route in routes:
        included = getattr(route, "original_router", None)
        flat.extend(_flat(included.routes) if included is not None else [route])
    return flat


def _routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, pattern, address) of every route, path parameters filled in."""
    found = []
    for route in _flat(app.routes):
        if isinstance(route, Mount):
            continue
        methods = sorted(getattr(route, "methods", None) or {"GET"})
        address = route.path
        if isinstance(route, APIRoute):
            for param in route.dependant.path_params:
                address = address.replace(f"{{{param.name}}}", _sample(route, param.name))
        found.extend((method, route.path, address) for method in methods if method != "HEAD")
    return found


def test_the_public_routes_exist(server: Any) -> None:
    patterns = {pattern for _method, pattern, _address in _routes(server)}
    assert {"/login", "/setup", "/api/openapi.json"} <= patterns


def test_no_route_answers_without_authentication_but_the_public_ones(client: Any) -> None:
    token = csrf_of(client)
    checked = 0
    for method, pattern, address in _routes(client.app):
        if pattern in PUBLIC:
            continue
        headers = {"x-csrf-token": token}
        answer = client.request(method, address, headers=headers, data=None)
        if pattern.startswith("/api/"):
            assert answer.status_code == 401, (method, pattern, answer.status_code)
            assert answer.json()["error"]["code"] == "unauthenticated"
        else:
            assert answer.status_code == 303, (method, pattern, answer.status_code)
            assert answer.headers["location"].startswith("/login"), (method, pattern)
        checked += 1
    assert checked >= 2


def test_a_forged_token_or_cookie_is_not_a_caller(client: Any) -> None:
    forged = client.get("/api/v1/me", headers={"authorization": "Bearer kluis_00000000_forged"})
    assert forged.status_code == 401
    client.cookies.set("kluis_session", "made-up", domain="testserver.local")
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("path", ["/static/kluis.css"])
def test_static_files_need_no_sign_in_and_are_not_pages(client: Any, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("cache-control", "")
