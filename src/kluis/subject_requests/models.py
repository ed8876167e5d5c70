"""The register of data subject requests: what was asked, when, how, by whom (as blind
indexes of the identifiers they gave, and the subject they match), and its deadline.

No contact detail is stored: a request is answered on the channel it came in on, and
``reference`` says where it is (a mailbox thread, a letter's number).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class SubjectRequest(Base):
    """A request of a data subject under Articles 15 to 22 GDPR."""

    __tablename__ = "subject_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    #: Where the request is: a mailbox thread, a letter's number; never its content.
    reference: Mapped[str | None] = mapped_column(Text)
    #: The identifiers the person gave, as ``[[kind, blind index in hex], ...]``.
    identifiers: Mapped[list[list[str]]] = mapped_column(JSON)
    #: The subject they match in the vault; None when the vault holds no one by them. No
    #: foreign key: the request outlives an erasure it leads to, as its proof.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    #: ``open``, ``answered`` or ``refused``.
    status: Mapped[str] = mapped_column(String(20), index=True)
    due: Mapped[date] = mapped_column(Date)
    extended_due: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: How identity was checked where there was reasonable doubt (Art. 12(6)); never a copy
    #: of an identity document.
    identity_method: Mapped[str | None] = mapped_column(String(30))
    identity_outcome: Mapped[str | None] = mapped_column(String(20))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RequestStep(Base):
    """One step of carrying out a request (shredding keys, erasing, writing the letter), as
    it went: done once, or failed with the reason and how often it was tried. A step that
    is done is never done again; a failed one is tried again by the next run."""

    __tablename__ = "request_step"
    __table_args__ = (UniqueConstraint("request_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(30))
    #: ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    #: What the step did, for the steps after it (record ids and activities, never values).
    result: Mapped[dict[str, object] | None] = mapped_column(JSON)
    #: Why the last attempt failed: the error's message, which never holds personal data.
    error: Mapped[str | None] = mapped_column(Text)
    tried_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(120))


class PublicRequest(Base):
    """A request sent through the public form. Nothing is filed until the person confirms
    their e-mail address by the link they were sent (only its SHA-256 is stored); then
    ``request_id`` is the request filed. What the person gave (e-mail address, phone,
    national number, message) is sealed under a data key of its own, wrapped by the key
    encryption key like a subject's; the e-mail address is also a blind index, to throttle
    the form per address. The sealed values are kept only until the answer is sent."""

    __tablename__ = "public_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    #: The blind index (hex) of the e-mail address given.
    address_index: Mapped[str] = mapped_column(String(64), index=True)
    #: ``{field: base64(nonce || ciphertext || tag)}`` as JSON; None once forgotten.
    sealed: Mapped[str | None] = mapped_column(Text)
    kek_id: Mapped[str | None] = mapped_column(String(40))
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The SHA-256 (hex) of the confirmation link's token.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )


class StatusLink(Base):
    """A private link where a person sees where their request stands: the SHA-256 (hex) of
    its random token, and the request."""

    __tablename__ = "request_status_link"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
