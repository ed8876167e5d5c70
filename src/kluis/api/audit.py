"""The audit log (an administrator or the DPO): ``GET /api/v1/audit`` pages through its
entries, newest first; ``GET /api/v1/audit/verify`` recomputes its hash chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from kluis.api.common import ERRORS, Moment, Pagination, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit
from kluis.audit import list_entries, require_auditor, verify

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERRORS)


class EntryOut(BaseModel):
    """One entry of the audit log: who did what, when, to which subject or record, why."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject_id: uuid.UUID | None
    record_id: uuid.UUID | None
    activity: str | None
    reason: str | None
    detail: dict[str, Any] | None
    hash: str


class VerificationOut(BaseModel):
    """Whether the hash chain is intact; if not, the first entry altered or removed."""

    intact: bool
    entries: int
    head_hash: str
    first_bad: int | None = Field(description="The first entry altered or removed.")
    problem: Literal["altered", "missing", "head"] | None


@router.get("", response_model=PageOf[EntryOut], summary="Audit log entries")
def entries(
    request: Request,
    paged: Annotated[Pagination, Depends(pagination)],
    action: Annotated[
        str | None, Query(max_length=40, description="Only this action: record_read.")
    ] = None,
    actor: Annotated[str | None, Query(max_length=120, description="Only this user.")] = None,
    since: Annotated[Moment | None, Query(description="From this moment on.")] = None,
    until: Annotated[Moment | None, Query(description="Up to this moment.")] = None,
) -> PageOf[EntryOut]:
    """The entries matching every filter given, newest first."""
    with api_unit(request, read_only=True) as (session, caller):
        found = list_entries(
            session,
            caller.actor,
            action=action,
            actor_name=actor,
            since=since,
            until=until,
            offset=paged.offset,
            limit=paged.per_page,
        )
    items = [
        EntryOut(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject_id=entry.subject_id,
            record_id=entry.record_id,
            activity=entry.activity,
            reason=entry.reason,
            detail=entry.detail,
            hash=entry.hash,
        )
        for entry in found.entries
    ]
    return paged.of(items, found.total)


@router.get("/verify", response_model=VerificationOut, summary="Verify the audit log")
def check(request: Request) -> VerificationOut:
    """Recompute the audit log's hash chain; name the first entry altered or removed."""
    with api_unit(request, read_only=True) as (session, caller):
        require_auditor(caller.actor)
        result = verify(session)
    return VerificationOut(
        intact=result.intact,
        entries=result.entries,
        head_hash=result.head_hash,
        first_bad=result.first_bad,
        problem=result.problem,
    )
