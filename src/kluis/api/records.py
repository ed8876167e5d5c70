"""Records: ``POST /api/v1/records`` stores a record of an activity through the vault's one
write path (the register enforced, the consent gate asked, the change audited),
``PATCH /api/v1/records/{id}`` corrects its values, ``DELETE /api/v1/records/{id}`` erases it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from kluis.api.common import CHANGE_ERRORS, Day, Line, Moment, Note, Value
from kluis.api.units import api_unit, csrf_for_cookies
from kluis.consent import ConsentLedger
from kluis.core.errors import NotFound
from kluis.server import state_of
from kluis.vault import RecordInput, erase_record, record_dates, store_record
from kluis.vault.writes import Written

router = APIRouter(
    prefix="/api/v1/records",
    tags=["records"],
    responses=CHANGE_ERRORS,
    dependencies=[Depends(csrf_for_cookies)],
)


class ConsentIn(BaseModel):
    """Consent the person gave with the record (an activity based on consent only): when,
    how, on which version of the text, in which language, and where the proof is."""

    given: Moment | Day = Field(description="A day, or a moment with its time zone.")
    channel: Literal["web_form", "email", "paper", "phone", "in_person"]
    version: Day | None = Field(None, description="The text's version (default: the current).")
    language: Literal["nl", "en", "fr"] | None = None
    evidence: Note | None = Field(None, description="Where the proof is: a reference.")

    def columns(self) -> dict[str, str | date]:
        """The consent as the vault's ``consent_*`` columns."""
        found: dict[str, str | date] = {
            "consent_given": self.given,
            "consent_channel": self.channel,
        }
        if self.version is not None:
            found["consent_version"] = self.version
        if self.language is not None:
            found["consent_language"] = self.language
        if self.evidence:
            found["consent_evidence"] = self.evidence
        return found


class RecordCreate(BaseModel):
    """A record to store: the activity, field values (the register's fields only), events
    (``collected``, ``contract_end``, ...), the source, and the consent it brings."""

    activity: Line
    values: dict[Line, Value] = Field(
        description="Field values by field name; the identifiers find the person again.",
        examples=[{"name": "An Peeters", "email": "an@example.be"}],
    )
    events: dict[Line, Day] = Field(default_factory=dict)
    source: Line | None = Field(None, description="One of the activity's sources.")
    subject_id: uuid.UUID | None = Field(
        None, description="Store it for this subject (else found by identifiers, or new)."
    )
    consent: ConsentIn | None = None
    reason: Note | None = Field(None, description="Why (kept in the audit log; never a name).")


class RecordPatch(BaseModel):
    """Values that replace the stored ones (fields not given stay as they are), and events."""

    values: dict[Line, Value] = Field(default_factory=dict)
    events: dict[Line, Day] = Field(default_factory=dict)
    reason: Note | None = Field(None, description="Why (kept in the audit log; never a name).")


class WrittenOut(BaseModel):
    """What became of a record written."""

    record_id: uuid.UUID
    subject_id: uuid.UUID
    outcome: Literal["created", "updated", "unchanged"]


class Erased(BaseModel):
    """A record erased; with it the subject, when it was their last record."""

    record_id: uuid.UUID
    subject_erased: bool


def _written(written: Written) -> WrittenOut:
    return WrittenOut(
        record_id=written.record_id, subject_id=written.subject_id, outcome=written.outcome
    )


@router.post(
    "",
    response_model=WrittenOut,
    status_code=201,
    summary="Store a record",
    responses={200: {"model": WrittenOut, "description": "An existing record, updated."}},
)
def create(request: Request, body: RecordCreate, response: Response) -> WrittenOut:
    """Store a record of an activity the caller's roles reach. The person is matched by
    the identifiers given (never duplicated); a record of theirs in the activity is
    updated (200), else created (201). The register refuses undeclared fields, malformed
    values and, in an activity based on consent, a person without valid consent."""
    state = state_of(request)
    item = RecordInput(
        values=dict(body.values),
        events=dict(body.events),
        source=body.source,
        consent=body.consent.columns() if body.consent is not None else {},
    )
    with api_unit(request) as (session, caller):
        written = store_record(
            session,
            state.keyring(),
            caller.actor,
            body.activity,
            item,
            at=state.clock.now(),
            reason=body.reason,
            subject_id=body.subject_id,
            consent=ConsentLedger(),
        )
    if written.outcome != "created":
        response.status_code = 200
    return _written(written)


@router.patch("/{record_id}", response_model=WrittenOut, summary="Correct a record")
def update(request: Request, record_id: uuid.UUID, body: RecordPatch) -> WrittenOut:
    """Replace values of a record (the register enforced, the change audited); values not
    given stay. An identifier that belongs to another person is refused."""
    state = state_of(request)
    with api_unit(request) as (session, caller):
        found = record_dates(session, record_id)
        if found is None:
            raise NotFound("no record {record}", record=str(record_id))
        written = store_record(
            session,
            state.keyring(),
            caller.actor,
            found.activity,
            RecordInput(values=dict(body.values), events=dict(body.events)),
            at=state.clock.now(),
            reason=body.reason,
            subject_id=found.subject_id,
            consent=ConsentLedger(),
        )
    return _written(written)


class EraseIn(BaseModel):
    """Why a record is erased: audited. In the body, so it never stands in an address."""

    reason: Annotated[Note, StringConstraints(min_length=1)] = Field(
        examples=["erasure request 12"]
    )


@router.post("/{record_id}/erase", response_model=Erased, summary="Erase a record")
def erase(request: Request, record_id: uuid.UUID, body: EraseIn) -> Erased:
    """Erase one record of an activity the caller's roles reach (the DPO: any); the
    subject too, data key and all, when it was their last record."""
    state = state_of(request)
    with api_unit(request) as (session, caller):
        last = erase_record(
            session,
            state.keyring(),
            caller.actor,
            record_id,
            reason=body.reason,
            at=state.clock.now(),
        )
    return Erased(record_id=record_id, subject_erased=last)
