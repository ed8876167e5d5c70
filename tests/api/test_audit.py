"""``/api/v1/audit``: the audit log a page at a time, newest first, and its verification."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import CANDIDATE, store


def test_the_log_needs_a_caller_and_its_keepers(client: Any, as_user: Any) -> None:
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit", headers=as_user("rik")).status_code == 403
    assert client.get("/api/v1/audit/verify", headers=as_user("mark")).status_code == 403


def test_entries_newest_first_filtered_and_paged(client: Any, as_user: Any) -> None:
    rik = as_user("rik")
    written = store(client, rik, CANDIDATE)
    client.get(f"/api/v1/subjects/{written['subject_id']}", headers=rik)
    dora = as_user("dora")
    everything = client.get("/api/v1/audit", headers=dora).json()
    sequence = [entry["seq"] for entry in everything["items"]]
    assert sequence == sorted(sequence, reverse=True)
    assert everything["total"] == len(sequence)
    reads = client.get("/api/v1/audit?action=record_read&actor=rik", headers=dora).json()
    assert reads["total"] == 1
    (entry,) = reads["items"]
    assert (entry["record_id"], entry["activity"]) == (written["record_id"], "candidates")
    assert "an@example.be" not in client.get("/api/v1/audit?per_page=100", headers=dora).text
    page = client.get("/api/v1/audit?per_page=2&page=2", headers=dora).json()
    assert [e["seq"] for e in page["items"]] == sequence[2:4]
    window = client.get(
        "/api/v1/audit?since=2026-11-22T12:00:00Z&until=2026-11-22T13:00:00%2B01:00",
        headers=dora,
    ).json()
    assert window["total"] == everything["total"]  # the clock stands at noon UTC
    later = client.get("/api/v1/audit?since=2026-11-22T12:00:01Z", headers=dora).json()
    assert later["total"] == 0


def test_moments_need_a_time_zone(client: Any, as_user: Any) -> None:
    answer = client.get("/api/v1/audit?since=2026-11-22T12:00:00", headers=as_user("ada"))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "query.since"


def test_verify_proves_the_chain_intact(client: Any, as_user: Any) -> None:
    store(client, as_user("rik"), CANDIDATE)
    answer = client.get("/api/v1/audit/verify", headers=as_user("ada")).json()
    assert answer["intact"] is True
    assert answer["entries"] > 0 and answer["first_bad"] is None
