"""Data subjects: ``POST /api/v1/subjects/search`` finds people by an identifier (sent in
the body, so it never appears in an address), ``GET /api/v1/subjects/{id}`` shows the
records the caller's roles reach (``POST /api/v1/subjects/{id}/read`` the same, with the
reason for the read in the body). All are audited by the vault.

They are the API's hot path: they run as audited reads (:func:`kluis.api.units.audited_read`),
whose audit entries are committed together with those of the other reads of the moment."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from kluis.api.common import ERRORS, Note, Pagination, Value, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import audited_read, csrf_for_cookies
from kluis.server import Caller, state_of
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

    state = state_of(request)

    def work(session: Session, caller: Caller) -> list[SubjectMatch]:
        return find_subjects(
            session,
            state.keyring(),
            caller.actor,
            kind=ValueKind(body.kind),
            value=body.value,
            at=state.clock.now(),
        )

    matches = await audited_read(request, work)
    return paged.of([Match(subject_id=m.subject_id, activities=m.activities) for m in matches])


class Reading(BaseModel):
    """Why a subject's records are read, for the audit log."""

    reason: Note | None = Field(
        default=None,
        description="Why you read this (a request number, never a name); audited.",
        examples=["request 2026-014"],
    )


@router.get("/{subject_id}", response_model=SubjectOut, summary="Show a data subject")
async def show(request: Request, subject_id: uuid.UUID) -> SubjectOut:
    """The subject's records in the activities the caller's roles reach, decrypted; each
    record read is audited. 403 when the caller may read none of them (the refusal is
    audited too). To give a reason for the read, ``POST …/read``."""
    return await _show(request, subject_id, None)


@router.post(
    "/{subject_id}/read", response_model=SubjectOut, summary="Show a data subject, saying why"
)
async def read(request: Request, subject_id: uuid.UUID, body: Reading) -> SubjectOut:
    """As ``GET /api/v1/subjects/{subject_id}``, with the reason for the read in the body
    (so that it never stands in an address), recorded with every record read."""
    return await _show(request, subject_id, body.reason)


async def _show(request: Request, subject_id: uuid.UUID, reason: str | None) -> SubjectOut:
    state = state_of(request)

    def work(session: Session, caller: Caller) -> SubjectView:
        return show_subject(
            session, state.keyring(), caller.actor, subject_id, at=state.clock.now(), reason=reason
        )

    try:
        view = await audited_read(request, work)
    except AccessDenied:

        def refused(session: Session, caller: Caller) -> None:
            record_refused_read(
                session, caller.actor, subject_id, at=state.clock.now(), reason=reason
            )

        await audited_read(request, refused)
        raise
    return SubjectOut(
        subject_id=view.subject_id, records=[record_out(record) for record in view.records]
    )
