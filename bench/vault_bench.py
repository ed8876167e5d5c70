"""How fast the vault answers: find a subject by e-mail, show all records of a subject.

Seeds a vault with ``--subjects`` data subjects (each in one or two activities, with an
e-mail address and a telephone number), keeps the seeded database in ``--cache`` so that a
rerun skips seeding, then times ``--lookups`` finds by e-mail (existing subjects and some
misses) and ``--shows`` shows, each as one request: its own transaction, the acting user
read from the database, the service call, the audit entry, the commit. Prints the
percentiles of both, the seeding rate and the peak memory of the process. See
docs/benchmarks.md for what the lines mean and the figures measured.

    .venv/bin/python bench/vault_bench.py [--subjects 1000000] [--seeder api|bulk]
        [--database-url postgresql://...] [--cache .bench-cache]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import multiprocessing
import os
import random
import resource
import statistics
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, event, func, insert, make_url, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.consent import ConsentLedger
from kluis.core.actor import ADMIN, DPO, Actor
from kluis.crypto import (
    Cipher,
    LocalKeyProvider,
    generate_key_material,
    read_key_file,
    write_key_file,
)
from kluis.register.loader import load_register
from kluis.register.versions import current_version, require_version, save_version
from kluis.storage import KEYSTORE, keystore_path, make_engine, transaction, upgrade
from kluis.users import actor_for, add_user
from kluis.vault import (
    Keyring,
    RecordInput,
    ValueKind,
    Written,
    find_subjects,
    show_subject,
    write_records,
)
from kluis.vault.models import Identifier, Record, Subject, SubjectKey
from kluis.vault.policy import all_policies, index_form, normalise, parse_event
from kluis.vault.sealing import seal_values

HERE = Path(__file__).resolve().parent
REGISTER = HERE.parent / "tests" / "fixtures" / "vault-register.yaml"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADMIN_ACTOR = Actor("ada", frozenset({ADMIN}))
#: The users of the bench vault: who finds (a recruiter) and who shows (the DPO, all records).
USERS = {
    "ada": [ADMIN],
    "dora": [DPO],
    "rik": ["recruiter"],
    "mark": ["marketing"],
}
FINDER, SHOWER = "rik", "dora"
#: The page cache of SQLite while seeding, in KiB.
SEEDING_CACHE_KIB = 512 * 1024
IMPORTER = Actor("dora", frozenset({DPO}))
#: Targets of the vault's read path (issue 3), in milliseconds.
TARGETS = {"find": ("p50", 1.0, "p99", 5.0), "show": ("p95", 10.0, None, None)}


def email_of(number: int) -> str:
    """The e-mail address of bench subject ``number`` (no real person's)."""
    return f"person.{number}@example{number % 97}.be"


def phone_of(number: int) -> str:
    """A valid Belgian mobile number, one per subject."""
    return f"+32 4{7 + number // 10_000_000}{number % 10_000_000:07d}"


def candidate_of(number: int) -> RecordInput:
    """Subject ``number``'s record in the ``candidates`` activity."""
    day = date(1960 + number % 40, 1 + number % 12, 1 + number % 28)
    return RecordInput(
        values={
            "name": f"Person {number}",
            "email": email_of(number),
            "phone": phone_of(number),
            "birth_date": day.isoformat(),
        },
        events={"selection_end": date(2026, 1 + number % 12, 1 + number % 28)},
        row=number,
    )


def subscriber_of(number: int) -> RecordInput:
    """Subject ``number``'s record in ``newsletter`` (every other subject has one), with the
    consent it rests on."""
    return RecordInput(
        values={"email": email_of(number)},
        row=number,
        consent={"consent_given": "2026-11-01", "consent_channel": "web_form"},
    )


# --- the database and its cache ----------------------------------------------------------


@dataclass
class Vault:
    """The bench database: its URL, key file and the marker that says it is seeded."""

    url: str
    key_file: Path
    marker: Path
    label: str

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file."""
        return make_url(self.url).get_backend_name() == "sqlite"

    def reset(self) -> None:
        """Start again from nothing: no database, no key file, no marker."""
        for path in (self.marker, self.key_file):
            path.unlink(missing_ok=True)
        url = make_url(self.url)
        if self.is_sqlite:
            data = Path(url.database or "")
            keys = keystore_path(url)
            for found in (
                data,
                data.with_name(data.name + "-wal"),
                data.with_name(data.name + "-shm"),
                keys,
            ):
                if found is not None:
                    found.unlink(missing_ok=True)
            return
        admin = make_engine(url.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
        admin.dispose()

    def open(
        self, *, seeding: bool = False, async_commit: bool = False
    ) -> tuple[Engine, LocalKeyProvider]:
        """The migrated database, and the key provider over the key file (made if missing).

        For seeding, SQLite gets a larger page cache (the rows are the same, they are only
        written faster); the timed requests run with Kluis's own settings.
        """
        if not self.key_file.exists():
            write_key_file(self.key_file, generate_key_material(NOW.date()))
        engine = make_engine(self.url)
        if seeding and self.is_sqlite:

            @event.listens_for(engine, "connect")
            def _larger_cache(connection: Any, _record: Any) -> None:
                cursor = connection.cursor()
                cursor.execute(f"PRAGMA cache_size=-{SEEDING_CACHE_KIB}")
                cursor.execute(f"PRAGMA {KEYSTORE}.cache_size=-{SEEDING_CACHE_KIB // 4}")
                cursor.close()

        if async_commit and not self.is_sqlite:

            @event.listens_for(engine, "connect")
            def _async_commit(connection: Any, _record: Any) -> None:
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit = off")
                connection.commit()

        upgrade(engine)
        return engine, LocalKeyProvider(read_key_file(self.key_file))


def bench_vault(database_url: str | None, cache: Path, subjects: int) -> Vault:
    """Where the bench database of ``subjects`` subjects lives, and its cache files."""
    cache.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        database = cache / f"vault-{subjects}.db"
        url, stem = f"sqlite:///{database.as_posix()}", cache / f"vault-{subjects}"
        label = f"SQLite {database}"
    else:
        parsed = make_url(database_url).set(drivername="postgresql+psycopg")
        name = parsed.database or "kluis_bench"
        parsed = parsed.set(database=name)
        url = parsed.render_as_string(False)
        stem = cache / f"pg-{parsed.host}-{parsed.port or 5432}-{name}-{subjects}"
        label = f"PostgreSQL {parsed.host}/{name}"
        admin = make_engine(parsed.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name}
            ).first()
            if exists is None:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    return Vault(
        url, stem.with_name(stem.name + ".key"), stem.with_name(stem.name + ".json"), label
    )


def _prepare_register(engine: Engine) -> None:
    with transaction(engine) as session:
        if current_version(session) is not None:
            return
        loaded = load_register(REGISTER)
        save_version(
            session, loaded.register, author="bench", origin=REGISTER.name, changes=[], at=NOW
        )
        for name, roles in USERS.items():
            add_user(session, name, roles, actor=ADMIN_ACTOR, at=NOW)


def _count_subjects(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(Subject)).scalar_one())


# --- seeding -------------------------------------------------------------------------------


def _batches(start: int, stop: int, size: int) -> Iterator[range]:
    for first in range(start, stop, size):
        yield range(first, min(first + size, stop))


def _progress(done: int, records: int, started: float) -> None:
    rate = records / (time.perf_counter() - started)
    print(f"  seeded {done:,} subjects, {rate:,.0f} records/s", flush=True)


def seed_api(engine: Engine, provider: LocalKeyProvider, numbers: range, batch: int) -> int:
    """Seed through :func:`kluis.vault.write_records`, one transaction per batch; records."""
    records = 0
    started = last_report = time.perf_counter()
    for chunk in _batches(numbers.start, numbers.stop, batch):
        with transaction(engine) as session:
            keyring = Keyring(provider)
            outcomes = write_records(
                session, keyring, IMPORTER, "candidates", [candidate_of(n) for n in chunk], at=NOW
            )
            outcomes += write_records(
                session,
                keyring,
                IMPORTER,
                "newsletter",
                [subscriber_of(n) for n in chunk if n % 2 == 0],
                at=NOW,
                consent=ConsentLedger(),
            )
            refused = [o for o in outcomes if not isinstance(o, Written)]
            if refused:
                raise SystemExit(f"seeding refused {len(refused)} records: {refused[0]}")
        records += len(outcomes)
        if time.perf_counter() - last_report > 10:
            last_report = time.perf_counter()
            _progress(chunk[-1] + 1, records, started)
    return records


_EVENT_COLUMNS = (
    "collected",
    "last_contact",
    "contract_end",
    "employment_end",
    "selection_end",
    "record_date",
)


@dataclass
class Built:
    """The rows of one batch of new subjects, ready to insert, and their audit events."""

    keys: list[dict[str, object]]
    subjects: list[dict[str, object]]
    #: Per activity, in the order write_records would be called: records, identifiers, events.
    activities: list[tuple[list[dict[str, object]], list[dict[str, object]], list[Event]]]


class BulkSeeder:
    """Builds the rows :func:`write_records` writes for new people, with the vault's own
    functions (validation and normalisation, sealing, blind indexes, key wrapping), minus
    its look-ups of each identifier: the bench's subjects are new by construction. The rows
    are built in worker processes (both cores), inserted and audited by the main one."""

    def __init__(self, database_url: str, key_file: Path) -> None:
        engine = make_engine(database_url)
        with Session(engine) as session:
            stored = require_version(session)
        engine.dispose()
        self.version = stored.version
        self.policies = all_policies(stored)
        self.provider = LocalKeyProvider(read_key_file(key_file))

    def record(
        self,
        keyring: Keyring,
        cipher: Cipher,
        subject_id: uuid.UUID,
        activity: str,
        item: RecordInput,
    ) -> tuple[dict[str, object], list[dict[str, object]], Event]:
        """The record row, identifier rows and audit event of a new record."""
        policy = self.policies[activity]
        values = {
            name: normalise(policy, policy.fields[name], raw) for name, raw in item.values.items()
        }
        events = dict(parse_event(name, raw, policy.id) for name, raw in item.events.items())
        canonical = json.dumps(
            {
                "activity": policy.id,
                "values": values,
                "events": {k: v.isoformat() for k, v in events.items()},
                "source": item.source,
            },
            sort_keys=True,
        ).encode("utf-8")
        record_id = uuid.uuid4()
        row_events: dict[str, object] = dict.fromkeys(_EVENT_COLUMNS)
        row_events.update(events)
        if row_events["collected"] is None:
            row_events["collected"] = NOW.date()
        row = {
            "id": record_id,
            "subject_id": subject_id,
            "activity": policy.id,
            "source": item.source or policy.activity.source[0].value,
            "status": "active",
            "fields": ",".join(sorted(values)),
            "data": seal_values(cipher, record_id, values),
            "row_digest": hmac.new(keyring.indexer.key("row"), canonical, hashlib.sha256).digest(),
            "register_version": self.version,
            "created_at": NOW,
            "updated_at": NOW,
            **row_events,
        }
        identifiers = [
            {
                "subject_id": subject_id,
                "record_id": record_id,
                "kind": spec.index_kind,
                "digest": keyring.index(spec.index_kind, index_form(spec, values[spec.name])),
            }
            for spec in policy.identifiers
            if spec.name in values
        ]
        event = Event(
            action="record_create",
            subject_id=subject_id,
            record_id=record_id,
            activity=policy.id,
            detail={"fields": sorted(values)},
        )
        return row, identifiers, event

    def build(self, numbers: range) -> Built:
        """The rows of subjects ``numbers``: a record in candidates, and newsletter for even ones.
        The consent log is left empty: lookups and reads do not consult it."""
        keyring = Keyring(self.provider)
        built = Built([], [], [])
        owners: dict[int, tuple[uuid.UUID, Cipher]] = {}
        for number in numbers:
            subject_id = uuid.uuid4()
            cipher, key_row = keyring.create(subject_id, NOW)
            built.subjects.append({"id": subject_id, "created_at": NOW})
            built.keys.append(key_row)
            owners[number] = (subject_id, cipher)
        for activity, make, chosen in (
            ("candidates", candidate_of, list(numbers)),
            ("newsletter", subscriber_of, [n for n in numbers if n % 2 == 0]),
        ):
            records: list[dict[str, object]] = []
            identifiers: list[dict[str, object]] = []
            events: list[Event] = []
            for number in chosen:
                subject_id, cipher = owners[number]
                row, indexes, event = self.record(
                    keyring, cipher, subject_id, activity, make(number)
                )
                records.append(row)
                identifiers.extend(indexes)
                events.append(event)
            built.activities.append((records, identifiers, events))
        return built


def write_built(session: Session, built: Built) -> int:
    """Insert one batch as :func:`write_records` would (keys, subjects, records, identifiers,
    then the audit entries of each activity in turn); how many records."""
    session.execute(insert(cast(Table, SubjectKey.__table__)), built.keys)
    session.execute(insert(cast(Table, Subject.__table__)), built.subjects)
    written = 0
    for records, identifiers, events in built.activities:
        session.execute(insert(cast(Table, Record.__table__)), records)
        session.execute(insert(cast(Table, Identifier.__table__)), identifiers)
        record_events(session, IMPORTER, events, at=NOW)
        written += len(records)
    return written


def _write(engine: Engine, built: Built) -> int:
    with transaction(engine) as session:
        return write_built(session, built)


_WORKER: BulkSeeder | None = None


def _start_worker(database_url: str, key_file: Path) -> None:
    global _WORKER  # noqa: PLW0603 - one seeder per worker process
    _WORKER = BulkSeeder(database_url, key_file)


def _build(numbers: range) -> Built:
    assert _WORKER is not None
    return _WORKER.build(numbers)


def seed_bulk(vault: Vault, engine: Engine, numbers: range, batch: int, workers: int) -> int:
    """Seed with :class:`BulkSeeder` in ``workers`` processes, one transaction per batch."""
    records, done = 0, numbers.start
    started = last_report = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, _start_worker, (vault.url, vault.key_file)) as pool:
        # At most two batches per worker wait to be written, so memory stays flat.
        pending: deque[AsyncResult[Built]] = deque()
        for chunk in _batches(numbers.start, numbers.stop, batch):
            pending.append(pool.apply_async(_build, (chunk,)))
            if len(pending) < 2 * workers:
                continue
            built = pending.popleft().get()
            records += _write(engine, built)
            done += len(built.subjects)
            if time.perf_counter() - last_report > 10:
                last_report = time.perf_counter()
                _progress(done, records, started)
        while pending:
            records += _write(engine, pending.popleft().get())
    return records


SEEDERS = {
    "api": "api (kluis.vault.write_records)",
    "bulk": "bulk (bench seeder: the rows write_records makes, built on all cores)",
}


def seed(
    vault: Vault, subjects: int, batch: int, seeder: str, workers: int
) -> tuple[Engine, LocalKeyProvider, dict[str, object]]:
    """The bench database seeded (from the cache when it is complete) and the seeding figures.

    An interrupted seeding resumes where it stopped (subjects are written in order, one
    transaction per batch); a database that does not match its cache files starts again.
    """
    if vault.marker.exists() or vault.key_file.exists():
        engine, provider = vault.open()
        done = _count_subjects(engine)
        if vault.marker.exists() and done == subjects:
            stored: dict[str, object] = json.loads(vault.marker.read_text())
            stored["cached"] = True
            return engine, provider, stored
        if vault.marker.exists() or done > subjects:
            print("the cached database is not what its cache files say; seeding again")
            engine.dispose()
            vault.reset()
    else:
        vault.reset()
    engine, provider = vault.open(seeding=True)
    _prepare_register(engine)
    done = _count_subjects(engine)
    if done:
        print(f"resuming seeding at subject {done:,}")
    started = time.perf_counter()
    numbers = range(done, subjects)
    if seeder == "api":
        records = seed_api(engine, provider, numbers, batch)
    else:
        records = seed_bulk(vault, engine, numbers, batch, workers)
    elapsed = time.perf_counter() - started
    figures: dict[str, object] = {
        "seeder": SEEDERS[seeder],
        "batch": batch,
        "records": records,
        "subjects": len(numbers),
        "seconds": elapsed,
        "records_per_second": records / elapsed if elapsed else 0.0,
        "cached": False,
    }
    vault.marker.write_text(json.dumps(figures, indent=2))
    engine.dispose()
    engine, provider = vault.open()
    return engine, provider, figures


# --- timing --------------------------------------------------------------------------------


@dataclass
class Timings:
    """Latencies of one kind of request, in seconds."""

    request: list[float]
    service: list[float]
    #: CPU time of this process per request: the request without waiting for a busy CPU
    #: (on SQLite all of a request's work; on PostgreSQL the server's share is not in it).
    cpu: list[float]


def _run(
    engine: Engine,
    provider: LocalKeyProvider,
    user: str,
    call: Callable[[Session, Keyring, Actor], object],
    timings: Timings,
) -> None:
    cpu = time.process_time()
    started = time.perf_counter()
    with transaction(engine) as session:
        actor = actor_for(session, user)
        keyring = Keyring(provider)
        entered = time.perf_counter()
        call(session, keyring, actor)
        left = time.perf_counter()
    timings.request.append(time.perf_counter() - started)
    timings.cpu.append(time.process_time() - cpu)
    timings.service.append(left - entered)


def time_finds(engine: Engine, provider: LocalKeyProvider, emails: Sequence[str]) -> Timings:
    """One request per e-mail address: find the subjects that have it."""
    timings = Timings([], [], [])
    for email in emails:

        def call(session: Session, keyring: Keyring, actor: Actor, email: str = email) -> object:
            return find_subjects(session, keyring, actor, kind=ValueKind.email, value=email, at=NOW)

        _run(engine, provider, FINDER, call, timings)
    return timings


def time_shows(
    engine: Engine, provider: LocalKeyProvider, subject_ids: Sequence[uuid.UUID]
) -> Timings:
    """One request per subject: decrypt and show all their records."""
    timings = Timings([], [], [])
    for subject_id in subject_ids:

        def call(
            session: Session, keyring: Keyring, actor: Actor, sid: uuid.UUID = subject_id
        ) -> object:
            return show_subject(session, keyring, actor, sid, at=NOW, reason="bench")

        _run(engine, provider, SHOWER, call, timings)
    return timings


def sample_subjects(engine: Engine, count: int, rng: random.Random) -> list[uuid.UUID]:
    """``count`` subject ids picked at random: the first id at or after a random one."""
    picked = []
    with Session(engine) as session:
        for _ in range(count):
            probe = uuid.UUID(int=rng.getrandbits(128))
            found = session.execute(
                select(Subject.id).where(Subject.id >= probe).order_by(Subject.id).limit(1)
            ).scalar_one_or_none()
            if found is None:
                found = session.execute(
                    select(Subject.id).order_by(Subject.id).limit(1)
                ).scalar_one()
            picked.append(found)
    return picked


def _spin(rounds: int) -> int:
    total = 0
    for number in range(rounds):
        total += number * number
    return total


def machine_noise(samples: int = 2000, rounds: int = 20_000) -> dict[str, float]:
    """Wall-time percentiles of a fixed piece of pure Python work (about 0.7 ms of CPU here),
    in milliseconds: on a quiet machine p99 stays near p50; when other processes want the
    cores, every request waits its turn, and the requests' tails show that wait too."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        _spin(rounds)
        times.append(time.perf_counter() - started)
    return percentiles(times)


def peak_rss_mb() -> float:
    """The peak resident memory of this process since start or :func:`reset_peak_rss`, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_split_mb() -> tuple[float, float] | None:
    """This process's resident memory now: its own (anonymous) and mapped files', in MB."""
    found: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in {"RssAnon", "RssFile"}:
                found[key] = int(value.split()[0]) / 1024
    except OSError:
        return None
    if len(found) != 2:
        return None
    return found["RssAnon"], found["RssFile"]


def reset_peak_rss() -> None:
    """Start measuring the peak anew where Linux allows it (``clear_refs``); else keep it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max, in milliseconds."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
        "max": max(values) * 1000,
    }


