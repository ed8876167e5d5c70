"""Backups of the data and of the key store, kept apart, and their restore.

A backup is two backups. The *data* backup (``<folder>/data/<name>``) holds every table of the
data and never a data key; the *key-store* copy (``<folder>/keys/<name>``) holds the wrapped data
keys and nothing else. Key-store copies older than ``keep_days`` are deleted at every backup,
so a person erased from the vault (their data key destroyed) cannot be read from any backup
once that many days have passed: their sealed values are still in older data backups, but no
key that opens them exists any more.

On SQLite each part is a file written by ``VACUUM INTO``; on PostgreSQL each table is written
as JSON Lines from one ``REPEATABLE READ`` snapshot (see ``docs/backup.md`` for why). Every
part has a manifest: time, schema revision, row counts and the SHA-256 of each file, under an
HMAC keyed from the key file. A restore refuses a backup whose manifest or files do not match.

A restore puts the data back, keeps the current key store (or, when it is lost, puts back the
newest key-store copy), and then drops every subject without a data key: those erased since
the backup stay erased. Audit entries written after the backup are carried over into the
restored log, so the record of those erasures is not lost with the restore.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any, Final, Literal

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, Row, delete, exists, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kluis.audit import GENESIS, Event, record_event, record_events
from kluis.audit.models import AuditEntry, AuditHead
from kluis.backup import jsonl, sqlite
from kluis.backup.errors import BackupInvalid, BackupNotFound, RestoreRefused
from kluis.backup.manifest import (
    FileEntry,
    Kind,
    Manifest,
    read_manifest,
    sha256_of,
    verify_files,
    write_manifest,
)
from kluis.core.actor import Actor
from kluis.i18n import N_
from kluis.storage import KEYSTORE, checkpoint, current_revision, is_sqlite, keystore_path, upgrade
from kluis.storage.engine import normalise_url
from kluis.vault import require_admin
from kluis.vault.models import Identifier, Record, Subject, SubjectKey

DATA: Final = "data"
KEYS: Final = "keys"
_NAME_FORMAT: Final = "%Y%m%dT%H%M%SZ"
_NAME_LENGTH: Final = 16
_CHUNK: Final = 500
_ERASING: Final = ("subject_erase", "record_erase", "record_anonymise")

Method = Literal["sqlite", "jsonl"]


@dataclass(frozen=True)
class BackupResult:
    """A backup just made, and the key-store copies pruned while making it."""

    folder: Path
    data: Manifest
    keys: Manifest
    pruned: list[str]


def _private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _new_name(folder: Path, at: datetime) -> str:
    base = at.astimezone(UTC).strftime(_NAME_FORMAT)
    name, number = base, 1
    while any((folder / part / f"{name}.json").exists() for part in (DATA, KEYS)):
        number += 1
        name = f"{base}-{number}"
    return name


def _entry(root: Path, path: Path) -> FileEntry:
    return FileEntry(path.relative_to(root).as_posix(), sha256_of(path), path.stat().st_size)


def _engine_path(engine: Engine) -> Path:
    url = normalise_url(engine.url.render_as_string(hide_password=False))
    return Path(str(url.database))


def _keystore_file(engine: Engine) -> Path:
    url = normalise_url(engine.url.render_as_string(hide_password=False))
    path = keystore_path(url)
    if path is None:  # pragma: no cover - make_engine refuses such a database
        raise RestoreRefused(N_("an SQLite vault needs a database file"))
    return path


def _sqlite_part(engine: Engine, schema: str, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    sqlite.vacuum_into(engine, schema, partial)
    partial.chmod(0o600)
    partial.replace(target)


def _sqlite_backup(
    engine: Engine, root: Path, name: str, at: datetime
) -> tuple[Manifest, Manifest]:
    data_file = _private_folder(root / DATA) / f"{name}.db"
    keys_file = _private_folder(root / KEYS) / f"{name}.db"
    # The data first, then the keys: every subject of the data copy has its key in the key
    # copy, unless it was erased in between, and then it should not come back.
    _sqlite_part(engine, "main", data_file)
    _sqlite_part(engine, KEYSTORE, keys_file)
    revision, data_counts = sqlite.counts(data_file)
    _, key_counts = sqlite.counts(keys_file)
    data = Manifest(
        name,
        DATA,
        at,
        "sqlite",
        "sqlite",
        revision,
        data_counts,
        [_entry(root, data_file)],
        sqlite.audit_head(data_file),
    )
    keys = Manifest(
        name, KEYS, at, "sqlite", "sqlite", revision, key_counts, [_entry(root, keys_file)]
    )
    return data, keys


def _jsonl_backup(engine: Engine, root: Path, name: str, at: datetime) -> tuple[Manifest, Manifest]:
    data_folder = _private_folder(root / DATA / name)
    keys_folder = _private_folder(root / KEYS / name)
    data_files: list[Path] = []
    key_files: list[Path] = []
    data_counts: dict[str, int] = {}
    key_counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    # One transaction: the data and the key store from the same snapshot.
    with engine.connect().execution_options(**options) as connection, connection.begin():
        jsonl.check_known(connection)
        revision = current_revision_of(connection)
        head = connection.execute(select(AuditHead.seq, AuditHead.hash)).first()
        for tables, folder, files, found in (
            (jsonl.data_tables(), data_folder, data_files, data_counts),
            (jsonl.key_tables(), keys_folder, key_files, key_counts),
        ):
            for table in tables:
                path = folder / f"{table.name}.jsonl"
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    found[table.name] = jsonl.dump_table(connection, table, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                files.append(path)
    backend = engine.dialect.name
    data = Manifest(
        name,
        DATA,
        at,
        backend,
        "jsonl",
        revision,
        data_counts,
        [_entry(root, path) for path in data_files],
        None if head is None else (int(head.seq), str(head.hash)),
    )
    keys = Manifest(
        name,
        KEYS,
        at,
        backend,
        "jsonl",
        revision,
        key_counts,
        [_entry(root, path) for path in key_files],
    )
    return data, keys


def current_revision_of(connection: Connection) -> str | None:
    """The migration revision recorded in the database behind ``connection``."""
    return MigrationContext.configure(connection).get_current_revision()


def make_backup(
    engine: Engine,
    folder: Path,
    *,
    at: datetime,
    keep_days: int,
    mac_key: bytes,
    method: Method | None = None,
) -> BackupResult:
    """Back up the data and the key store of ``engine`` into ``folder``, apart; then delete
    key-store copies older than ``keep_days``. Files are mode 0600, folders 0700."""
    root = _private_folder(folder)
    chosen: Method = method or ("sqlite" if is_sqlite(engine) else "jsonl")
    if chosen == "sqlite" and not is_sqlite(engine):
        raise RestoreRefused(
            N_("file copies are for SQLite; PostgreSQL is backed up as JSON Lines")
        )
    name = _new_name(root, at)
    if chosen == "sqlite":
        data, keys = _sqlite_backup(engine, root, name, at)
    else:
        data, keys = _jsonl_backup(engine, root, name, at)
    write_manifest(root / DATA / f"{name}.json", data, mac_key)
    write_manifest(root / KEYS / f"{name}.json", keys, mac_key)
    pruned = prune_key_copies(root, now=at, keep_days=keep_days)
    return BackupResult(root, data, keys, pruned)


def _time_of(name: str) -> datetime | None:
    try:
        return datetime.strptime(name[:_NAME_LENGTH], _NAME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def prune_key_copies(folder: Path, *, now: datetime, keep_days: int) -> list[str]:
    """Delete every key-store copy older than ``keep_days``; the names deleted, oldest first.

    After this, a data key destroyed more than ``keep_days`` ago exists in no copy.
    """
    keys = folder / KEYS
    if not keys.is_dir():
        return []
    limit = now - timedelta(days=keep_days)
    deleted: set[str] = set()
    for path in sorted(keys.iterdir()):
        name = path.name.split(".", 1)[0]
        made = _time_of(name)
        if made is None or made >= limit:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        deleted.add(name)
    return sorted(deleted)


def backup_names(folder: Path, kind: Kind = DATA) -> list[str]:
    """The names of the backups (or key-store copies) in ``folder``, oldest first."""
    part = folder / kind
    if not part.is_dir():
        return []
    return sorted(path.stem for path in part.glob("*.json") if _time_of(path.stem) is not None)


def find_manifest(folder: Path, given: str) -> Path:
    """The manifest of a data backup named by ``given``: its name, ``latest``, its manifest or
    its file (``data/<name>.db``) or folder."""
    if given == "latest":
        names = backup_names(folder)
        if not names:
            raise BackupNotFound(N_("no backup in {folder}"), folder=str(folder))
        return folder / DATA / f"{names[-1]}.json"
    path = Path(given)
    if path.suffix == ".json" and path.is_file():
        return path
    if path.exists():
        candidate = path.with_name(path.name.split(".", 1)[0] + ".json")
        if candidate.is_file():
            return candidate
    candidate = folder / DATA / f"{given}.json"
    if candidate.is_file():
        return candidate
    raise BackupNotFound(N_("no backup '{name}' in {folder}"), name=given, folder=str(folder))


@dataclass(frozen=True)
class RestorePlan:
    """A restore, checked and ready: the data backup, where the keys come from, and the
    subjects the current audit log says were erased."""

    manifest_path: Path
    data: Manifest
    #: ``None``: keep the current key store; else the key-store copy to put back.
    keys: Manifest | None
    keys_path: Path | None
    erased: frozenset[uuid.UUID] = field(default_factory=frozenset)
    #: Audit entries written after the backup, to carry over into the restored log.
    carried: tuple[Row[Any], ...] = ()
    #: Whether the current audit log does not descend from the backup's (nothing carried).
    diverged: bool = False

    @property
    def root(self) -> Path:
        """The backup folder the manifest belongs to."""
        return self.manifest_path.parent.parent


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    name: str
    keys_from: str
    subjects: int
    dropped: int


def _known_revision(revision: str | None) -> bool:
    config = Config()
    config.set_main_option("script_location", "kluis.storage:migrations")
    if revision is None:
        return False
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        return False
    return True


def _has_key_store(engine: Engine) -> bool:
    if is_sqlite(engine):
        return sqlite.has_key_table(_keystore_file(engine))
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table(SubjectKey.__tablename__, schema=KEYSTORE)
    except SQLAlchemyError:
        return False


def _newest_key_copy(root: Path, mac_key: bytes) -> tuple[Manifest, Path]:
    names = backup_names(root, KEYS)
    if not names:
        raise BackupNotFound(
            N_("the key store is lost and {folder} holds no copy of it; the backup cannot be read"),
            folder=str(root / KEYS),
        )
    path = root / KEYS / f"{names[-1]}.json"
    manifest = read_manifest(path, mac_key)
    verify_files(root, manifest, path)
    return manifest, path


def _copy_keks(root: Path, manifest: Manifest) -> set[str]:
    found: set[str] = set()
    for entry in manifest.files:
        path = root / entry.path
        if manifest.method == "sqlite":
            found |= sqlite.key_kek_ids(path)
            continue
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    found.add(str(json.loads(line)["kek_id"]))
    return found


def _erased_subjects(engine: Engine) -> frozenset[uuid.UUID]:
    """Subjects the current audit log records as erased (it may be lost: then none)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(AuditEntry.subject_id, AuditEntry.action, AuditEntry.detail).where(
                    AuditEntry.action.in_(_ERASING), AuditEntry.subject_id.is_not(None)
                )
            ).all()
    except SQLAlchemyError:
        return frozenset()
    return frozenset(
        subject_id
        for subject_id, action, detail in rows
        if subject_id is not None
        and (action == "subject_erase" or (detail or {}).get("subject_erased"))
    )


