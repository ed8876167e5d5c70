"""The consent log across everyone: newest first, filtered, for staff; withdrawals counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.consent import WITHDRAWN, Channel, consent_log, record_consent, withdrawals_since
from kluis.core.clock import FixedClock
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import Keyring, RecordInput, Written, suppression_count, write_records
from tests.conftest import DPO_ACTOR, LEDGER, MARKETING, consent_for


def _subscribers(session: Session, keys: LocalKeyProvider, clock: FixedClock) -> list[Written]:
    items = [
        RecordInput({"email": f"lezer.{n}@example.be"}, consent=consent_for("newsletter"))
        for n in range(3)
    ]
    outcomes = write_records(
        session, Keyring(keys), DPO_ACTOR, "newsletter", items, at=clock.now(), consent=LEDGER
    )
    return [outcome for outcome in outcomes if isinstance(outcome, Written)]


def test_the_log_newest_first_and_withdrawals_counted(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    written = _subscribers(session, keys, clock)
    assert len(written) == 3
    for days, subscriber in ((40, written[0]), (2, written[1])):
        record_consent(
            session,
            DPO_ACTOR,
            subscriber.subject_id,
            "newsletter",
            action=WITHDRAWN,
            channel=Channel.email,
            language="nl",
            given_at=clock.now() - timedelta(days=days),
            at=clock.now(),
        )
    events, total = consent_log(session, DPO_ACTOR)
    assert total == 5 and events[0].action == WITHDRAWN
    assert [event.at for event in events] == sorted((event.at for event in events), reverse=True)
    withdrawn, count = consent_log(session, DPO_ACTOR, action=WITHDRAWN, limit=1)
    assert count == 2 and len(withdrawn) == 1 and withdrawn[0].subject_id == written[1].subject_id
    assert withdrawals_since(session, clock.now() - timedelta(days=30)) == 1
    assert suppression_count(session) == 0


def test_the_log_is_for_staff_and_knows_its_actions(
    session: Session, policy: StoredRegister
) -> None:
    with pytest.raises(NotAllowed):
        consent_log(session, MARKETING)
    with pytest.raises(InvalidInput):
        consent_log(session, DPO_ACTOR, action="maybe")
