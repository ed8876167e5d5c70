"""The audit trail of one data subject: the entries about them alone, newest first."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.audit import Event, list_entries, record_event
from kluis.core.errors import NotAllowed
from tests.conftest import DPO_ACTOR, NOW, RECRUITER

ONE = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER = uuid.UUID("00000000-0000-4000-8000-000000000002")


def test_the_trail_of_a_subject_holds_only_their_entries(session: Session) -> None:
    for n, subject in enumerate((ONE, OTHER, ONE, None, ONE)):
        record_event(
            session,
            DPO_ACTOR,
            Event("record_read", subject_id=subject, detail={"n": n}),
            at=NOW + timedelta(minutes=n),
        )
    trail = list_entries(session, DPO_ACTOR, subject_id=ONE, limit=2)
    assert trail.total == 3
    assert [entry.detail for entry in trail.entries] == [{"n": 4}, {"n": 2}]
    assert {entry.subject_id for entry in trail.entries} == {ONE}
    rest = list_entries(session, DPO_ACTOR, subject_id=ONE, offset=2, limit=2)
    assert [entry.detail for entry in rest.entries] == [{"n": 0}]


def test_only_privacy_staff_read_a_trail(session: Session) -> None:
    with pytest.raises(NotAllowed):
        list_entries(session, RECRUITER, subject_id=ONE)
