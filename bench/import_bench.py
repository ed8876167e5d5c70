"""How fast ``kluis import`` loads a file: records per second and peak memory.

Writes a CSV file of ``--subjects`` synthetic candidates (name, e-mail, mobile number, end of
selection; no real person's), makes a vault in a folder of its own (SQLite, or the
PostgreSQL database ``--database-url`` names, which is dropped and created again), and runs
``kluis import`` on it as a user would: every record validated, sealed with a fresh data key
of its own, indexed, inserted and audited. Prints records per second, the peak resident
memory of the command (its worker processes included) and the CPU time it used (which, on a
machine busy with other work, bounds what the same cores would do idle), then does the same
for a second run of the same file (every record unchanged). ``--api N`` also times the one-call write path
(``write_records``, as the API uses it) on N records, for comparison.

    .venv/bin/python bench/import_bench.py [--subjects 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, make_url, select

from kluis.core.actor import ADMIN, DPO, Actor
from kluis.crypto import LocalKeyProvider, generate_key_material, write_key_file
from kluis.register.loader import load_register
from kluis.register.versions import require_version, save_version
from kluis.storage import make_engine, transaction, upgrade
from kluis.users import add_user
from kluis.vault import Keyring, RecordInput, write_records
from kluis.vault.models import Record

HERE = Path(__file__).resolve().parent
REGISTER = HERE.parent / "tests" / "fixtures" / "vault-register.yaml"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADMIN_ACTOR = Actor("ada", frozenset({ADMIN}))
IMPORTER = "dora"
KLUIS = Path(sys.executable).with_name("kluis")


def candidate(number: int) -> list[str]:
    """Row ``number`` of the bench file: name, e-mail, phone (a unique Belgian mobile), date."""
    mobile = f"04{70 + (number // 1_000_000) % 10}{number % 1_000_000:06d}"
    day = 1 + number % 28
    return [
        f"Kandidaat {number}",
        f"kandidaat.{number}@example{number % 97}.be",
        f"{mobile[:4]} {mobile[4:6]} {mobile[6:8]} {mobile[8:]}",
        f"{day:02d}/10/2026",
    ]


def write_file(path: Path, subjects: int) -> None:
    """The CSV file a CRM would export: semicolons, a header naming the activity's fields."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Name", "E-mail", "Phone", "Selection end"])
        for number in range(subjects):
            writer.writerow(candidate(number))


def make_vault(folder: Path, database_url: str | None, register: Path = REGISTER) -> str:
    """A vault in ``folder``: settings, key file, migrated database, ``register``, users."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if database_url:
        url = make_url(database_url)
        admin = make_engine(url.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {url.database}")
        admin.dispose()
        target = database_url
    else:
        target = f"sqlite:///{(folder / 'kluis.db').as_posix()}"
    (folder / "kluis.toml").write_text(
        f'database_url = "{target}"\nkey_file = "kluis.key"\n', encoding="utf-8"
    )
    write_key_file(folder / "kluis.key", generate_key_material(NOW.date()))
    engine = make_engine(target)
    upgrade(engine)
    with transaction(engine) as session:
        loaded = load_register(register)
        save_version(
            session, loaded.register, author="bench", origin=register.name, changes=[], at=NOW
        )
        add_user(session, ADMIN_ACTOR.name, [ADMIN], actor=ADMIN_ACTOR, at=NOW)
        add_user(session, IMPORTER, [DPO], actor=ADMIN_ACTOR, at=NOW)
    engine.dispose()
    return target


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(
    folder: Path, path: Path, extra: list[str], activity: str = "candidates"
) -> tuple[float, float, str]:
    """Run ``kluis import`` into ``activity`` as a user would: its wall time, the CPU time it
    used (its worker processes included) and its report line."""
    env = {**os.environ, "KLUIS_HOME": str(folder), "KLUIS_USER": IMPORTER, "KLUIS_LANG": "en"}
    env.pop("KLUIS_DATABASE_URL", None)
    env.pop("KLUIS_KEY_FILE", None)
    command = [str(KLUIS), "import", str(path), "--activity", activity, *extra]
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"kluis import failed with status {done.returncode}")
    return elapsed, cpu, done.stdout.strip().splitlines()[0]


def peak_children_mib() -> float:
    """The largest resident memory of any finished child process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def time_api(target: str, folder: Path, records: int, batch: int) -> float:
    """Records per second of ``write_records`` (the API's path), batch by batch."""
    from kluis.crypto import read_key_file  # noqa: PLC0415

    provider = LocalKeyProvider(read_key_file(folder / "kluis.key"))
    engine = make_engine(target)
    actor = Actor(IMPORTER, frozenset({DPO}))
    items = [
        RecordInput(
            {"name": row[0], "email": "api." + row[1], "phone": row[2].replace("04", "+324", 1)},
            {"selection_end": row[3]},
            row=number,
        )
        for number, row in ((n, candidate(n + 5_000_000)) for n in range(records))
    ]
    started = time.perf_counter()
    for start in range(0, records, batch):
        with transaction(engine) as session:
            require_version(session)
            write_records(
                session,
                Keyring(provider),
                actor,
                "candidates",
                items[start : start + batch],
                at=NOW,
            )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return records / elapsed


def count_records(target: str) -> int:
    """How many records the vault holds."""
    engine = make_engine(target)
    with transaction(engine) as session:
        found = session.execute(select(func.count()).select_from(Record)).scalar_one()
    engine.dispose()
    return int(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is recreated)")
    parser.add_argument("--folder", type=Path, help="where to put the file and the vault")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-rerun", action="store_true", help="skip the second run")
    parser.add_argument("--api", type=int, default=0, help="also time write_records on N records")
    args = parser.parse_args()
    folder = (args.folder or Path(tempfile.mkdtemp(prefix="kluis-import-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"candidates-{args.subjects}.csv"
    if not data.exists():
        started = time.perf_counter()
        write_file(data, args.subjects)
        print(
            f"wrote {data.name} ({data.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f} s"
        )
    target = make_vault(folder / "vault", args.database_url)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    extra: list[str] = []
    if args.batch_size:
        extra += ["--batch-size", str(args.batch_size)]
    if args.workers is not None:
        extra += ["--workers", str(args.workers)]
    print(f"{backend}, {os.cpu_count()} CPUs, {args.subjects:,} subjects")
    cores = os.cpu_count() or 1
    elapsed, cpu, line = run_import(folder / "vault", data, extra)
    rate, per_record = args.subjects / elapsed, cpu / args.subjects * 1e6
    print(
        f"  import: {rate:>9,.0f} records/s ({elapsed:.1f} s, peak {peak_children_mib():.0f} MiB)"
    )
    print(f"          CPU {cpu:.1f} s in all processes, {per_record:.0f} µs per record")
    print(f"          {line}")
    stored = count_records(target)
    if stored != args.subjects:
        raise SystemExit(f"expected {args.subjects} records, found {stored}")
    if not args.no_rerun:
        elapsed, cpu, line = run_import(folder / "vault", data, extra)
        print(
            f"  rerun:  {args.subjects / elapsed:>9,.0f} records/s ({elapsed:.1f} s, CPU {cpu:.1f} s)"
        )
        print(f"          {line}")
    print(f"  ({cores} CPUs; load average now {os.getloadavg()[0]:.1f})")
    if args.api:
        rate = time_api(target, folder / "vault", args.api, 1000)
        print(f"  write_records (API path, batches of 1000): {rate:,.0f} records/s on {args.api:,}")
    if not args.folder:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
