"""Erasure by crypto-shredding, checked on the raw bytes of the database files; and
anonymisation."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kluis.core.clock import FixedClock
from kluis.core.errors import NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.storage import checkpoint, keystore_path, transaction
from kluis.storage.engine import normalise_url
from kluis.vault import (
    Keyring,
    RecordInput,
    SubjectNotFound,
    anonymise_record,
    erase_subject,
    show_subject,
    shred_orphans,
    shred_subject,
    store_record,
)
from kluis.vault.models import AnonymousRecord, Identifier, Record, Subject, SubjectKey
from tests.conftest import DPO_ACTOR, LEDGER, PAYROLL, RECRUITER, consent_for

SECRET_NAME = "Zoë Vandenbroucke-Uniek"
SECRET_EMAIL = "zoe.uniek.4711@example.be"


def _raw(engine: Engine) -> bytes:
    url = normalise_url(str(engine.url.render_as_string(hide_password=False)))
    data = Path(str(url.database))
    keys = keystore_path(url)
    assert keys is not None
    files = [data, data.with_name(data.name + "-wal"), keys, keys.with_name(keys.name + "-journal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def _store(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, email: str, name: str
) -> uuid.UUID:
    ring = Keyring(keys)
    subject = store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"email": email, "name": name}),
        at=clock.now(),
        consent=LEDGER,
    ).subject_id
    store_record(
        session,
        ring,
        PAYROLL,
        "payroll",
        RecordInput({"email": email, "iban": "BE71 0961 2345 6769"}),
        at=clock.now(),
        consent=LEDGER,
    )
    return subject


@pytest.mark.sqlite_files
def test_erasure_shreds_the_key_and_leaves_no_byte_readable(
    engine: Engine,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    session: Session,
    tmp_path: Path,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "the raw-file check reads SQLite's files; PostgreSQL is covered by the key check below"
        )
    session.commit()
    with transaction(engine) as work:
        erased = _store(work, keys, clock, SECRET_EMAIL, SECRET_NAME)
        kept = _store(work, keys, clock, "stays@example.be", "Blijft Hier")
    with transaction(engine) as work:
        wrapped = work.execute(
            select(SubjectKey.wrapped).where(SubjectKey.subject_id == erased)
        ).scalar_one()
        record = work.execute(
            select(Record).where(Record.subject_id == erased, Record.activity == "candidates")
        ).scalar_one()
        sealed = dict(record.data)
        record_id = record.id
    # A backup of the data file taken before the erasure.
    backup = tmp_path / "before.db"
    shutil.copy(str(engine.url.database), backup)
    assert SECRET_NAME.encode() not in _raw(engine), "values are never stored in the clear"

    with transaction(engine) as work:
        result = erase_subject(
            work, Keyring(keys), DPO_ACTOR, erased, reason="Art. 17 request 2026-31", at=clock.now()
        )
    checkpoint(engine)
    assert result.records == 2 and result.key_destroyed

    raw = _raw(engine)
    for needle in (SECRET_NAME.encode(), SECRET_EMAIL.encode(), wrapped):
        assert needle not in raw
    # The data backup taken before holds the sealed values but never a data key, and the
    # key store no longer has one: nothing can open them.
    assert sealed and wrapped not in backup.read_bytes()
    with transaction(engine) as work:
        assert work.get(SubjectKey, erased) is None
        with pytest.raises(SubjectNotFound):
            Keyring(keys).cipher(work, erased)
        assert show_subject(work, Keyring(keys), DPO_ACTOR, kept, at=clock.now()).records
        assert record_id not in set(work.execute(select(Record.id)).scalars())


def test_erasure_is_for_the_dpo_with_a_reason(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    subject = _store(session, keys, clock, "x@example.be", "X")
    with pytest.raises(NotAllowed):
        erase_subject(session, Keyring(keys), RECRUITER, subject, reason="asked", at=clock.now())
    with pytest.raises(Exception, match="needs a reason"):
        erase_subject(session, Keyring(keys), DPO_ACTOR, subject, reason=" ", at=clock.now())
    erase_subject(session, Keyring(keys), DPO_ACTOR, subject, reason="asked", at=clock.now())
    for model in (Subject, Record, Identifier, SubjectKey):
        assert session.execute(select(func.count()).select_from(model)).scalar_one() == 0


def test_anonymisation_keeps_facts_without_the_person(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    written = store_record(
        session,
        ring,
        RECRUITER,
        "intake",
        RecordInput(
            {"email": "i@example.be", "name": "Ilse"},
            {"collected": "2025-03-14"},
            consent=consent_for("intake"),
        ),
        at=clock.now(),
        consent=LEDGER,
    )
    kept_id = anonymise_record(
        session, ring, RECRUITER, written.record_id, reason="retention", at=clock.now()
    )
    kept = session.get(AnonymousRecord, kept_id)
    assert kept is not None
    assert (kept.activity, kept.events, kept.field_count) == ("intake", {"collected": "2025-03"}, 2)
    assert session.get(Subject, written.subject_id) is None
    assert session.get(SubjectKey, written.subject_id) is None


def test_the_key_goes_first_in_a_step_of_its_own(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    subject = _store(session, keys, clock, SECRET_EMAIL, SECRET_NAME)
    with pytest.raises(NotAllowed):
        shred_subject(session, Keyring(keys), RECRUITER, subject, reason="request 12")
    assert session.get(SubjectKey, subject) is not None
    assert shred_subject(session, Keyring(keys), DPO_ACTOR, subject, reason="request 12")
    # The data stays until the erasure's second step, and nobody can read it meanwhile.
    assert session.get(SubjectKey, subject) is None
    assert session.get(Subject, subject) is not None
    with pytest.raises(SubjectNotFound):
        show_subject(session, Keyring(keys), DPO_ACTOR, subject, at=clock.now())
    result = erase_subject(
        session, Keyring(keys), DPO_ACTOR, subject, reason="request 12", at=clock.now()
    )
    assert result.records == 2 and not result.key_destroyed
    assert session.get(Subject, subject) is None


def test_the_keys_of_people_a_batch_leaves_alone_go_first(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    both = _store(session, keys, clock, SECRET_EMAIL, SECRET_NAME)
    records = session.execute(
        select(Record.id, Record.subject_id, Record.activity).where(Record.subject_id == both)
    ).all()
    candidates = [(row.id, row.subject_id) for row in records if row.activity == "candidates"]
    # Deleting one of the person's two records leaves them a record: no key goes.
    assert shred_orphans(session, Keyring(keys), candidates) == 0
    assert session.get(SubjectKey, both) is not None
    assert shred_orphans(session, Keyring(keys), [(row.id, row.subject_id) for row in records]) == 1
    assert session.get(SubjectKey, both) is None
