"""Backups of the data and of the key store, kept apart; restore keeps erased people erased;
tampered backups are refused; key-store copies past their days are deleted."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.backup import (
    BackupInvalid,
    BackupNotFound,
    RestoreRefused,
    backup_names,
    find_manifest,
    make_backup,
    plan_restore,
    prune_key_copies,
    restore,
)
from kluis.backup.service import Method
from kluis.core.clock import FixedClock
from kluis.crypto import KeyMaterial, LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.storage import is_sqlite, transaction
from kluis.vault import Keyring, RecordInput, erase_subject, show_subject, store_record
from kluis.vault.models import Record, Subject, SubjectKey
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

MAC_KEY = b"m" * 32
KEEP_DAYS = 30
ERASED_NAME = "Zoë Backup-Uniek"


@pytest.fixture(params=["native", "jsonl"])
def method(request: pytest.FixtureRequest, engine: Engine) -> Method | None:
    """Each test runs with the engine's own method (files on SQLite) and with JSON Lines."""
    if request.param == "native":
        return None if is_sqlite(engine) else "jsonl"
    return "jsonl"


@pytest.fixture
def people(
    engine: Engine,
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> list[uuid.UUID]:
    """Three candidates, committed; the first is the one to be erased."""
    ring = Keyring(keys)
    made = [
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput({"name": name, "email": f"person{n}@example.be"}),
            at=clock.now(),
        ).subject_id
        for n, name in enumerate([ERASED_NAME, "Blijft Een", "Blijft Twee"])
    ]
    session.commit()
    return made


def _files(folder: Path, part: str) -> list[Path]:
    return [path for path in (folder / part).rglob("*") if path.is_file()]


def _bytes(folder: Path, part: str) -> bytes:
    return b"".join(path.read_bytes() for path in _files(folder, part))


def _erase(engine: Engine, keys: LocalKeyProvider, clock: FixedClock, subject: uuid.UUID) -> None:
    with transaction(engine) as work:
        erase_subject(work, Keyring(keys), DPO_ACTOR, subject, reason="Art. 17", at=clock.now())


def test_the_data_backup_holds_no_key_and_files_are_private(
    engine: Engine,
    people: list[uuid.UUID],
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    with transaction(engine) as work:
        wrapped = list(work.execute(select(SubjectKey.wrapped)).scalars())
    assert len(wrapped) == 3
    folder = tmp_path / "backups"
    result = make_backup(
        engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method
    )

    data, keys = _bytes(folder, "data"), _bytes(folder, "keys")
    for key in wrapped:
        for form in (key, base64.b64encode(key)):
            assert form not in data, "a data backup never holds a data key"
    assert any(key in keys or base64.b64encode(key) in keys for key in wrapped)
    assert ERASED_NAME.encode() not in data and ERASED_NAME.encode() not in keys

    for path in [*_files(folder, "data"), *_files(folder, "keys")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert result.data.counts["subject"] == 3 and result.data.counts["record"] == 3
    assert result.keys.counts == {"subject_key": 3}
    assert result.data.revision is not None
    manifest = json.loads((folder / "data" / f"{result.data.name}.json").read_text())
    assert manifest["kind"] == "data" and len(manifest["mac"]) == 64
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])
    assert backup_names(folder) == [result.data.name]