def plan_restore(
    engine: Engine,
    manifest_path: Path,
    *,
    mac_key: bytes,
    known_keks: Collection[str],
    keys_from_backup: bool = False,
) -> RestorePlan:
    """Check a backup before anything is touched: manifest, files, engine, revision, and that
    the key file holds every KEK the data keys to be restored are wrapped by."""
    data = read_manifest(manifest_path, mac_key)
    if data.kind != DATA:
        raise BackupInvalid(
            N_("{path} is a copy of the key store, not a data backup"), path=str(manifest_path)
        )
    root = manifest_path.parent.parent
    verify_files(root, data, manifest_path)
    if data.method == "sqlite" and not is_sqlite(engine):
        raise RestoreRefused(
            N_("{path} is an SQLite backup; it cannot be restored into PostgreSQL"),
            path=str(manifest_path),
        )
    if not _known_revision(data.revision):
        raise RestoreRefused(
            N_(
                "{path} was made at schema revision {revision}, which this version of Kluis does not know"
            ),
            path=str(manifest_path),
            revision=str(data.revision),
        )
    if data.method == "jsonl" and data.revision != _revision_or_none(engine):
        raise RestoreRefused(
            N_("{path} was made at schema revision {revision}; the database is at {current}"),
            path=str(manifest_path),
            revision=str(data.revision),
            current=str(_revision_or_none(engine)),
        )
    keys: Manifest | None = None
    keys_path: Path | None = None
    if keys_from_backup or not _has_key_store(engine):
        keys, keys_path = _newest_key_copy(root, mac_key)
        if keys.method == "sqlite" and not is_sqlite(engine):
            raise RestoreRefused(
                N_("{path} is an SQLite key store; it cannot be restored into PostgreSQL"),
                path=str(keys_path),
            )
        missing = sorted(_copy_keks(root, keys) - set(known_keks))
        if missing:
            raise RestoreRefused(
                N_(
                    "the key-store copy {path} holds data keys wrapped by '{kek}', which the key "
                    "file no longer holds; put back the key file of that time first"
                ),
                path=str(keys_path),
                kek=missing[0],
            )
    carried, diverged = _audit_tail(engine, data.audit)
    return RestorePlan(
        manifest_path, data, keys, keys_path, _erased_subjects(engine), carried, diverged
    )


