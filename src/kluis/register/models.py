"""Versions of the register applied to the vault: the policy the vault enforces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class RegisterVersion(Base):
    """One applied register: its content as data, its hash, who applied it and when."""

    __tablename__ = "register_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    origin: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, object]]] = mapped_column(JSON)
