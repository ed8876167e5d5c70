"""Data subject requests (the DPO or an administrator): ``/api/v1/requests`` lists them
with their deadlines and registers new ones; each can be extended, have its identity
check recorded, and be closed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from kluis.api.common import CHANGE_ERRORS, Moment, Note, Pagination, Reason, Value, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit, csrf_for_cookies
from kluis.register.versions import require_version
from kluis.server import state_of
from kluis.subject_requests import (
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    RequestView,
    StepView,
    close_request,
    extend_request,
    file_request,
    find_requests,
    get_request,
    record_identity,
    steps_of,
)
from kluis.vault import ValueKind

router = APIRouter(
    prefix="/api/v1/requests",
    tags=["requests"],
    responses=CHANGE_ERRORS,
    dependencies=[Depends(csrf_for_cookies)],
)

KindName = Literal[
    "access", "rectification", "erasure", "restriction", "portability", "objection", "withdrawal"
]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The number of the request.")]


class RequestOut(BaseModel):
    """A request, with its deadline and the days left to answer it."""

    id: int
    kind: KindName
    received_at: datetime
    channel: str
    language: str
    reference: str | None
    identifiers: list[str] = Field(description="The kinds of identifier the person gave.")
    subject_id: uuid.UUID | None = Field(description="Whom the identifiers found, if anyone.")
    status: str = Field(description="open, answered or refused")
    due: date
    extended: bool
    extension_reason: str | None
    identity_method: str | None
    identity_outcome: str | None
    closed_at: datetime | None
    outcome_note: str | None
    days_left: int | None = Field(description="Negative: overdue; none once closed.")
    overdue: bool


class StepOut(BaseModel):
    """A step of carrying out a request, as it went."""

    step: str
    status: str
    attempts: int
    error: str | None
    tried_at: datetime
    done_at: datetime | None


class RequestDetail(RequestOut):
    """A request with the steps taken to carry it out."""

    steps: list[StepOut]


class Identifiers(BaseModel):
    """The identifiers the person gave, to find them in the vault (kept as blind indexes)."""

    email: Value | None = None
    phone: Value | None = None
    national_number: Value | None = None


class RequestIn(BaseModel):
    """A request received: what the person asks, how it came in, whom it is from."""

    kind: KindName
    channel: Literal["email", "web_form", "letter", "phone", "in_person"]
    identifiers: Identifiers = Field(default_factory=Identifiers)
    received_at: Moment | None = Field(None, description="When it came in (default: now).")
    reference: Note | None = Field(None, description="Where it is: a mailbox thread, a letter.")
    language: Literal["nl", "en", "fr"] | None = Field(
        None, description="The language to answer in (default: the organisation's)."
    )


class ExtendIn(BaseModel):
    """The reasons for extending, as the person is told them."""

    reason: Reason


class IdentityIn(BaseModel):
    """How identity was checked and what came of it (never a copy of a document)."""

    method: Literal["known_channel", "email_confirmation", "question", "document_seen"]
    outcome: Literal["confirmed", "not_confirmed"]


class CloseIn(BaseModel):
    """How the request was closed; a refusal needs its reasons."""

    outcome: Literal["answered", "refused"]
    note: Note | None = None


def _fields(view: RequestView) -> dict[str, object]:
    return {
        "id": view.id,
        "kind": view.kind,
        "received_at": view.received_at,
        "channel": view.channel,
        "language": view.language,
        "reference": view.reference,
        "identifiers": view.identifiers,
        "subject_id": view.subject_id,
        "status": view.status,
        "due": view.due,
        "extended": view.extended,
        "extension_reason": view.extension_reason,
        "identity_method": view.identity_method,
        "identity_outcome": view.identity_outcome,
        "closed_at": view.closed_at,
        "outcome_note": view.outcome_note,
        "days_left": view.days_left,
        "overdue": view.overdue,
    }


def request_out(view: RequestView) -> RequestOut:
    """A request as the API shows it."""
    return RequestOut.model_validate(_fields(view))


def _step(step: StepView) -> StepOut:
    return StepOut(
        step=step.step,
        status=step.status,
        attempts=step.attempts,
        error=step.error,
        tried_at=step.tried_at,
        done_at=step.done_at,
    )


@router.get("", response_model=PageOf[RequestOut], summary="List requests")
def listing(
    request: Request,
    paged: Annotated[Pagination, Depends(pagination)],
    status: Annotated[
        Literal["open", "closed"] | None, Query(description="Open or closed ones only.")
    ] = None,
    kind: Annotated[KindName | None, Query(description="Only requests of this kind.")] = None,
) -> PageOf[RequestOut]:
    """The requests, open ones first by the nearest deadline, with the days left."""
    with api_unit(request) as (session, caller):
        today = state_of(request).clock.now().date()
        found, total = find_requests(
            session,
            caller.actor,
            today=today,
            status=status,
            kind=kind,
            limit=paged.per_page,
            offset=paged.offset,
        )
    return paged.of([request_out(view) for view in found], total)


@router.post("", response_model=RequestOut, status_code=201, summary="Register a request")
def create(request: Request, body: RequestIn) -> RequestOut:
    """Register a request received; its deadline runs from its receipt (one month, or
    sooner when the register promises it). The identifiers find the person in the vault."""
    state = state_of(request)
    given = {
        ValueKind.email: body.identifiers.email,
        ValueKind.phone: body.identifiers.phone,
        ValueKind.national_number: body.identifiers.national_number,
    }
    with api_unit(request) as (session, caller):
        organisation = require_version(session).register.organisation
        view = file_request(
            session,
            state.keyring(),
            caller.actor,
            kind=Kind(body.kind),
            channel=Channel(body.channel),
            language=body.language or organisation.languages[0],
            identifiers={kind: value for kind, value in given.items() if value},
            received_at=body.received_at,
            reference=body.reference,
            at=state.clock.now(),
        )
    return request_out(view)


@router.get("/{request_id}", response_model=RequestDetail, summary="Show a request")
def show(request: Request, request_id: RequestId) -> RequestDetail:
    """A request, with the steps taken to carry it out."""
    with api_unit(request) as (session, caller):
        view = get_request(
            session, caller.actor, request_id, today=state_of(request).clock.now().date()
        )
        steps = steps_of(session, request_id)
    return RequestDetail.model_validate({**_fields(view), "steps": [_step(s) for s in steps]})


@router.post("/{request_id}/extend", response_model=RequestOut, summary="Extend a deadline")
def extend(request: Request, request_id: RequestId, body: ExtendIn) -> RequestOut:
    """Extend the deadline by two months (Art. 12(3)): only within the first month, with
    the reasons the person is told."""
    with api_unit(request) as (session, caller):
        view = extend_request(
            session, caller.actor, request_id, reason=body.reason, at=state_of(request).clock.now()
        )
    return request_out(view)


@router.post("/{request_id}/identity", response_model=RequestOut, summary="Record identity")
def identity(request: Request, request_id: RequestId, body: IdentityIn) -> RequestOut:
    """Record how the person's identity was checked, where there was reasonable doubt."""
    with api_unit(request) as (session, caller):
        view = record_identity(
            session,
            caller.actor,
            request_id,
            method=IdentityMethod(body.method),
            outcome=IdentityOutcome(body.outcome),
            at=state_of(request).clock.now(),
        )
    return request_out(view)


@router.post("/{request_id}/close", response_model=RequestOut, summary="Close a request")
def close(request: Request, request_id: RequestId, body: CloseIn) -> RequestOut:
    """Close a request as answered or refused (a refusal needs its reasons)."""
    with api_unit(request) as (session, caller):
        view = close_request(
            session,
            caller.actor,
            request_id,
            outcome=Outcome(body.outcome),
            note=body.note,
            at=state_of(request).clock.now(),
        )
    return request_out(view)
