"""Helpers for the API tests: API tokens as Bearer headers, and records stored through the
API itself."""

from __future__ import annotations

from typing import Any

import pytest

from kluis.core.actor import Actor
from kluis.storage import transaction
from kluis.users.auth import create_token
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, MARKETING, PAYROLL, RECRUITER

ACTORS = {actor.name: actor for actor in (ADMIN_ACTOR, DPO_ACTOR, RECRUITER, PAYROLL, MARKETING)}


def token_for(server: Any, name: str) -> dict[str, str]:
    """An ``Authorization`` header with a new API token of user ``name`` (all their roles)."""
    actor: Actor = ACTORS[name]
    state = server.state.kluis
    with transaction(state.engine) as session:
        _token, plain = create_token(
            session, f"test {name}", sorted(actor.roles), actor=actor, at=state.clock.now()
        )
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def as_user(server: Any) -> Any:
    """``as_user("dora")``: the Bearer header of a token for dora (made once per user)."""
    made: dict[str, dict[str, str]] = {}

    def header(name: str) -> dict[str, str]:
        if name not in made:
            made[name] = token_for(server, name)
        return made[name]

    return header


CANDIDATE = {
    "activity": "candidates",
    "values": {"name": "An Peeters", "email": "an@example.be", "phone": "+32 470 12 34 56"},
    "events": {"collected": "2026-10-01"},
}
EMPLOYEE = {
    "activity": "payroll",
    "values": {"name": "Bart Claes", "email": "bart@example.be", "iban": "BE68539007547034"},
    "events": {"collected": "2026-01-01"},
}


def store(client: Any, headers: dict[str, str], record: dict[str, Any]) -> dict[str, Any]:
    """Store ``record`` through the API; the answer's body."""
    answer = client.post("/api/v1/records", json=record, headers=headers)
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body
