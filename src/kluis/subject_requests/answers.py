"""What an access request is answered with (Art. 15): every record the organisation holds
on the person, across activities, with their values, events and source, and the consent
history; the register gives each record's purposes, legal basis, recipients, retention and
transfers when the answer is rendered.

Only the DPO reads the person's records for an answer, and every record read is audited
with the request as the reason.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kluis.consent import ConsentRecord, consent_history
from kluis.core.actor import Actor
from kluis.register.schema import LegalBasis, Register, Source
from kluis.register.taxonomy import Taxonomy
from kluis.register.versions import require_version
from kluis.subject_requests.policy import Kind
from kluis.subject_requests.service import request_for
from kluis.vault import Keyring, RecordView, show_subject


@dataclass(frozen=True)
class AccessPackage:
    """Everything an access answer holds."""

    request_id: int
    kind: str
    received_at: datetime
    language: str
    subject_id: uuid.UUID | None
    records: list[RecordView]
    consents: list[ConsentRecord]
    register: Register
    taxonomy: Taxonomy


def access_package(
    session: Session, keyring: Keyring, actor: Actor, request_id: int, *, at: datetime
) -> AccessPackage:
    """The package answering access (or portability) request ``request_id``; the DPO only,
    who reads every record of the person."""
    request = request_for(session, actor, request_id, Kind.access, Kind.portability, matched=False)
    stored = require_version(session)
    records: list[RecordView] = []
    consents: list[ConsentRecord] = []
    if request.subject_id is not None:
        view = show_subject(
            session, keyring, actor, request.subject_id, at=at, reason=f"request {request_id}"
        )
        records = view.records
        consents = consent_history(session, actor, request.subject_id)
    return AccessPackage(
        request.id,
        request.kind,
        request.received_at,
        request.language,
        request.subject_id,
        records,
        consents,
        stored.register,
        stored.taxonomy,
    )


def portable(package: AccessPackage) -> list[RecordView]:
    """The records portability covers (Art. 20(1)): of activities based on consent or a
    contract, and provided by the person themselves."""
    bases = {
        activity.id
        for activity in package.register.activities
        if activity.legal_basis is not None
        and activity.legal_basis.basis in (LegalBasis.consent, LegalBasis.contract)
    }
    return [
        record
        for record in package.records
        if record.activity in bases and record.source == Source.data_subject.value
    ]


def portability_csv(records: list[RecordView]) -> bytes:
    """The portable records as CSV: one row per value (activity, record, field, value), so
    that records of different activities fit one file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["activity", "record", "field", "value"])
    for record in records:
        for name, value in sorted(record.values.items()):
            writer.writerow([record.activity, str(record.record_id), name, value])
        for name, day in sorted(record.events.items()):
            writer.writerow([record.activity, str(record.record_id), name, day.isoformat()])
    return buffer.getvalue().encode("utf-8")


def portability_json(records: list[RecordView]) -> bytes:
    """The portable records as JSON."""
    document = [
        {
            "activity": record.activity,
            "record": str(record.record_id),
            "values": record.values,
            "events": {name: day.isoformat() for name, day in record.events.items()},
        }
        for record in records
    ]
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


__all__ = [
    "AccessPackage",
    "access_package",
    "portability_csv",
    "portability_json",
    "portable",
]
