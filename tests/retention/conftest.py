"""A vault with records of every activity of the vault test register, with events before,
after and without their retention periods."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import Keyring, RecordInput, Refusal, Written, write_records
from tests.conftest import DPO_ACTOR, LEDGER, consent_for

#: The day the tests plan and run retention as on.
AT = date(2026, 12, 1)


def _person(number: int) -> dict[str, str]:
    return {"name": f"Persoon {number}", "email": f"persoon.{number}@example.be"}


#: The records written, by activity, in the order of the events below.
Vault = dict[str, list[Written]]


@pytest.fixture
def vault(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> Vault:
    """Records of every activity, with events before, after and without their periods."""
    ring = Keyring(keys)
    batches = {
        "candidates": [
            {"selection_end": "2026-10-15"},  # due 2028-10-16
            {"selection_end": "2024-05-01"},  # due 2026-05-02: due now
            {},  # selection still running
        ],
        "payroll": [
            {"employment_end": "2020-03-31"},  # due 2025-04-01: due now
            {"employment_end": "2026-06-30"},  # kept by law until 2031-07-01
            {},  # still employed
        ],
        "newsletter": [{}, {}],  # no consent withdrawal is recorded: no due date
        "intake": [
            {"collected": "2025-01-01"},  # due 2026-01-02: anonymised now
            {},  # collected today (2026-11-22): due 2027-11-23
        ],
    }
    number = 0
    written: Vault = {}
    for activity, events in batches.items():
        items = []
        for event in events:
            number += 1
            values = _person(number)
            if activity == "newsletter":
                del values["name"]
            items.append(RecordInput(values, event, consent=consent_for(activity)))
        outcomes = write_records(
            session, ring, DPO_ACTOR, activity, items, at=clock.now(), consent=LEDGER
        )
        refused = [outcome.error.message for outcome in outcomes if isinstance(outcome, Refusal)]
        assert not refused, refused
        written[activity] = [outcome for outcome in outcomes if isinstance(outcome, Written)]
    return written
