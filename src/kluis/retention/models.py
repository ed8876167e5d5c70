"""Retention's tables: the runs that carried out retention, and legal holds.

A hold's subject or record id points into the vault without a foreign key: a hold outlives
nothing it protects (an erased subject has no records left to hold), and the vault's
erasure must not depend on retention's tables.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class RetentionRun(Base):
    """One run of retention: as on which day, by whom, when, and what it erased or
    anonymised per activity. Counts commit with each batch, so a stopped run resumes."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The day the run carried out retention as on.
    day: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: ``{activity: {"erase": n, "anonymize": n}}``.
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)
    #: Records left alone because a legal hold covers them, per activity.
    held: Mapped[dict[str, int]] = mapped_column(JSON)
    subjects_erased: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LegalHold(Base):
    """A legal hold: the records it covers are never erased or anonymised by retention
    while it lasts. It covers one subject, one record, or a whole activity."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    activity: Mapped[str | None] = mapped_column(String(120))
    #: Why (a case or file number, a claim); shown to the DPO, never logged.
    reason: Mapped[str] = mapped_column(Text)
    #: The last day the hold lasts; None: until it is lifted.
    until: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(120))
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lift_reason: Mapped[str | None] = mapped_column(Text)