def _verdict(name: str, figures: dict[str, float]) -> str:
    first, first_limit, second, second_limit = TARGETS[name]
    parts = []
    for label, limit in ((first, first_limit), (second, second_limit)):
        if label is None or limit is None:
            continue
        ok = figures[label] < limit
        parts.append(f"{label} < {limit:g} ms {'met' if ok else 'MISSED'}")
    return ", ".join(parts)


def _row(name: str, figures: dict[str, float]) -> str:
    return (
        f"{name:<22} {figures['p50']:8.3f} {figures['p95']:8.3f} "
        f"{figures['p99']:8.3f} {figures['max']:8.3f}"
    )


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000, help="data subjects to seed")
    parser.add_argument("--lookups", type=int, default=5000, help="finds by e-mail to time")
    parser.add_argument("--shows", type=int, default=5000, help="shows to time")
    parser.add_argument("--misses", type=float, default=0.1, help="share of finds that miss")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests of each kind")
    parser.add_argument("--batch", type=int, default=5000, help="subjects per seeding batch")
    parser.add_argument(
        "--seeder",
        choices=sorted(SEEDERS),
        default="api",
        help="api: kluis.vault.write_records; bulk: the same rows, written without lookups",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes of the bulk seeder")
    parser.add_argument("--cache", type=Path, default=Path(".bench-cache"))
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in --cache)")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="PostgreSQL: time with synchronous_commit = off (as SQLite's WAL with synchronous=NORMAL)",
    )
    parser.add_argument("--random-seed", type=int, default=20261122)
    return parser.parse_args(argv)


