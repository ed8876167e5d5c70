"""Requests sent by anyone through the organisation's public form, and the private links
where a person sees where their request stands.

Nothing is filed until the person confirms their e-mail address: the form stores a pending
request whose values (e-mail address, phone, national number, message) are sealed under a
data key of its own (AES-256-GCM), wrapped by the key encryption key as a subject's is;
the e-mail address is also kept as a blind index, so the form can be throttled per address
without reading it. The confirmation link and the status links are random tokens of 256
bits of which only the SHA-256 is stored. Confirming files the request (channel
``web_form``) through :func:`file_request`, acting as Kluis itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput
from kluis.crypto import Cipher, new_data_key
from kluis.i18n import LANGUAGES
from kluis.retention import require_privacy_staff
from kluis.subject_requests.models import PublicRequest, StatusLink, SubjectRequest
from kluis.subject_requests.policy import Channel, Kind
from kluis.subject_requests.service import RequestView, _view, file_request
from kluis.users.errors import Throttled
from kluis.vault import Keyring, ValueKind, identify

#: A confirmation link works this long.
CONFIRM_VALID: Final = timedelta(hours=24)
#: At most this many requests per e-mail address within ``THROTTLE_WINDOW``.
ADDRESS_LIMIT: Final = 3
THROTTLE_WINDOW: Final = timedelta(hours=1)
#: Kluis itself files the requests a person confirmed.
PUBLIC_ACTOR: Final = Actor.system("public-form")
#: What the public form offers: ``unsubscribe`` is an objection to direct marketing.
PUBLIC_KINDS: Final = (
    "access",
    "erasure",
    "rectification",
    "objection",
    "withdrawal",
    "unsubscribe",
)
UNSUBSCRIBE_REFERENCE: Final = "public form: unsubscribe from direct marketing"
PUBLIC_REFERENCE: Final = "public form"
MAX_MESSAGE: Final = 4000
_FIELDS: Final = ("email", "phone", "national_number", "message")
_LINK_INVALID: Final = "this link is not valid any more; send the form again"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _associated(row_id: int, field: str) -> bytes:
    return f"public_request:{row_id}|{field}".encode()


def _context(row_id: int) -> bytes:
    return f"public_request:{row_id}".encode()


@dataclass(frozen=True)
class Submitted:
    """A request sent through the form: the token of its confirmation link (never stored)."""

    token: str
    kind: str
    language: str


def submit_public_request(
    session: Session,
    keyring: Keyring,
    *,
    kind: str,
    language: str,
    email: str,
    phone: str = "",
    national_number: str = "",
    message: str = "",
    at: datetime,
) -> Submitted:
    """Keep a request sent through the public form until its address is confirmed; the
    token of the confirmation link is returned (to e-mail, never stored).
    :class:`Throttled` after :data:`ADDRESS_LIMIT` requests for one address in an hour."""
    if kind not in PUBLIC_KINDS:
        raise InvalidInput("'{kind}' is not a request the form takes", kind=kind)
    if language not in LANGUAGES:
        raise InvalidInput("'{language}' is not a language of Kluis", language=language)
    if len(message) > MAX_MESSAGE:
        raise InvalidInput("a message may have at most {n} characters", n=MAX_MESSAGE)
    given = {
        ValueKind.email: email,
        ValueKind.phone: phone,
        ValueKind.national_number: national_number,
    }
    if not email.strip():
        raise InvalidInput("an e-mail address is needed to confirm the request")
    for value_kind, value in given.items():  # invalid values are refused now, not later
        if value.strip():
            identify(session, keyring, value_kind, value)
    (_kind, address), _found = identify(session, keyring, ValueKind.email, email)
    address_index = address.hex()
    recent = session.execute(
        select(func.count())
        .select_from(PublicRequest)
        .where(
            PublicRequest.address_index == address_index,
            PublicRequest.created_at > at - THROTTLE_WINDOW,
        )
    ).scalar_one()
    if recent >= ADDRESS_LIMIT:
        raise Throttled(
            "too many requests for this address; try again in {minutes} minutes",
            minutes=int(THROTTLE_WINDOW.total_seconds() // 60),
        )
    token = secrets.token_urlsafe(32)
    row = PublicRequest(
        kind=kind,
        language=language,
        address_index=address_index,
        token_digest=_digest(token),
        created_at=at,
        expires_at=at + CONFIRM_VALID,
    )
    session.add(row)
    session.flush()
    values = {
        "email": email.strip(),
        "phone": phone.strip(),
        "national_number": national_number.strip(),
        "message": message.strip(),
    }
    key = new_data_key()
    cipher = Cipher(key)
    row.sealed = json.dumps(
        {
            name: base64.b64encode(
                cipher.seal(value.encode("utf-8"), _associated(row.id, name))
            ).decode()
            for name, value in values.items()
            if value
        }
    )
    row.kek_id, row.wrapped = keyring.provider.wrap(key, context=_context(row.id))
    session.flush()
    return Submitted(token, kind, language)


def _open(keyring: Keyring, row: PublicRequest) -> dict[str, str]:
    """The values a person gave, or nothing once they are forgotten."""
    if row.sealed is None or row.wrapped is None or row.kek_id is None:
        return {}
    cipher = Cipher(keyring.provider.unwrap(row.kek_id, row.wrapped, context=_context(row.id)))
    return {
        name: cipher.open(base64.b64decode(sealed), _associated(row.id, name)).decode("utf-8")
        for name, sealed in json.loads(row.sealed).items()
    }


def _pending(session: Session, token: str, at: datetime) -> PublicRequest:
    row = (
        session.execute(
            select(PublicRequest).where(PublicRequest.token_digest == _digest(token))
        ).scalar_one_or_none()
        if token and len(token) <= 128
        else None
    )
    if row is None or row.confirmed_at is not None or row.expires_at <= at:
        raise InvalidInput(_LINK_INVALID)
    return row


@dataclass(frozen=True)
class Pending:
    """A request waiting for its confirmation, as its page shows it (nothing personal)."""

    kind: str
    language: str
    expires_at: datetime


def pending_request(session: Session, token: str, *, at: datetime) -> Pending:
    """The request the confirmation link ``token`` stands for; :class:`InvalidInput` when
    the link is unknown, used or expired."""
    row = _pending(session, token, at)
    return Pending(row.kind, row.language, row.expires_at)


@dataclass(frozen=True)
class Confirmed:
    """A confirmed request: as filed, its status link's token, and the address to write to."""

    view: RequestView
    status_token: str
    email: str