def _audit_tail(engine: Engine, head: tuple[int, str] | None) -> tuple[tuple[Row[Any], ...], bool]:
    """The current audit entries after the backup's newest one, if the current log continues
    the backup's; else none, and whether the two logs diverged."""
    seq, digest = head or (0, GENESIS)
    table = AuditEntry.__table__
    try:
        with engine.connect() as connection:
            if seq:
                found = connection.execute(
                    select(AuditEntry.hash).where(AuditEntry.seq == seq)
                ).scalar_one_or_none()
                if found != digest:
                    return (), True
            rows = connection.execute(
                select(table).where(table.c.seq > seq).order_by(table.c.seq)
            ).all()
    except SQLAlchemyError:
        return (), True
    return tuple(rows), False


def _carry_over(session: Session, rows: tuple[Row[Any], ...]) -> None:
    """Append the audit entries a restore would lose, in order, to the restored log: who did
    what and when stays on record (with new sequence numbers and hashes)."""
    for (actor, at), group in groupby(rows, key=lambda row: (row.actor, row.at)):
        record_events(
            session,
            Actor(actor),
            [
                Event(
                    row.action,
                    subject_id=row.subject_id,
                    record_id=row.record_id,
                    activity=row.activity,
                    reason=row.reason,
                    detail=row.detail,
                )
                for row in group
            ],
            at=at,
        )


