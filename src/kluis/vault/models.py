"""The vault's tables. No column holds personal data in the clear: field values are sealed
with the subject's data key, identifiers are blind indexes, and data keys live in the key
store (:data:`~kluis.storage.base.KEYSTORE`), apart from the data."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import KEYSTORE, Base, UtcDateTime


class Subject(Base):
    """A data subject: an id (random but for the time it was made, see ``writes.new_id``) and
    nothing else."""

    __tablename__ = "subject"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubjectKey(Base):
    """A subject's data key, wrapped by a key-encryption key; deleting it shreds the subject."""

    __tablename__ = "subject_key"
    __table_args__ = {"schema": KEYSTORE}  # noqa: RUF012 - SQLAlchemy's declarative form

    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(40), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Record(Base):
    """What one activity holds on one subject: sealed field values, events, source, status."""

    __tablename__ = "record"
    __table_args__ = (
        UniqueConstraint("subject_id", "activity"),
        # An activity's records in the order of their ids: a retention run walks them batch
        # after batch from a cursor, with no sort.
        Index("ix_record_activity_id", "activity", "id"),
        # The few restricted records (Art. 18), which a retention plan counts as kept: found
        # without reading the others.
        Index(
            "ix_record_restricted",
            "activity",
            sqlite_where=text("status = 'restricted'"),
            postgresql_where=text("status = 'restricted'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Found by the unique ``(subject_id, activity)`` index, which leads with it: an index
    #: of its own would only cost every write and erasure.
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: The names of the fields held, comma-separated (not their values), for register changes.
    fields: Mapped[str] = mapped_column(Text, default="")
    #: ``{field: base64(nonce || ciphertext || tag)}``, each value sealed on its own.
    data: Mapped[dict[str, str]] = mapped_column(JSON)
    #: A keyed digest of the last imported row, so importing it again changes nothing.
    row_digest: Mapped[bytes | None] = mapped_column(LargeBinary)
    collected: Mapped[date | None] = mapped_column(Date)
    last_contact: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    employment_end: Mapped[date | None] = mapped_column(Date)
    selection_end: Mapped[date | None] = mapped_column(Date)
    record_date: Mapped[date | None] = mapped_column(Date)
    register_version: Mapped[int | None] = mapped_column(Integer)
    #: How many times the retention period was extended by the activity's ``renew``, each
    #: time after asking the person.
    renewals: Mapped[int] = mapped_column(Integer, server_default="0")
    #: For an activity based on consent: when the person last gave it, and when they
    #: withdrew it (None while it stands), as the consent log says; retention runs from them.
    consent_given: Mapped[date | None] = mapped_column(Date)
    consent_withdrawn: Mapped[date | None] = mapped_column(Date)
    #: The day the record was last reviewed (``review:``); its next review counts from it.
    reviewed: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Identifier(Base):
    """A blind index of an identifying value of a record, to find the subject again."""

    __tablename__ = "identifier"
    __table_args__ = (Index("ix_identifier_kind_digest", "kind", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("record.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(120))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))


class Suppression(Base):
    """An identifier that direct marketing must never use again: the person objected to it
    (Art. 21(2)-(3)) or unsubscribed. Only the blind index is kept, with no link to a
    subject, so the entry outlives the person's erasure and reveals nothing."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("kind", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(120))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: ``objection`` or ``unsubscribe``.
    reason: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(120))


class AnonymousRecord(Base):
    """What is left of an anonymised record: facts with no link to the person (Recital 26)."""

    __tablename__ = "anonymous_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(120), index=True)
    source: Mapped[str] = mapped_column(String(40))
    #: Event months, as ``{event: "YYYY-MM"}``: the day is dropped, it could single a person out.
    events: Mapped[dict[str, str]] = mapped_column(JSON)
    field_count: Mapped[int] = mapped_column(Integer)
    anonymised_on: Mapped[date] = mapped_column(Date)


class ImportJob(Base):
    """An import of a file into an activity, checkpointed per batch so a rerun resumes."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_digest: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(String(120))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ImportRefusal(Base):
    """A row an import refused: row number, column and reason, never the value."""

    __tablename__ = "import_refusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    #: An English message with ``{name}`` placeholders, translated when shown.
    reason: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, str]] = mapped_column(JSON)
