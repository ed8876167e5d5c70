"""Reading the audit log a page at a time, newest first, filtered by action, actor and
time: for the people who answer for it (an administrator or the DPO)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotAllowed

_ENTRY = cast(Table, AuditEntry.__table__)


@dataclass(frozen=True)
class Entry:
    """One entry of the audit log as listed (never personal data: ids, names of actions)."""

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


@dataclass(frozen=True)
class EntryPage:
    """A page of entries and how many entries match in all."""

    entries: list[Entry]
    total: int


def require_auditor(actor: Actor) -> None:
    """Only an administrator or the DPO reads, verifies or exports the audit log."""
    if not actor.is_privacy_staff:
        raise NotAllowed("only an administrator or the DPO may read the audit log")


def list_entries(
    session: Session,
    actor: Actor,
    *,
    action: str | None = None,
    actions: Collection[str] | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    subject_id: uuid.UUID | None = None,
    request_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> EntryPage:
    """Entries matching every filter given, newest first: ``limit`` of them from ``offset``.
    ``since`` and ``until`` bound the entry's moment (both included); ``subject_id`` keeps
    the entries about one data subject (their trail), ``request_id`` those about one data
    subject request (its history), ``actions`` those of any of these actions."""
    require_auditor(actor)
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("a moment needs its time zone (2026-11-02T10:30:00+01:00)")
    if offset < 0 or limit < 1:
        raise InvalidInput("a page starts at 0 and holds at least one entry")
    where: list[ColumnElement[bool]] = []
    if action is not None:
        where.append(_ENTRY.c.action == action)
    if actions is not None:
        where.append(_ENTRY.c.action.in_(list(actions)))
    if request_id is not None:
        where.append(_ENTRY.c.detail["request"].as_integer() == request_id)
    if actor_name is not None:
        where.append(_ENTRY.c.actor == actor_name)
    if subject_id is not None:
        where.append(_ENTRY.c.subject_id == subject_id)
    if since is not None:
        where.append(_ENTRY.c.at >= since)
    if until is not None:
        where.append(_ENTRY.c.at <= until)
    total = session.execute(select(func.count()).select_from(_ENTRY).where(*where)).scalar_one()
    rows = session.execute(
        select(_ENTRY).where(*where).order_by(_ENTRY.c.seq.desc()).offset(offset).limit(limit)
    ).all()
    entries = [
        Entry(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.subject_id,
            row.record_id,
            row.activity,
            row.reason,
            dict(row.detail) if row.detail else None,
            row.hash,
        )
        for row in rows
    ]
    return EntryPage(entries, int(total))


__all__ = ["Entry", "EntryPage", "list_entries", "require_auditor"]