def confirm_public_request(
    session: Session, keyring: Keyring, token: str, *, at: datetime
) -> Confirmed:
    """File the request of confirmation link ``token`` (it works once, within a day) and
    make its private status link."""
    row = _pending(session, token, at)
    values = _open(keyring, row)
    kind = Kind.objection if row.kind == "unsubscribe" else Kind(row.kind)
    identifiers = {
        value_kind: values[value_kind.value]
        for value_kind in (ValueKind.email, ValueKind.phone, ValueKind.national_number)
        if values.get(value_kind.value)
    }
    view = file_request(
        session,
        keyring,
        PUBLIC_ACTOR,
        kind=kind,
        channel=Channel.web_form,
        language=row.language,
        identifiers=identifiers,
        reference=UNSUBSCRIBE_REFERENCE if row.kind == "unsubscribe" else PUBLIC_REFERENCE,
        received_at=at,
        at=at,
    )
    row.confirmed_at = at
    row.request_id = view.id
    session.flush()
    return Confirmed(view, status_link(session, view.id, at=at), values["email"])


def status_link(session: Session, request_id: int, *, at: datetime) -> str:
    """A new private status link of request ``request_id``: its token (never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(StatusLink(digest=_digest(token), request_id=request_id, created_at=at))
    session.flush()
    return token


@dataclass(frozen=True)
class Status:
    """Where a request stands, as its status link shows it: nothing the person did not
    give, and no identifier at all."""

    request: int
    kind: str
    received: date
    due: date
    status: str
    extended: bool
    closed_at: datetime | None
    outcome_note: str | None
    days_left: int | None


def request_status(session: Session, token: str, *, today: date) -> Status | None:
    """The request of status link ``token``, or None when the link is unknown."""
    if not token or len(token) > 128:
        return None
    request = session.execute(
        select(SubjectRequest)
        .join(StatusLink, StatusLink.request_id == SubjectRequest.id)
        .where(StatusLink.digest == _digest(token))
    ).scalar_one_or_none()
    if request is None:
        return None
    view = _view(request, today)
    return Status(
        view.id,
        view.kind,
        view.received_at.date(),
        view.due,
        view.status,
        view.extended,
        view.closed_at,
        view.outcome_note,
        view.days_left,
    )


@dataclass(frozen=True)
class Contact:
    """What a person gave through the public form, for the DPO to answer them."""

    email: str | None
    phone: str | None
    national_number: str | None
    message: str | None


def request_contact(
    session: Session, keyring: Keyring, actor: Actor, request_id: int, *, at: datetime
) -> Contact | None:
    """What the person of request ``request_id`` gave through the public form (None for a
    request that did not come through it, or once forgotten); the reading is audited."""
    require_privacy_staff(actor)
    row = session.execute(
        select(PublicRequest).where(PublicRequest.request_id == request_id)
    ).scalar_one_or_none()
    if row is None or row.sealed is None:
        return None
    values = _open(keyring, row)
    record_event(
        session, actor, Event("request_contact_read", detail={"request": request_id}), at=at
    )
    return Contact(*(values.get(name) or None for name in _FIELDS))


def forget_contact(session: Session, actor: Actor, request_id: int, *, at: datetime) -> bool:
    """Destroy what the person of request ``request_id`` gave through the form, once the
    answer is sent; whether there was anything to forget."""
    require_privacy_staff(actor)
    row = session.execute(
        select(PublicRequest).where(PublicRequest.request_id == request_id)
    ).scalar_one_or_none()
    if row is None or row.sealed is None:
        return False
    row.sealed, row.kek_id, row.wrapped = None, None, None
    session.flush()
    record_event(
        session, actor, Event("request_contact_forget", detail={"request": request_id}), at=at
    )
    return True


def forget_public_requests(session: Session, *, at: datetime) -> int:
    """Delete requests never confirmed whose link has expired (and what they held); how
    many. Their blind index counts for throttling no longer than the link works."""
    result = session.execute(
        delete(PublicRequest).where(
            PublicRequest.confirmed_at.is_(None),
            PublicRequest.expires_at <= at,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "ADDRESS_LIMIT",
    "CONFIRM_VALID",
    "PUBLIC_ACTOR",
    "PUBLIC_KINDS",
    "Confirmed",
    "Contact",
    "Pending",
    "Status",
    "Submitted",
    "confirm_public_request",
    "forget_contact",
    "forget_public_requests",
    "pending_request",
    "request_contact",
    "request_status",
    "status_link",
    "submit_public_request",
]
