"""The consent log as the vault's consent gate: before a record of an activity based on
consent is written, the vault asks here whether the person's consent stands, checks the
consent a record brings with it, and logs it (see :mod:`kluis.vault.consent_gate`).

Pass a :class:`ConsentLedger` to every vault write (``consent=ConsentLedger()``); the
vault refuses records of a consent-based activity without one.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.consent.models import ConsentEvent
from kluis.consent.policy import GIVEN, Channel, Event, State, standing
from kluis.consent.service import events_of, purpose_of, record_consent
from kluis.core.actor import Actor
from kluis.i18n import LANGUAGES
from kluis.register.schema import ConsentPurpose
from kluis.register.versions import require_version
from kluis.vault import FieldRefused
from kluis.vault.consent_gate import GivenConsent

_CHUNK = 500


def _moment(value: datetime | date) -> datetime:
    """A day given for consent is read as its first moment, in UTC."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


class ConsentLedger:
    """The :class:`~kluis.vault.consent_gate.ConsentGate` of the consent log."""

    @staticmethod
    def _purpose(session: Session, purpose: str) -> ConsentPurpose:
        return purpose_of(require_version(session).register, purpose)

    def standing(
        self, session: Session, purpose: str, subjects: Collection[uuid.UUID], at: datetime
    ) -> Mapping[uuid.UUID, str]:
        """Where each subject's consent to ``purpose`` stands at ``at``."""
        found = self._purpose(session, purpose)
        logs: dict[uuid.UUID, list[Event]] = {subject: [] for subject in subjects}
        ordered = sorted(subjects)
        for start in range(0, len(ordered), _CHUNK):
            rows = session.execute(
                select(
                    ConsentEvent.subject_id,
                    ConsentEvent.action,
                    ConsentEvent.at,
                    ConsentEvent.version,
                )
                .where(
                    ConsentEvent.purpose == purpose,
                    ConsentEvent.subject_id.in_(ordered[start : start + _CHUNK]),
                )
                .order_by(ConsentEvent.subject_id, ConsentEvent.at, ConsentEvent.id)
            )
            for subject_id, action, moment, version in rows:
                logs[subject_id].append(Event(action, moment, version))
        on = at.date()
        return {subject: standing(found, log, on).state.value for subject, log in logs.items()}

    def check(
        self,
        session: Session,
        purpose: str,
        given: GivenConsent,
        subject_id: uuid.UUID | None,
        *,
        at: datetime,
    ) -> None:
        """Refuse ``given`` unless, added to the subject's log, their consent stands at ``at``."""
        found = self._purpose(session, purpose)
        if given.channel not in {channel.value for channel in Channel}:
            raise FieldRefused(
                "'{field}' is not a channel of consent ({channels})",
                field="consent_channel",
                purpose=purpose,
                channels=", ".join(channel.value for channel in Channel),
            )
        if given.language is not None and given.language not in LANGUAGES:
            raise FieldRefused(
                "'{field}' is not a language of Kluis ({languages})",
                field="consent_language",
                purpose=purpose,
                languages=", ".join(LANGUAGES),
            )
        moment = _moment(given.at)
        if moment > at:
            raise FieldRefused(
                "'{field}' is a moment still to come", field="consent_given", purpose=purpose
            )
        version = given.version or found.version
        if version > found.version:
            raise FieldRefused(
                "'{field}' is newer than the register's text of '{purpose}' ({current})",
                field="consent_version",
                purpose=purpose,
                current=found.version.isoformat(),
            )
        log = []
        if subject_id is not None:
            log = [
                Event(event.action, event.at, event.version)
                for event in events_of(session, subject_id, purpose)
            ]
        log.append(Event(GIVEN, moment, version))
        log.sort(key=lambda event: event.at)
        state = standing(found, log, at.date()).state
        if state is not State.valid:
            field = "consent_version" if state is State.outdated else "consent_given"
            raise FieldRefused(
                "the consent to '{purpose}' given with the record does not stand: it is "
                "{state} ('{field}')",
                field=field,
                purpose=purpose,
                state=state.value,
            )

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
        """Log ``given``, unless the subject's log holds it already."""
        found = self._purpose(session, purpose)
        moment, version = _moment(given.at), given.version or found.version
        for event in events_of(session, subject_id, purpose):
            if event.action == GIVEN and event.at == moment and event.version == version:
                return
        record_consent(
            session,
            actor,
            subject_id,
            purpose,
            action=GIVEN,
            channel=Channel(given.channel),
            language=given.language
            or require_version(session).register.organisation.first_language,
            evidence=given.evidence,
            given_at=moment,
            version=version,
            at=at,
        )


__all__ = ["ConsentLedger"]
