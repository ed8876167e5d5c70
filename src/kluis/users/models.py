"""The people who use Kluis and their roles (need-to-know, Art. 32 GDPR)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class User(Base):
    """A member of staff; ``roles`` are ids of the register's roles, or ``dpo`` / ``admin``."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
