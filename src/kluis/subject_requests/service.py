"""The register of data subject requests: intake, identity checks, extensions, closing, and
the list with the days left, so that no answer is late.

Only the DPO or an administrator works with requests. Every step is audited; what a person
gave to be found (e-mail address, phone or national number) is kept as blind indexes only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kluis.i18n import LANGUAGES
from kluis.register.types import Duration
from kluis.register.versions import require_version
from kluis.retention import require_privacy_staff
from kluis.subject_requests.models import SubjectRequest
from kluis.subject_requests.policy import (
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    days_left,
    extended_deadline,
    first_deadline,
    may_extend,
)
from kluis.vault import Keyring, ValueKind, identify

OPEN = "open"


@dataclass(frozen=True)
class RequestView:
    """A request as listed and shown."""

    id: int
    kind: str
    received_at: datetime
    channel: str
    language: str
    reference: str | None
    identifiers: list[str]
    subject_id: uuid.UUID | None
    status: str
    due: date
    extended: bool
    extension_reason: str | None
    identity_method: str | None
    identity_outcome: str | None
    closed_at: datetime | None
    outcome_note: str | None
    #: Days until the deadline (negative: overdue); None once closed.
    days_left: int | None

    @property
    def overdue(self) -> bool:
        """Open past its deadline."""
        return self.days_left is not None and self.days_left < 0


def _view(request: SubjectRequest, today: date) -> RequestView:
    due = request.extended_due or request.due
    return RequestView(
        request.id,
        request.kind,
        request.received_at,
        request.channel,
        request.language,
        request.reference,
        [kind for kind, _digest in request.identifiers],
        request.subject_id,
        request.status,
        due,
        request.extended_due is not None,
        request.extension_reason,
        request.identity_method,
        request.identity_outcome,
        request.closed_at,
        request.outcome_note,
        days_left(due, today) if request.status == OPEN else None,
    )


def file_request(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    *,
    kind: Kind,
    channel: Channel,
    language: str,
    identifiers: Mapping[ValueKind, str],
    received_at: datetime | None = None,
    reference: str | None = None,
    at: datetime,
) -> RequestView:
    """Register a request received ``received_at`` (default: now): its deadline runs from
    then. The identifiers the person gave find them in the vault, if it holds them."""
    require_privacy_staff(actor)
    if language not in LANGUAGES:
        raise InvalidInput(
            "'{language}' is not a language of Kluis ({languages})",
            language=language,
            languages=", ".join(LANGUAGES),
        )
    received = received_at or at
    if received.tzinfo is None:
        raise ValueError("a moment must be timezone-aware")
    if received > at:
        raise InvalidInput("a request cannot be received at a moment still to come")
    digests: list[list[str]] = []
    subjects: set[uuid.UUID] = set()
    for value_kind, value in identifiers.items():
        if not value.strip():
            continue
        (index_kind, digest), found = identify(session, keyring, value_kind, value)
        digests.append([index_kind, digest.hex()])
        subjects |= found
    if len(subjects) > 1:
        raise Conflict(
            "the identifiers given belong to {count} different people; file one request each",
            count=len(subjects),
        )
    request = SubjectRequest(
        kind=kind.value,
        received_at=received,
        channel=channel.value,
        language=language,
        reference=reference.strip() if reference and reference.strip() else None,
        identifiers=digests,
        subject_id=next(iter(subjects), None),
        status=OPEN,
        due=first_deadline(received.date(), _promised(session)),
        recorded_by=actor.name,
        recorded_at=at,
    )
    session.add(request)
    session.flush()
    _audit(session, actor, request, "request_file", {"kind": kind.value}, at=at)
    return _view(request, at.date())


def _promised(session: Session) -> Duration | None:
    """The answer period the organisation promises in its register, if it promises one."""
    requests = require_version(session).register.organisation.rights_requests
    return requests.answer_within if requests is not None else None


def _audit(
    session: Session,
    actor: Actor,
    request: SubjectRequest,
    action: str,
    detail: dict[str, object],
    *,
    reason: str | None = None,
    at: datetime,
) -> None:
    record_event(
        session,
        actor,
        Event(
            action,
            subject_id=request.subject_id,
            reason=reason,
            detail={"request": request.id, **detail},
        ),
        at=at,
    )


def _open(session: Session, request_id: int) -> SubjectRequest:
    request = session.get(SubjectRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound("no request {request}", request=request_id)
    if request.status != OPEN:
        raise Conflict("request {request} is closed already", request=request_id)
    return request


def request_for(
    session: Session,
    actor: Actor,
    request_id: int,
    *kinds: Kind,
    matched: bool,
    closed_too: bool = False,
) -> SubjectRequest:
    """An open request (or with ``closed_too`` any) of one of ``kinds``, for the DPO to
    carry out; with ``matched``, one whose identifiers found someone in the vault."""
    if not actor.is_dpo:
        raise NotAllowed("only the DPO may carry out a request")
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound("no request {request}", request=request_id)
    if request.kind not in {kind.value for kind in kinds}:
        raise Conflict(
            "request {request} asks for {kind}, not {wanted}",
            request=request_id,
            kind=request.kind,
            wanted=" / ".join(kind.value for kind in kinds),
        )
    if request.status != OPEN and not closed_too:
        raise Conflict("request {request} is closed already", request=request_id)
    if matched and request.subject_id is None:
        raise Conflict(
            "request {request} matches no one in the vault: there is nothing to carry out",
            request=request_id,
        )
    return request


def extend_request(
    session: Session, actor: Actor, request_id: int, *, reason: str, at: datetime
) -> RequestView:
    """Extend the deadline by two months (Art. 12(3)); only within the first month, and
    with the reasons the person is told."""
    require_privacy_staff(actor)
    if not reason.strip():
        raise InvalidInput("an extension needs the reasons the person is told")
    request = _open(session, request_id)
    if request.extended_due is not None:
        raise Conflict("request {request} was extended already", request=request_id)
    received = request.received_at.date()
    promised = _promised(session)
    first = first_deadline(received, promised)
    if extended_deadline(received, promised) <= first:
        raise Conflict(
            "the register promises an answer within {period}: request {request} cannot be "
            "extended beyond {due}",
            period=str(promised),
            request=request_id,
            due=first.isoformat(),
        )
    if not may_extend(received, at.date(), promised):
        raise Conflict(
            "the first month of request {request} ended on {due}: it can no longer be extended",
            request=request_id,
            due=first.isoformat(),
        )
    request.extended_due = extended_deadline(received, promised)
    request.extension_reason = reason.strip()
    request.extended_at = at
    session.flush()
    _audit(
        session,
        actor,
        request,
        "request_extend",
        {"due": request.extended_due.isoformat()},
        reason=request.extension_reason,
        at=at,
    )
    return _view(request, at.date())


def record_identity(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    method: IdentityMethod,
    outcome: IdentityOutcome,
    at: datetime,
) -> RequestView:
    """Record how identity was checked and what came of it; never a copy of a document."""
    require_privacy_staff(actor)
    request = _open(session, request_id)
    request.identity_method = method.value
    request.identity_outcome = outcome.value
    request.identity_checked_at = at
    session.flush()
    _audit(
        session,
        actor,
        request,
        "request_identity",
        {"method": method.value, "outcome": outcome.value},
        at=at,
    )
    return _view(request, at.date())


def close_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    outcome: Outcome,
    note: str | None = None,
    at: datetime,
) -> RequestView:
    """Close a request as answered or refused (a refusal needs its reasons)."""
    require_privacy_staff(actor)
    request = _open(session, request_id)
    if outcome is Outcome.refused and not (note and note.strip()):
        raise InvalidInput("a refusal needs its reasons")
    request.status = outcome.value
    request.closed_at = at
    request.outcome_note = note.strip() if note and note.strip() else None
    session.flush()
    _audit(session, actor, request, "request_close", {"outcome": outcome.value}, at=at)
    return _view(request, at.date())


def _ordered(conditions: list[ColumnElement[bool]]) -> Select[SubjectRequest]:
    """The requests matching ``conditions``: open ones first by the nearest deadline (an
    extension counts), then closed ones by theirs."""
    return (
        select(SubjectRequest)
        .where(*conditions)
        .order_by(
            case((SubjectRequest.status == OPEN, 0), else_=1),
            func.coalesce(SubjectRequest.extended_due, SubjectRequest.due),
            SubjectRequest.id,
        )
    )


def find_requests(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = OPEN,
    kind: str | None = None,
    subject_id: uuid.UUID | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[RequestView], int]:
    """A page of requests, open ones first by the nearest deadline, then closed ones by
    theirs, and how many match in all; paged by the database (``limit`` and ``offset``), so
    a list of years of requests costs one page.

    ``status``: ``open``, an :class:`Outcome` (``answered``, ``refused``), ``closed`` (either),
    or ``None`` for all; ``kind`` and ``subject_id`` narrow further."""
    require_privacy_staff(actor)
    conditions: list[ColumnElement[bool]] = []
    if status == "closed":
        conditions.append(SubjectRequest.status != OPEN)
    elif status is not None:
        conditions.append(SubjectRequest.status == status)
    if kind is not None:
        conditions.append(SubjectRequest.kind == kind)
    if subject_id is not None:
        conditions.append(SubjectRequest.subject_id == subject_id)
    total = session.execute(
        select(func.count()).select_from(SubjectRequest).where(*conditions)
    ).scalar_one()
    page = _ordered(conditions).offset(offset).limit(limit)
    return [_view(request, today) for request in session.execute(page).scalars()], int(total)


def list_requests(
    session: Session, actor: Actor, *, today: date, closed: bool = False
) -> list[RequestView]:
    """The open requests, the nearest deadline first (with ``closed``, every request, the
    closed ones after)."""
    require_privacy_staff(actor)
    conditions = [] if closed else [SubjectRequest.status == OPEN]
    return [_view(request, today) for request in session.execute(_ordered(conditions)).scalars()]


def count_overdue(session: Session, actor: Actor, *, today: date) -> int:
    """How many open requests are past their deadline."""
    require_privacy_staff(actor)
    due = func.coalesce(SubjectRequest.extended_due, SubjectRequest.due)
    return int(
        session.execute(
            select(func.count())
            .select_from(SubjectRequest)
            .where(SubjectRequest.status == OPEN, due < today)
        ).scalar_one()
    )


def get_request(session: Session, actor: Actor, request_id: int, *, today: date) -> RequestView:
    """One request."""
    require_privacy_staff(actor)
    request = session.get(SubjectRequest, request_id)
    if request is None:
        raise NotFound("no request {request}", request=request_id)
    return _view(request, today)


__all__ = [
    "RequestView",
    "close_request",
    "count_overdue",
    "extend_request",
    "file_request",
    "find_requests",
    "get_request",
    "list_requests",
    "record_identity",
    "request_for",
]
