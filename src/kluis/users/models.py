"""The people who use Kluis and their roles (need-to-know, Art. 32 GDPR)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String
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


class Login(Base):
    """How a user signs in to the web interface: an argon2 password hash, an optional TOTP
    second factor, and an e-mail address for password resets. Kept apart from
    :class:`User` so the command line, which acts as the operating-system user, needs none
    of it.

    The second factor's secret is wrapped by the key-encryption key (``totp_kek_id``,
    ``totp_wrapped``), as the vault's data keys are, so a copy of the database alone cannot
    generate a user's codes. ``totp_secret`` holds a secret an earlier version stored in
    clear, until the server wraps it at its start."""

    __tablename__ = "user_login"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_kek_id: Mapped[str | None] = mapped_column(String(64))
    totp_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The time step of the last code accepted: a code is accepted once, and none older.
    totp_step: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database signs nobody in. ``verified`` is false between the password and
    the second factor."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    verified: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    language: Mapped[str | None] = mapped_column(String(2))


class ApiToken(Base):
    """A token for a machine: shown once, stored as its SHA-256, acting with a subset of its
    creator's roles, revocable, its last use kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """A failed sign-in, for throttling: the SHA-256 of the name tried and of the address it
    came from, never the name or the password itself."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_digest: Mapped[str] = mapped_column(String(64), index=True)
    address_digest: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ResetToken(Base):
    """A one-time password-reset link: SHA-256 of its token, its user, until when it works."""

    __tablename__ = "reset_token"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
