"""Data subjects: ``POST /api/v1/subjects/search`` finds people by an identifier (sent in
the body, so it never appears in an address), ``GET /api/v1/subjects/{id}`` shows the
records the caller's roles reach. Both are audited by the vault.

Both are the API's hot path, a look-up of a millisecond or two: on SQLite they run on the
event loop itself rather than in a worker thread (:func:`kluis.api.units.quick`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, StringConstraints

from kluis.api.common import ERRORS, Note, Pagination, Value, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit, csrf_for_cookies, quick
from kluis.server import state_of
from kluis.vault import (
    AccessDenied,
    RecordView,
    SubjectMatch,
    SubjectView,
    ValueKind,
    find_subjects,
    record_refused_read,
    show_subject,
)

router = APIRouter(
    prefix="/api/v1/subjects",
    tags=["subjects"],
    responses=ERRORS,
    dependencies=[Depends(csrf_for_cookies)],
)


class Search(BaseModel):
    """An identifier a person gave: what kind it is, and its value."""

    kind: Literal["email", "phone", "national_number"]
    value: Annotated[Value, StringConstraints(min_length=1)] = Field(examples=["an@example.be"])


class Match(BaseModel):
    """A subject found, with the activities the caller may see them in."""

    subject_id: uuid.UUID
    activities: list[str]


class RecordOut(BaseModel):
    """A record of a subject in one activity, decrypted."""

    record_id: uuid.UUID
    activity: str
    source: str
    status: str = Field(description="active, or restricted (Art. 18)")
    values: dict[str, str]
    events: dict[str, date]
    created_at: datetime
    updated_at: datetime


class SubjectOut(BaseModel):
    """A subject's records that the caller's roles reach."""

    subject_id: uuid.UUID
    records: list[RecordOut]


def record_out(record: RecordView) -> RecordOut:
    """A record as the API shows it."""
    return RecordOut(
        record_id=record.record_id,
        activity=record.activity,
        source=record.source,
        status=record.status,
        values=record.values,
        events=record.events,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


@router.post("/search", response_model=PageOf[Match], summary="Find data subjects")
async def search(
    request: Request, body: Search, paged: Annotated[Pagination, Depends(pagination)]
) -> PageOf[Match]:
    """The subjects holding the identifier, in activities the caller's roles reach (the
    DPO: all). The search is audited (its kind and how many matched, never the value)."""

    def work() -> list[SubjectMatch]:
        with api_unit(request) as (session, caller):
            return find_subjects(
                session,
                state_of(request).keyring(),
                caller.actor,
                kind=ValueKind(body.kind),
                value=body.value,
                at=state_of(request).clock.now(),
            )

    matches = await quick(work, request)
    return paged.of([Match(subject_id=m.subject_id, activities=m.activities) for m in matches])


@router.get("/{subject_id}", response_model=SubjectOut, summary="Show a data subject")
async def show(
    request: Request,
    subject_id: uuid.UUID,
    reason: Annotated[
        Note | None,
        Query(description="Why you read this (a request number, never a name); audited."),
    ] = None,
) -> SubjectOut:
    """The subject's records in the activities the caller's roles reach, decrypted; each
    record read is audited. 403 when the caller may read none of them (the refusal is
    audited too)."""
    state = state_of(request)

    def work() -> SubjectView:
        try:
            with api_unit(request) as (session, caller):
                return show_subject(
                    session,
                    state.keyring(),
                    caller.actor,
                    subject_id,
                    at=state.clock.now(),
                    reason=reason,
                )
        except AccessDenied:
            with api_unit(request) as (session, caller):
                record_refused_read(
                    session, caller.actor, subject_id, at=state.clock.now(), reason=reason
                )
            raise

    view = await quick(work, request)
    return SubjectOut(
        subject_id=view.subject_id, records=[record_out(record) for record in view.records]
    )
