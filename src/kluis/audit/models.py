"""The audit log's tables: entries chained by hash, and the head of the chain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class AuditEntry(Base):
    """One read or change: who, what, which action, why. Never the personal data itself."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    activity: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry of the chain (one row): appending locks it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