def _revision_or_none(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except SQLAlchemyError:
        return None


def _load_jsonl(session: Session, root: Path, manifest: Manifest) -> None:
    tables = jsonl.data_tables() if manifest.kind == DATA else jsonl.key_tables()
    by_name = {table.name: table for table in tables}
    connection = session.connection()
    if manifest.kind == KEYS:
        # A lost key store is made again, empty, before its copy is loaded.
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {KEYSTORE}")
        for table in tables:
            table.create(connection, checkfirst=True)
    jsonl.clear_tables(connection, tables)
    for table in tables:
        entry = next(
            (f for f in manifest.files if Path(f.path).name == f"{table.name}.jsonl"), None
        )
        if entry is not None:
            jsonl.load_table(connection, by_name[table.name], root / entry.path)
    jsonl.reset_sequences(connection, tables)


def _drop_keyless(session: Session, erased: frozenset[uuid.UUID]) -> int:
    """Destroy the keys of subjects known to be erased; drop every subject without a key."""
    ids = sorted(erased)
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            delete(SubjectKey).where(SubjectKey.subject_id.in_(ids[start : start + _CHUNK]))
        )
    keyless = list(
        session.execute(
            select(Subject.id).where(~exists().where(SubjectKey.subject_id == Subject.id))
        ).scalars()
    )
    for start in range(0, len(keyless), _CHUNK):
        chunk = keyless[start : start + _CHUNK]
        session.execute(delete(Identifier).where(Identifier.subject_id.in_(chunk)))
        session.execute(delete(Record).where(Record.subject_id.in_(chunk)))
        session.execute(delete(Subject).where(Subject.id.in_(chunk)))
    return len(keyless)


