"""Consent: the log of every consent given and withdrawn, where a person's consent stands,
and the dates the records based on it keep for retention.

Public surface: :func:`record_consent`, :func:`consent_standing`, :func:`consent_history`,
the rules (:func:`standing`, :class:`State`, :class:`Channel`).
"""

from kluis.consent.policy import GIVEN, WITHDRAWN, Channel, Standing, State, standing
from kluis.consent.service import (
    ConsentProof,
    ConsentRecord,
    consent_history,
    consent_proof,
    consent_standing,
    record_consent,
)

__all__ = [
    "GIVEN",
    "WITHDRAWN",
    "Channel",
    "ConsentProof",
    "ConsentRecord",
    "Standing",
    "State",
    "consent_history",
    "consent_proof",
    "consent_standing",
    "record_consent",
    "standing",
]
