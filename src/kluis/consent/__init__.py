"""Consent: the log of every consent given and withdrawn, where a person's consent stands,
and the dates the records based on it keep for retention.

Public surface: :func:`record_consent`, :func:`consent_standing`, :func:`consent_history`,
the vault's consent gate (:class:`ConsentLedger`), the rules (:func:`standing`, :class:`State`, :class:`Channel`).
"""

from kluis.consent.gate import ConsentLedger
from kluis.consent.log import LoggedConsent, consent_log, withdrawals_since
from kluis.consent.objection import Objection, object_to_marketing, shred_before_objection
from kluis.consent.policy import GIVEN, WITHDRAWN, Channel, Standing, State, standing
from kluis.consent.service import (
    ConsentProof,
    ConsentRecord,
    consent_history,
    consent_proof,
    consent_standing,
    record_consent,
)
from kluis.consent.unsubscribe import (
    UNSUBSCRIBE_ACTOR,
    mark_unsubscribed,
    unsubscribe_link,
    unsubscribe_subject,
    unsubscribed_at,
)

__all__ = [
    "GIVEN",
    "UNSUBSCRIBE_ACTOR",
    "WITHDRAWN",
    "Channel",
    "ConsentLedger",
    "ConsentProof",
    "ConsentRecord",
    "LoggedConsent",
    "Objection",
    "Standing",
    "State",
    "consent_history",
    "consent_log",
    "consent_proof",
    "consent_standing",
    "mark_unsubscribed",
    "object_to_marketing",
    "record_consent",
    "shred_before_objection",
    "standing",
    "unsubscribe_link",
    "unsubscribe_subject",
    "unsubscribed_at",
    "withdrawals_since",
]