def test_restore_after_an_erasure_drops_that_subject(
    engine: Engine,
    people: list[uuid.UUID],
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    made = make_backup(
        engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method
    )
    erased, kept, other = people
    _erase(engine, keys, clock, erased)
    # A change after the backup, which the restore undoes.
    with transaction(engine) as work:
        work.execute(Record.__table__.delete().where(Record.subject_id == other))

    plan = plan_restore(
        engine,
        find_manifest(folder, made.data.name),
        mac_key=MAC_KEY,
        known_keks=set(key_material.keks),
    )
    assert plan.keys is None, "the current key store is kept"
    result = restore(engine, plan, actor=ADMIN_ACTOR, at=clock.now())
    assert (result.dropped, result.subjects, result.keys_from) == (1, 2, "current")

    with transaction(engine) as work:
        assert work.get(Subject, erased) is None
        assert work.execute(select(func.count()).select_from(Record)).scalar_one() == 2
        view = show_subject(work, Keyring(keys), DPO_ACTOR, other, at=clock.now())
        assert view.records[0].values["name"] == "Blijft Twee"
        assert show_subject(work, Keyring(keys), DPO_ACTOR, kept, at=clock.now()).records
        entry = work.execute(
            select(AuditEntry).where(AuditEntry.action == "backup_restore")
        ).scalar_one()
        assert entry.detail is not None and entry.detail["dropped"] == 1
        assert entry.detail["audit_carried_over"] == 1
        # The erasure, made after the backup, is still on record, and the chain is whole.
        erasure = work.execute(
            select(AuditEntry).where(AuditEntry.action == "subject_erase")
        ).scalar_one()
        assert erasure.subject_id == erased and erasure.actor == DPO_ACTOR.name
        assert erasure.seq < entry.seq
        assert verify(work).intact


def test_a_lost_key_store_comes_from_the_newest_copy_and_erasures_still_hold(
    engine: Engine,
    people: list[uuid.UUID],
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    older = make_backup(
        engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method
    )
    newer = make_backup(
        engine,
        folder,
        at=clock.now() + timedelta(hours=1),
        keep_days=KEEP_DAYS,
        mac_key=MAC_KEY,
        method=method,
    )
    erased = people[0]
    # Erased after both copies: the copies still hold this person's key, the audit log knows.
    _erase(engine, keys, clock, erased)
    plan = plan_restore(
        engine,
        find_manifest(folder, older.data.name),
        mac_key=MAC_KEY,
        known_keks=set(key_material.keks),
        keys_from_backup=True,
    )
    assert plan.keys is not None and plan.keys.name == newer.keys.name
    assert erased in plan.erased
    result = restore(engine, plan, actor=ADMIN_ACTOR, at=clock.now())
    assert (result.dropped, result.subjects, result.keys_from) == (1, 2, newer.keys.name)
    with transaction(engine) as work:
        assert work.get(SubjectKey, erased) is None
        assert work.get(Subject, erased) is None
        assert show_subject(work, Keyring(keys), DPO_ACTOR, people[1], at=clock.now()).records


def test_a_tampered_backup_is_refused(
    engine: Engine,
    people: list[uuid.UUID],
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    made = make_backup(
        engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method
    )
    manifest = find_manifest(folder, "latest")
    known = set(key_material.keks)
    with pytest.raises(BackupInvalid, match="another key file"):
        plan_restore(engine, manifest, mac_key=b"x" * 32, known_keks=known)

    document = json.loads(manifest.read_text())
    document["counts"]["subject"] = 99
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document))
    (tmp_path / "data").mkdir()
    with pytest.raises(BackupInvalid, match="altered"):
        plan_restore(engine, altered, mac_key=MAC_KEY, known_keks=known)

    target = folder / made.data.files[-1].path
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    with pytest.raises(BackupInvalid, match="SHA-256"):
        plan_restore(engine, manifest, mac_key=MAC_KEY, known_keks=known)
    target.unlink()
    with pytest.raises(BackupInvalid, match="missing"):
        plan_restore(engine, manifest, mac_key=MAC_KEY, known_keks=known)
    # Nothing was touched.
    with transaction(engine) as work:
        assert work.execute(select(func.count()).select_from(Subject)).scalar_one() == 3


def test_a_key_copy_needing_a_forgotten_kek_is_refused(
    engine: Engine,
    people: list[uuid.UUID],
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    make_backup(engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method)
    with pytest.raises(RestoreRefused, match="no longer holds"):
        plan_restore(
            engine,
            find_manifest(folder, "latest"),
            mac_key=MAC_KEY,
            known_keks={"kek-other"},
            keys_from_backup=True,
        )


def test_key_copies_older_than_the_days_are_deleted(
    engine: Engine,
    people: list[uuid.UUID],
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    start = clock.now()
    names = [
        make_backup(
            engine,
            folder,
            at=start + timedelta(days=day),
            keep_days=KEEP_DAYS,
            mac_key=MAC_KEY,
            method=method,
        ).data.name
        for day in (0, 10)
    ]
    assert backup_names(folder, "keys") == names
    # Exactly KEEP_DAYS old: kept. A second more: gone, at the next backup.
    assert (
        prune_key_copies(folder, now=start + timedelta(days=KEEP_DAYS), keep_days=KEEP_DAYS) == []
    )
    third = make_backup(
        engine,
        folder,
        at=start + timedelta(days=KEEP_DAYS, seconds=1),
        keep_days=KEEP_DAYS,
        mac_key=MAC_KEY,
        method=method,
    )
    assert third.pruned == [names[0]]
    assert backup_names(folder, "keys") == [names[1], third.data.name]
    assert not any(path.name.startswith(names[0]) for path in (folder / "keys").iterdir())
    # Data backups are not pruned: they hold no key.
    assert backup_names(folder) == [*names, third.data.name]
    later = start + timedelta(days=KEEP_DAYS + 11)
    assert prune_key_copies(folder, now=later, keep_days=KEEP_DAYS) == [names[1]]


def test_no_backup_to_restore_is_named(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BackupNotFound):
        find_manifest(tmp_path, "latest")
    with pytest.raises(BackupNotFound):
        find_manifest(tmp_path, "20260101T000000Z")


def test_a_lost_key_store_is_noticed_and_put_back(
    engine: Engine,
    people: list[uuid.UUID],
    keys: LocalKeyProvider,
    key_material: KeyMaterial,
    clock: FixedClock,
    tmp_path: Path,
    method: Method | None,
) -> None:
    folder = tmp_path / "backups"
    made = make_backup(
        engine, folder, at=clock.now(), keep_days=KEEP_DAYS, mac_key=MAC_KEY, method=method
    )
    engine.dispose()
    if is_sqlite(engine):
        database = Path(str(engine.url.database))
        database.with_name(f"{database.stem}-keys.db").unlink()
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA kluis_keys CASCADE")
    plan = plan_restore(
        engine, find_manifest(folder, "latest"), mac_key=MAC_KEY, known_keks=set(key_material.keks)
    )
    assert plan.keys is not None and plan.keys.name == made.keys.name
    result = restore(engine, plan, actor=ADMIN_ACTOR, at=clock.now())
    assert (result.dropped, result.subjects) == (0, 3)
    with transaction(engine) as work:
        names = {
            show_subject(work, Keyring(keys), DPO_ACTOR, sid, at=clock.now())
            .records[0]
            .values["name"]
            for sid in people
        }
    assert ERASED_NAME in names and len(names) == 3
