"""The consent a record of a consent-based activity needs (Art. 6(1)(a), 7(1)).

An activity whose legal basis is consent holds a person's record only while their consent
to the activity's consent purpose stands: given, not withdrawn, not expired, on the current
text or one the register still accepts. The consent log belongs to the consent feature, one
layer up; the vault asks it through a :class:`ConsentGate` the interface passes in. Without
one, the vault refuses every record of such an activity: it fails closed.

A record can bring its consent with it (:class:`GivenConsent`: an import row with a
``consent_given`` column, a form that asked for it). The gate checks that consent before
the record is written and logs it after, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol

from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.vault.errors import FieldRefused
from kluis.vault.policy import parse_day

#: Where a person's consent stands when it does: the other states name why it does not.
VALID: Final = "valid"

#: The columns of an import (or fields of a form) that give the consent with a record.
CONSENT_COLUMNS: Final = (
    "consent_given",
    "consent_version",
    "consent_channel",
    "consent_language",
    "consent_evidence",
)


@dataclass(frozen=True)
class GivenConsent:
    """Consent that comes with a record: when it was given, on which version of the
    purpose's text (None: the current one), in which language (None: the register's first),
    how (a channel of the consent log) and where the proof is (a reference, never the proof).
    """

    at: datetime | date
    version: date | None
    language: str | None
    channel: str
    evidence: str | None


def _moment(raw: str | date, activity: str) -> datetime | date:
    if isinstance(raw, date):
        if isinstance(raw, datetime) and raw.tzinfo is None:
            raise FieldRefused(
                "'consent_given' of activity '{activity}': a moment needs its time zone",
                field="consent_given",
                activity=activity,
            )
        return raw
    text = raw.strip()
    if len(text) > 10 and ("T" in text or ":" in text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise FieldRefused(
                "'consent_given' of activity '{activity}': not a date, nor a moment with its "
                "time zone (2026-11-02 or 2026-11-02T10:30+01:00)",
                field="consent_given",
                activity=activity,
            )
        return moment
    return parse_day("consent_given", text, activity)


def given_consent(cells: Mapping[str, str | date], activity: str) -> GivenConsent | None:
    """The consent the ``consent_*`` cells of a record give; None when they are all empty.
    :class:`FieldRefused` names the column that is missing or wrong, never its value."""
    given = {
        name: value
        for name, value in cells.items()
        if value is not None and not (isinstance(value, str) and not value.strip())
    }
    if not given:
        return None
    for name in given:
        if name not in CONSENT_COLUMNS:
            raise FieldRefused(
                "'{field}' is not a column of consent; they are: {columns}",
                field=name,
                columns=", ".join(CONSENT_COLUMNS),
                activity=activity,
            )
    for needed in ("consent_given", "consent_channel"):
        if needed not in given:
            raise FieldRefused(
                "consent given with a record of activity '{activity}' needs '{field}' too",
                field=needed,
                activity=activity,
            )
    version = given.get("consent_version")
    language, evidence = given.get("consent_language"), given.get("consent_evidence")
    return GivenConsent(
        at=_moment(given["consent_given"], activity),
        version=parse_day("consent_version", version, activity) if version else None,
        language=str(language).strip() if language else None,
        channel=str(given["consent_channel"]).strip(),
        evidence=str(evidence).strip() if evidence else None,
    )


class ConsentGate(Protocol):
    """What the vault asks before it writes into an activity based on consent."""

    def standing(
        self, session: Session, purpose: str, subjects: Collection[uuid.UUID], at: datetime
    ) -> Mapping[uuid.UUID, str]:
        """Where the consent of each of ``subjects`` to ``purpose`` stands at ``at``
        (:data:`VALID`, or the state that says why not)."""
        ...

    def check(
        self,
        session: Session,
        purpose: str,
        given: GivenConsent,
        subject_id: uuid.UUID | None,
        *,
        at: datetime,
    ) -> None:
        """Raise :class:`~kluis.vault.errors.FieldRefused` unless the consent to ``purpose``
        of the subject (None: a person new to the vault), with ``given`` added to their log,
        stands at ``at``; the refusal names the column, never a value."""
        ...

    def give(
        self,
        session: Session,
        actor: Actor,
        subject_id: uuid.UUID,
        purpose: str,
        given: GivenConsent,
        *,
        at: datetime,
    ) -> None:
        """Log ``given`` for the subject, unless the log holds it already (an import run
        again logs nothing twice)."""
        ...


__all__ = ["CONSENT_COLUMNS", "VALID", "ConsentGate", "GivenConsent", "given_consent"]
