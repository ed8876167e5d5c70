"""A committed vault for the jobs, which open their own transactions: the vault test
register applied, and records of which some are past their retention period."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.jobs import Worker
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, Written, write_records
from tests.conftest import DPO_ACTOR, LEDGER, apply_vault_register, consent_for


@dataclass
class Vault:
    """The records written: those due now and those kept."""

    due: list[Written]
    kept: list[Written]


def write(
    engine: Engine,
    keys: LocalKeyProvider,
    clock: FixedClock,
    activity: str,
    events: list[dict[str, str]],
    start: int = 0,
) -> list[Written]:
    """Write one record of ``activity`` per item of ``events`` (a person each), committed."""
    items = [
        RecordInput(
            {"name": f"Persoon {start + n}", "email": f"persoon.{start + n}@example.be"},
            event,
            consent=consent_for(activity),
        )
        for n, event in enumerate(events)
    ]
    with transaction(engine) as session:
        outcomes = write_records(
            session, Keyring(keys), DPO_ACTOR, activity, items, at=clock.now(), consent=LEDGER
        )
    written = [outcome for outcome in outcomes if isinstance(outcome, Written)]
    assert len(written) == len(items)
    return written


@pytest.fixture
def applied(engine: Engine, clock: FixedClock) -> None:
    """The vault test register applied (committed), with one user per role."""
    with transaction(engine) as session:
        apply_vault_register(session, clock.now())


@pytest.fixture
def vault(engine: Engine, keys: LocalKeyProvider, clock: FixedClock, applied: None) -> Vault:
    """Five candidates past their period (selection ended in 2024) and two within it."""
    due = write(engine, keys, clock, "candidates", [{"selection_end": "2024-05-01"}] * 5)
    kept = write(engine, keys, clock, "candidates", [{"selection_end": "2026-10-15"}] * 2, 10)
    return Vault(due, kept)


@pytest.fixture
def worker(engine: Engine, keys: LocalKeyProvider, clock: FixedClock) -> Worker:
    """A worker over the test database, on the fixed clock."""
    return Worker(engine, lambda: Keyring(keys), clock, owner="test-worker", batch=2)
