"""How fast retention plans and runs: records the plan evaluates per second, records erased
per second.

Makes a vault of ``--records`` records with ``kluis import``, as a user would, then times:

- ``kluis retention plan --at 2028-10-15 --format json``: about half the records due;
- ``kluis retention run --at 2028-10-15``: erases or anonymises them, each with its audit
  entry, the people left without a record crypto-shredded (their keys first, in a
  transaction of their own), in batches of ``--batch`` (default: the command's);
- the plan again, and a second run, which finds nothing to do.

Two vaults:

- ``--activities 20`` (the default): the register ``bench/twenty-activities.yaml``, twenty
  activities with rules of two to seven years after one of five events, erase or anonymise.
  Each activity gets ``--records / 20`` records (name, e-mail, phone, the event on a day of
  October of the year its period ends in 2028, one file and one ``kluis import`` per
  activity); the people of each activity overlap a fifth with the next one's (the same
  e-mail and phone: one subject), so 1,000,000 records are 810,000 people.
- ``--activities 1``: the vault test register's ``candidates`` only (the file of
  ``bench/import_bench.py``: each selection ended on a day of October 2026, kept two years),
  one record per person.

Prints wall time and CPU time (the command's process; on PostgreSQL the server's share is
not in it) and, for the run, records per second. The machine's load average is printed
too: on a busy machine the wall time says more about the others than about Kluis.

    .venv/bin/python bench/retention_bench.py [--records 1000000] [--activities 20|1]
        [--database-url URL] [--folder DIR] [--batch N] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import IMPORTER, KLUIS, REGISTER, candidate, make_vault, run_import, write_file

from kluis.register.loader import load_register

DAY = "2028-10-15"
HERE = Path(__file__).resolve().parent
TWENTY = HERE / "twenty-activities.yaml"
#: The column each event is imported from (``kluis import`` maps it by name).
HEADERS = {
    "selection_end": "Selection end",
    "last_contact": "Last contact",
    "contract_end": "Contract end",
    "employment_end": "Employment end",
    "collected": "Collected",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kluis(folder: Path, *args: str) -> tuple[float, float, str]:
    """Run a ``kluis`` command in the vault ``folder``: wall time, CPU time, standard output."""
    env = {**os.environ, "KLUIS_HOME": str(folder), "KLUIS_USER": IMPORTER, "KLUIS_LANG": "en"}
    env.pop("KLUIS_DATABASE_URL", None)
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run([str(KLUIS), *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"kluis {' '.join(args)} failed with status {done.returncode}")
    return elapsed, _cpu() - cpu, done.stdout


def activity_files(folder: Path, records: int) -> list[tuple[str, Path]]:
    """One file per activity of the twenty-activity register: (activity, file)."""
    register = load_register(TWENTY).register
    per_activity = records // len(register.activities)
    step = per_activity * 4 // 5
    files = []
    for index, activity in enumerate(register.activities):
        retention = activity.retention
        assert retention is not None and retention.keep is not None and retention.after
        event = retention.after.value
        year = 2028 - retention.keep.years
        path = folder / f"{activity.id}-{per_activity}.csv"
        if not path.exists():
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(["Name", "E-mail", "Phone", HEADERS[event]])
                for number in range(index * step, index * step + per_activity):
                    name, email, phone, _day = candidate(number)
                    writer.writerow([name, email, phone, f"{1 + number % 28:02d}/10/{year}"])
        files.append((activity.id, path))
    return files


def _copy_vault(source: Path, target: Path) -> None:
    """Copy an SQLite vault's folder, its settings pointing at the copy."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    database = (target / "kluis.db").as_posix()
    (target / "kluis.toml").write_text(
        f'database_url = "sqlite:///{database}"\nkey_file = "kluis.key"\n', encoding="utf-8"
    )


def import_files(
    args: argparse.Namespace, folder: Path, vault: Path, files: list[tuple[str, Path]]
) -> None:
    """Import ``files`` into the vault, or copy the vault kept from an earlier import."""
    kept = folder / f"imported-{args.activities}-{args.records}"
    if args.keep and not args.database_url and kept.exists():
        _copy_vault(kept, vault)
        print(f"  import:  the vault imported before ({kept.name})")
        return
    started = time.perf_counter()
    for activity, path in files:
        run_import(vault, path, [], activity)
    print(f"  import:  {time.perf_counter() - started:.1f} s")
    if args.keep and not args.database_url:
        _copy_vault(vault, kept)


def build_vault(args: argparse.Namespace, folder: Path) -> Path:
    """The bench vault in ``folder``/vault (``args.records``, ``args.activities``,
    ``args.database_url``, ``args.keep``), imported as a user would; its folder."""
    vault = folder / "vault"
    if args.activities == 1:
        data = folder / f"candidates-{args.records}.csv"
        if not data.exists():
            write_file(data, args.records)
        files = [("candidates", data)]
        make_vault(vault, args.database_url)
    else:
        files = activity_files(folder, args.records)
        make_vault(vault, args.database_url, TWENTY)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    register = (TWENTY if len(files) > 1 else REGISTER).name
    print(
        f"{backend}, {os.cpu_count()} CPUs, {args.records:,} records over {len(files)} "
        f"activit{'ies' if len(files) > 1 else 'y'} ({register})"
    )
    import_files(args, folder, vault, files)
    return vault


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", "--subjects", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, choices=(1, 20), default=20)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is recreated)")
    parser.add_argument("--folder", type=Path, help="where to put the files and the vault")
    parser.add_argument("--batch", type=int, help="records per batch (default: the command's)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="SQLite: keep a copy of the imported vault in the folder and start from it next time",
    )
    args = parser.parse_args()
    folder = (args.folder or Path(tempfile.mkdtemp(prefix="kluis-retention-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    build_vault(args, folder)
    vault = folder / "vault"

    elapsed, cpu, output = kluis(vault, "retention", "plan", "--at", DAY, "--format", "json")
    plan = json.loads(output)
    due, records = plan["due"], sum(entry["records"] for entry in plan["activities"])
    print(
        f"  plan:    {records / elapsed:>9,.0f} records/s ({records:,} records in "
        f"{elapsed:.2f} s, CPU {cpu:.2f} s, startup included): {due:,} due"
    )

    batch = ["--batch", str(args.batch)] if args.batch else []
    elapsed, cpu, output = kluis(
        vault, "retention", "run", "--at", DAY, *batch, "--format", "json"
    )  # fmt: skip
    (run,) = json.loads(output)
    erased = sum(sum(actions.values()) for actions in run["counts"].values())
    if erased != due:
        raise SystemExit(f"the run erased {erased} records, the plan said {due}")
    anonymised = sum(actions.get("anonymize", 0) for actions in run["counts"].values())
    print(
        f"  run:     {erased / elapsed:>9,.0f} records/s ({erased:,} records, {anonymised:,} of "
        f"them anonymised, {run['subjects_erased']:,} people shredded, in {elapsed:.1f} s, "
        f"CPU {cpu:.1f} s: {cpu / erased * 1e6:.0f} µs per record)"
    )
    elapsed, _cpu_time, output = kluis(vault, "retention", "plan", "--at", DAY, "--format", "json")
    print(f"  plan:    {elapsed:.2f} s afterwards: {json.loads(output)['due']} due")
    elapsed, _cpu_time, output = kluis(vault, "retention", "run", "--at", DAY, "--format", "json")
    print(f"  rerun:   {elapsed:.2f} s, erased {json.loads(output)[0]['counts'] or 'nothing'}")
    print(f"  (load average now {os.getloadavg()[0]:.1f})")
    if not args.folder:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