def _print_seeding(seeding: dict[str, object]) -> None:
    if seeding.get("cached"):
        print("seeding: cached (figures of the run that seeded it)")
    print(
        f"seeding: {seeding['seeder']}, {seeding['records']:,} records for "
        f"{seeding['subjects']:,} subjects in {float(seeding['seconds']):,.1f} s: "  # type: ignore[arg-type]
        f"{float(seeding['records_per_second']):,.0f} records/s"  # type: ignore[arg-type]
    )


def _print_results(finds: Timings, shows: Timings) -> None:
    print(f"{'ms':<22} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    results = {}
    for name, timings in (("find", finds), ("show", shows)):
        request = percentiles(timings.request)
        results[name] = request
        print(_row(f"{name} request", request))
        print(_row(f"{name} service call", percentiles(timings.service)))
        print(_row(f"{name} request, CPU", percentiles(timings.cpu)))
    print(_row("control: CPU work only", machine_noise()))
    for name, figures in results.items():
        print(f"{name}: {_verdict(name, figures)} (whole request)")


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    vault = bench_vault(args.database_url, args.cache.resolve(), args.subjects)
    print(f"vault: {vault.label}, {args.subjects:,} subjects")
    engine, provider, seeding = seed(vault, args.subjects, args.batch, args.seeder, args.workers)
    if args.async_commit and not vault.is_sqlite:
        engine.dispose()
        engine, provider = vault.open(async_commit=True)
        print("PostgreSQL: synchronous_commit = off for the timed requests")
    _print_seeding(seeding)

    seeding_peak = peak_rss_mb()
    reset_peak_rss()
    rng = random.Random(args.random_seed)
    hits = int(args.lookups * (1 - args.misses))
    emails = [email_of(rng.randrange(args.subjects)) for _ in range(hits)]
    emails += [f"nobody.{n}@example.net" for n in range(args.lookups - hits)]
    rng.shuffle(emails)
    subject_ids = sample_subjects(engine, args.shows + args.warmup, rng)

    warm_emails = [email_of(rng.randrange(args.subjects)) for _ in range(args.warmup)]
    time_finds(engine, provider, warm_emails)
    time_shows(engine, provider, subject_ids[: args.warmup])
    finds = time_finds(engine, provider, emails)
    shows = time_shows(engine, provider, subject_ids[args.warmup :])

    print(
        f"\n{args.lookups:,} finds by e-mail ({args.lookups - hits:,} misses), "
        f"{args.shows:,} shows; one transaction each, after {args.warmup} warm-up requests; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
        "(this bench included)"
    )
    _print_results(finds, shows)
    print(
        f"peak RSS: {seeding_peak:,.0f} MB before the timed requests, "
        f"{peak_rss_mb():,.0f} MB during them"
    )
    split = rss_split_mb()
    if split is not None:
        print(
            f"RSS at the end: {split[0]:,.0f} MB of the process's own memory, "
            f"{split[1]:,.0f} MB of mapped files (on SQLite mostly the database, memory-mapped)"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
