"""The audit log page: entries newest first, filters, pages, and the chain verified."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from kluis.audit import Event, record_events
from kluis.audit.models import AuditEntry
from kluis.storage import transaction
from tests.conftest import ADMIN_ACTOR, csrf_of
from tests.web.test_dashboard import sign_in_en


def test_entries_filtered_and_paginated(client: Any) -> None:
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        record_events(session, ADMIN_ACTOR, [Event("backup")] * 30, at=state.clock.now())
    sign_in_en(client, "ada")
    page = client.get("/audit")
    assert page.status_code == 200
    # Newest first: the sign-in and the 30 entries above fill the first page.
    assert "<code>sign_in</code>" in page.text and "<code>user_add</code>" not in page.text
    signed = client.get("/audit?action=sign_in")
    assert "<code>sign_in</code>" in signed.text and "<code>user_add</code>" not in signed.text
    by_actor = client.get("/audit?actor=nobody")
    assert "No entry matches." in by_actor.text
    old = client.get("/audit?until=2026-01-01")
    assert "No entry matches." in old.text
    assert client.get("/audit?since=not-a-day").status_code == 422
    second = client.get("/audit?page=2")
    assert second.status_code == 200 and "Page 2 of 2" in second.text
    assert "<code>user_add</code>" in second.text


def test_verifying_the_chain(client: Any) -> None:
    sign_in_en(client, "dora")
    intact = client.post("/audit/verify", data={"csrf_token": csrf_of(client)})
    assert "The audit log is intact" in intact.text
    with transaction(client.app.state.kluis.engine) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    broken = client.post("/audit/verify", data={"csrf_token": csrf_of(client)})
    assert "entry 2 was altered" in broken.text


def test_the_audit_log_is_not_for_everyone(client: Any) -> None:
    sign_in_en(client, "paula")
    assert client.get("/audit").status_code == 403
