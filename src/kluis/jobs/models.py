"""The job table: background work queued in the database itself, so that several server
processes on one PostgreSQL share it without a broker and do each job once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class Job(Base):
    """One piece of background work. ``(kind, slot)`` is unique: the daily retention run of
    2026-12-02 exists once however many processes try to queue it. A process claims a
    queued job by moving it to ``running`` in one conditional update; ``heartbeat_at``
    shows it is alive, and a job whose heartbeat stopped is claimed again."""

    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("kind", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    slot: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str | None] = mapped_column(String(120))
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
