"""Key rotation: every data key rewrapped under the new KEK without touching a sealed value,
resumable after an interruption, old KEKs dropped only when nothing can need them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import NotAllowed
from kluis.crypto import KeyMaterial, LocalKeyProvider, read_key_file, write_key_file
from kluis.register.versions import StoredRegister
from kluis.storage import transaction
from kluis.users.auth import enable_totp, new_totp_secret, seal_totp_secrets, set_password
from kluis.users.models import User
from kluis.vault import Keyring, RecordInput, show_subject, store_record
from kluis.vault.models import Record, SubjectKey
from kluis.vault.rotation import (
    Rotation,
    forget_keks,
    forgettable,
    kek_status,
    key_counts,
    pending_keys,
    record_rotation,
    require_admin,
    rewrap_batch,
    start_rotation,
    wrapped_counts,
)
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

KEEP_DAYS = 30


def _store(
    session: Session, keys: LocalKeyProvider, clock: FixedClock, count: int
) -> list[uuid.UUID]:
    ring = Keyring(keys)
    return [
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput({"name": f"Kandidaat {n}", "email": f"kandidaat{n}@example.be"}),
            at=clock.now(),
        ).subject_id
        for n in range(count)
    ]


def _key_file(tmp_path: Path, material: KeyMaterial) -> Path:
    path = tmp_path / "kluis.key"
    write_key_file(path, material)
    return path


def _names(
    session: Session, provider: LocalKeyProvider, subjects: list[uuid.UUID], clock: FixedClock
) -> list[str]:
    return [
        show_subject(session, Keyring(provider), DPO_ACTOR, sid, at=clock.now())
        .records[0]
        .values["name"]
        for sid in subjects
    ]


def test_rotation_rewraps_every_key_and_values_still_open(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    subjects = _store(session, keys, clock, 7)
    sealed_before = dict(session.execute(select(Record.id, Record.data)).all())
    wrapped_before = dict(session.execute(select(SubjectKey.subject_id, SubjectKey.wrapped)).all())
    key_file = _key_file(tmp_path, key_material)
    old = key_material.current

    material = start_rotation(key_file, clock.now().date())
    assert material.current != old
    assert read_key_file(key_file) == material  # written, atomically, and readable
    assert material.keks[old].retired == clock.now().date()
    provider = LocalKeyProvider(material)
    assert pending_keys(session, material.current) == 7

    batches, after = [], None
    while step := rewrap_batch(session, provider, size=3, after=after):
        batches.append(step.count)
        after = step.last
    assert batches == [3, 3, 1]
    assert after == max(subjects)
    assert key_counts(session) == {material.current: 7}
    wrapped_after = dict(session.execute(select(SubjectKey.subject_id, SubjectKey.wrapped)).all())
    assert all(wrapped_after[sid] != wrapped_before[sid] for sid in subjects)
    # No value was decrypted and sealed again: the sealed bytes are exactly as they were.
    session.expire_all()
    assert dict(session.execute(select(Record.id, Record.data)).all()) == sealed_before

    # Without the old KEK at all, every value still opens: nothing depends on it any more.
    only_new = KeyMaterial(
        current=material.current,
        keks={material.current: material.keks[material.current]},
        index_secret=material.index_secret,
    )
    assert _names(session, LocalKeyProvider(only_new), subjects, clock) == [
        f"Kandidaat {n}" for n in range(7)
    ]


def test_old_kek_is_dropped_once_unused_and_past_the_key_backup_days(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    subjects = _store(session, keys, clock, 3)
    key_file = _key_file(tmp_path, key_material)
    old = key_material.current
    today = clock.now().date()
    material = start_rotation(key_file, today)

    # Still in use: never dropped, however old.
    late = today + timedelta(days=365)
    assert forgettable(material, key_counts(session), today=late, keep_days=KEEP_DAYS) == []
    while rewrap_batch(session, LocalKeyProvider(material)):
        pass
    counts = key_counts(session)
    # Unused, but a key-store copy of the last KEEP_DAYS days may still need it.
    assert forgettable(material, counts, today=today, keep_days=KEEP_DAYS) == []
    limit = today + timedelta(days=KEEP_DAYS)
    assert forgettable(material, counts, today=limit - timedelta(days=1), keep_days=KEEP_DAYS) == []
    assert forgettable(material, counts, today=limit, keep_days=KEEP_DAYS) == [old]

    trimmed = forget_keks(key_file, material, [old, material.current])
    assert set(read_key_file(key_file).keks) == {material.current}
    assert trimmed.current == material.current
    assert _names(session, LocalKeyProvider(read_key_file(key_file)), subjects, clock)
    statuses = kek_status(session, trimmed)
    assert [(s.kek_id, s.keys, s.current) for s in statuses] == [(material.current, 3, True)]


def test_an_interrupted_rotation_completes_when_run_again(
    engine: Engine,
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    subjects = _store(session, keys, clock, 5)
    session.commit()
    key_file = _key_file(tmp_path, key_material)
    material = start_rotation(key_file, clock.now().date())
    with transaction(engine) as work:
        assert rewrap_batch(work, LocalKeyProvider(material), size=2).count == 2
    # Stopped here. Readers meanwhile hold both KEKs from the key file and read everyone.
    reread = read_key_file(key_file)
    with transaction(engine) as work:
        assert len(_names(work, LocalKeyProvider(reread), subjects, clock)) == 5
        statuses = {s.kek_id: s.keys for s in kek_status(work, reread)}
        assert statuses == {key_material.current: 3, reread.current: 2}
        # The rerun sees the unfinished rotation and completes it under the same KEK.
        assert pending_keys(work, reread.current) == 3
    for expected in (2, 1, 0):
        with transaction(engine) as work:
            assert rewrap_batch(work, LocalKeyProvider(reread), size=2).count == expected
    with transaction(engine) as work:
        assert key_counts(work) == {reread.current: 5}
        assert _names(work, LocalKeyProvider(reread), subjects, clock)[4] == "Kandidaat 4"


def test_a_key_store_kek_missing_from_the_key_file_is_shown(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    _store(session, keys, clock, 1)
    other = LocalKeyProvider(
        KeyMaterial(current="kek-lost", keks={}, index_secret=key_material.index_secret)
    )
    assert not other.holds(key_material.current)
    session.execute(SubjectKey.__table__.update().values(kek_id="kek-lost"))
    [missing, *_] = kek_status(session, key_material)
    assert (missing.kek_id, missing.held, missing.keys) == ("kek-lost", False, 1)


def test_rotation_is_for_administrators_and_audited(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        require_admin(DPO_ACTOR)
    rotation = Rotation("kek-new", resumed=False, rewrapped=4, keys=4, forgotten=[], secrets=1)
    with pytest.raises(NotAllowed):
        record_rotation(session, DPO_ACTOR, rotation, at=clock.now())
    record_rotation(session, ADMIN_ACTOR, rotation, at=clock.now())
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "keys_rotate")
    ).scalar_one()
    assert entry.actor == ADMIN_ACTOR.name
    assert entry.detail == {
        "kek": "kek-new",
        "resumed": False,
        "rewrapped": 4,
        "keys": 4,
        "forgotten": [],
        "secrets": 1,
    }


def test_a_kek_wrapping_a_second_factor_secret_is_in_use(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    """Data keys all rewrapped, a KEK that still wraps a user's second-factor secret is not
    dropped (the user could no longer sign in); once the secret is rewrapped, it may be."""
    at = clock.now()
    _store(session, keys, clock, 2)
    set_password(session, DPO_ACTOR.name, "a long enough password", actor=DPO_ACTOR, at=at)
    dora = session.execute(select(User).where(User.name == DPO_ACTOR.name)).scalar_one()
    secret = new_totp_secret()
    enable_totp(session, dora, secret, pyotp.TOTP(secret).at(at), provider=keys, at=at)
    old = key_material.current
    material = start_rotation(_key_file(tmp_path, key_material), at.date())
    provider = LocalKeyProvider(material)
    while rewrap_batch(session, provider):
        pass
    late = at.date() + timedelta(days=365)
    assert key_counts(session) == {material.current: 2}
    assert wrapped_counts(session) == {material.current: 2, old: 1}
    assert forgettable(material, wrapped_counts(session), today=late, keep_days=KEEP_DAYS) == []
    statuses = {s.kek_id: (s.keys, s.secrets) for s in kek_status(session, material)}
    assert statuses == {old: (0, 1), material.current: (2, 0)}

    assert seal_totp_secrets(session, provider) == 1
    assert wrapped_counts(session) == {material.current: 3}
    assert forgettable(material, wrapped_counts(session), today=late, keep_days=KEEP_DAYS) == [old]