def restore(engine: Engine, plan: RestorePlan, *, actor: Actor, at: datetime) -> RestoreResult:
    """Put a checked backup back into the database of ``engine``, then drop every subject
    whose data key no longer exists. Audited in the restored log.

    On PostgreSQL (JSON Lines) all of it is one transaction. On SQLite the files are copied
    back first with SQLite's backup API; if the run stops after that, run it again.
    """
    require_admin(actor)
    root = plan.root
    if plan.data.method == "sqlite" or (plan.keys and plan.keys.method == "sqlite"):
        engine.dispose()
        if plan.data.method == "sqlite":
            sqlite.copy_into(root / plan.data.files[0].path, _engine_path(engine))
        if plan.keys is not None and plan.keys.method == "sqlite":
            sqlite.copy_into(root / plan.keys.files[0].path, _keystore_file(engine))
        engine.dispose()
        upgrade(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if plan.data.method == "jsonl":
            _load_jsonl(session, root, plan.data)
        if plan.keys is not None and plan.keys.method == "jsonl":
            _load_jsonl(session, root, plan.keys)
        before = session.execute(select(AuditHead.seq)).scalar_one_or_none()
        _carry_over(session, plan.carried)
        dropped = _drop_keyless(session, plan.erased)
        subjects = session.execute(select(func.count()).select_from(Subject)).scalar_one()
        keys_from = plan.keys.name if plan.keys else "current"
        record_event(
            session,
            actor,
            Event(
                "backup_restore",
                detail={
                    "backup": plan.data.name,
                    "keys": keys_from,
                    "dropped": dropped,
                    "subjects": subjects,
                    "audit_seq_of_backup": before or 0,
                    "audit_carried_over": len(plan.carried),
                    "audit_diverged": plan.diverged,
                },
            ),
            at=at,
        )
    checkpoint(engine)
    return RestoreResult(plan.data.name, keys_from, subjects, dropped)


def record_backup(session: Session, actor: Actor, result: BackupResult, *, at: datetime) -> None:
    """The audit entry of a backup: its name, counts and the key-store copies pruned."""
    require_admin(actor)
    record_event(
        session,
        actor,
        Event(
            "backup",
            detail={
                "backup": result.data.name,
                "method": result.data.method,
                "revision": result.data.revision,
                "rows": sum(result.data.counts.values()),
                "keys": sum(result.keys.counts.values()),
                "pruned": result.pruned,
            },
        ),
        at=at,
    )


def record_prune(session: Session, actor: Actor, pruned: list[str], *, at: datetime) -> None:
    """The audit entry of pruning key-store copies."""
    require_admin(actor)
    record_event(session, actor, Event("backup_prune", detail={"pruned": pruned}), at=at)
