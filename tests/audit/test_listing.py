"""Reading the audit log a page at a time: newest first, filtered, for its keepers only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.audit import Event, list_entries, record_event
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed
from tests.conftest import DPO_ACTOR, NOW, RECRUITER

ADA = Actor("ada", frozenset({"admin"}))


def _fill(session: Session) -> None:
    for n in range(6):
        who = ADA if n % 2 else DPO_ACTOR
        action = "record_read" if n < 4 else "user_add"
        record_event(session, who, Event(action, detail={"n": n}), at=NOW + timedelta(hours=n))


def test_entries_come_newest_first_a_page_at_a_time(session: Session) -> None:
    _fill(session)
    first = list_entries(session, DPO_ACTOR, offset=0, limit=4)
    assert first.total == 6
    assert [entry.seq for entry in first.entries] == [6, 5, 4, 3]
    second = list_entries(session, DPO_ACTOR, offset=4, limit=4)
    assert [entry.seq for entry in second.entries] == [2, 1]
    assert second.entries[0].detail == {"n": 1}
    assert second.entries[0].at == NOW + timedelta(hours=1)


def test_filters_combine(session: Session) -> None:
    _fill(session)
    reads = list_entries(session, ADA, action="record_read")
    assert (reads.total, {e.action for e in reads.entries}) == (4, {"record_read"})
    by_ada = list_entries(session, ADA, action="record_read", actor_name="ada")
    assert [e.seq for e in by_ada.entries] == [4, 2]
    window = list_entries(
        session, ADA, since=NOW + timedelta(hours=2), until=NOW + timedelta(hours=4)
    )
    assert [e.seq for e in window.entries] == [5, 4, 3]
    assert list_entries(session, ADA, action="nothing").total == 0


def test_only_an_administrator_or_the_dpo_reads_the_log(session: Session) -> None:
    _fill(session)
    with pytest.raises(NotAllowed):
        list_entries(session, RECRUITER)


def test_moments_need_a_time_zone_and_pages_a_size(session: Session) -> None:
    with pytest.raises(InvalidInput):
        list_entries(session, ADA, since=datetime(2026, 1, 1))
    with pytest.raises(InvalidInput):
        list_entries(session, ADA, limit=0)


def test_a_request_s_history_is_found_by_its_id_among_its_actions(session: Session) -> None:
    for request in (1, 2, 12):
        for action in ("request_file", "request_step", "request_close"):
            record_event(session, DPO_ACTOR, Event(action, detail={"request": request}), at=NOW)
    record_event(session, DPO_ACTOR, Event("user_add", detail={"request": 2}), at=NOW)
    found = list_entries(
        session, DPO_ACTOR, actions=("request_file", "request_close"), request_id=2
    )
    assert found.total == 2
    assert [entry.action for entry in found.entries] == ["request_close", "request_file"]
    assert all(entry.detail == {"request": 2} for entry in found.entries)
