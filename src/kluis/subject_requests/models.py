"""The register of data subject requests: what was asked, when, how, by whom (as blind
indexes of the identifiers they gave, and the subject they match), and its deadline.

No contact detail is stored: a request is answered on the channel it came in on, and
``reference`` says where it is (a mailbox thread, a letter's number).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
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
