"""The consent log: every consent given or withdrawn, per person and consent purpose.

An event says what was consented to (the purpose and the version of its text shown, in
which language), when, how (the channel) and where the proof is (a reference: a form
submission, an e-mail, a signed paper), and who recorded it. Events are never changed;
a person's consent history is the list of them. Erasing the person erases their history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.storage.base import Base, UtcDateTime


class ConsentEvent(Base):
    """Consent given or withdrawn."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), index=True
    )
    #: The register's consent purpose.
    purpose: Mapped[str] = mapped_column(String(120))
    #: ``given`` or ``withdrawn``.
    action: Mapped[str] = mapped_column(String(20))
    #: When the person gave or withdrew it.
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The version of the purpose's text the person was shown.
    version: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))
    #: Where the proof is (a form submission, an e-mail, a paper); never the proof itself.
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UnsubscribeToken(Base):
    """A one-click unsubscribe link for direct-marketing messages: the SHA-256 (hex) of its
    random token and the subject it stands for, so the link holds no personal data. It goes
    with the subject when the subject is erased."""

    __tablename__ = "unsubscribe_token"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
