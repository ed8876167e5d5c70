"""A person's consent: ``GET /api/v1/subjects/{id}/consent`` (where it stands and its
history), ``POST`` the same address to record consent given or withdrawn: one call each,
alike, since withdrawing is as easy as giving (Art. 7(3))."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from kluis.api.common import CHANGE_ERRORS, Line, Moment, Note, Pagination, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit, csrf_for_cookies
from kluis.consent import (
    GIVEN,
    WITHDRAWN,
    Channel,
    Standing,
    consent_history,
    consent_standing,
    record_consent,
    unsubscribe_link,
)
from kluis.mail import unsubscribe_headers
from kluis.register.versions import require_version
from kluis.server import state_of

router = APIRouter(
    prefix="/api/v1/subjects",
    tags=["consent"],
    responses=CHANGE_ERRORS,
    dependencies=[Depends(csrf_for_cookies)],
)


class StandingOut(BaseModel):
    """Where a person's consent to one purpose stands today."""

    purpose: str
    state: Literal["valid", "none", "withdrawn", "expired", "outdated"]
    given: datetime | None
    withdrawn: datetime | None
    version: date | None
    expires: date | None = Field(description="The last day it stands, when it expires.")


class ConsentEventOut(BaseModel):
    """One event of the consent log."""

    id: int
    purpose: str
    action: Literal["given", "withdrawn"]
    at: datetime
    version: date
    language: str
    channel: str
    evidence: str | None
    recorded_by: str
    recorded_at: datetime


class ConsentOut(PageOf[ConsentEventOut]):
    """A page of the person's consent history, oldest first, and where their consent to
    each purpose the caller reaches stands today."""

    subject_id: uuid.UUID
    standing: list[StandingOut]


class ConsentIn(BaseModel):
    """Consent given or withdrawn: for which purpose, how, when, on which text."""

    purpose: Line
    action: Literal["given", "withdrawn"]
    channel: Literal["web_form", "email", "paper", "phone", "in_person"]
    language: Literal["nl", "en", "fr"] | None = Field(
        None, description="The language of the text shown (default: the organisation's)."
    )
    evidence: Note | None = Field(None, description="Where the proof is: a reference.")
    at: Moment | None = Field(None, description="When the person did it (default: now).")
    version: date | None = Field(None, description="The text's version (default: current).")


def _standing(now: Standing) -> StandingOut:
    return StandingOut(
        purpose=now.purpose,
        state=now.state.value,
        given=now.given,
        withdrawn=now.withdrawn,
        version=now.version,
        expires=now.expires,
    )


@router.get("/{subject_id}/consent", response_model=ConsentOut, summary="A person's consent")
def show(
    request: Request, subject_id: uuid.UUID, paged: Annotated[Pagination, Depends(pagination)]
) -> ConsentOut:
    """Where the subject's consent stands for every purpose the caller reaches (the DPO:
    all), and a page of its history, oldest first."""
    with api_unit(request) as (session, caller):
        today = state_of(request).clock.now().date()
        standings = consent_standing(session, caller.actor, subject_id, on=today)
        history = consent_history(session, caller.actor, subject_id)
    page = paged.of(
        [
            ConsentEventOut(
                id=event.id,
                purpose=event.purpose,
                action=event.action,
                at=event.at,
                version=event.version,
                language=event.language,
                channel=event.channel,
                evidence=event.evidence,
                recorded_by=event.recorded_by,
                recorded_at=event.recorded_at,
            )
            for event in history
        ]
    )
    return ConsentOut(
        items=page.items,
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        subject_id=subject_id,
        standing=[_standing(now) for now in standings],
    )


@router.post(
    "/{subject_id}/consent",
    response_model=StandingOut,
    status_code=201,
    summary="Record consent given or withdrawn",
)
def record(request: Request, subject_id: uuid.UUID, body: ConsentIn) -> StandingOut:
    """Log that the person gave or withdrew their consent to a purpose of the register,
    and keep the dates on the records based on it. Where the consent stands now."""
    state = state_of(request)
    with api_unit(request) as (session, caller):
        organisation = require_version(session).register.organisation
        now = record_consent(
            session,
            caller.actor,
            subject_id,
            body.purpose,
            action=GIVEN if body.action == "given" else WITHDRAWN,
            channel=Channel(body.channel),
            language=body.language or organisation.languages[0],
            evidence=body.evidence,
            given_at=body.at,
            version=body.version,
            at=state.clock.now(),
        )
    return _standing(now)


class UnsubscribeLinkOut(BaseModel):
    """A one-click unsubscribe link for a direct-marketing message to the person, and the
    headers the message carries so mail programs offer it (RFC 2369 and RFC 8058)."""

    url: str
    headers: dict[str, str]


@router.post(
    "/{subject_id}/unsubscribe-link",
    response_model=UnsubscribeLinkOut,
    status_code=201,
    summary="Make an unsubscribe link",
)
def unsubscribe(request: Request, subject_id: uuid.UUID) -> UnsubscribeLinkOut:
    """A new link that unsubscribes the person from direct marketing in one click, for the
    messages sent to them: for those who send that marketing (the roles of one of the
    person's direct-marketing activities) and the DPO. The link holds a random token, never
    personal data."""
    state = state_of(request)
    with api_unit(request) as (session, caller):
        token = unsubscribe_link(session, subject_id, actor=caller.actor, at=state.clock.now())
    url = f"{state.settings.public_url}/unsubscribe/{token}"
    return UnsubscribeLinkOut(url=url, headers=unsubscribe_headers(url))
