"""How fast retention plans and runs: the plan's time, and records erased per second.

Makes a vault of ``--subjects`` candidates with ``kluis import`` (the file of
``bench/import_bench.py``: each candidate's selection ended on a day of October 2026, kept
two years by the vault test register), then, as a user would:

- ``kluis retention plan --at 2028-10-15 --format json``: about half the records due;
- ``kluis retention run --at 2028-10-15``: erases them, each with its audit entry, the
  people left without a record crypto-shredded (their key first, in a transaction of its
  own), in batches of ``--batch``;
- the plan again, and a second run, which finds nothing to do.

Prints wall time, CPU time and, for the run, records per second.

    .venv/bin/python bench/retention_bench.py [--subjects 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
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

from import_bench import IMPORTER, KLUIS, make_vault, run_import, write_file

DAY = "2028-10-15"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is recreated)")
    parser.add_argument("--folder", type=Path, help="where to put the file and the vault")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    folder = (args.folder or Path(tempfile.mkdtemp(prefix="kluis-retention-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"candidates-{args.subjects}.csv"
    if not data.exists():
        write_file(data, args.subjects)
    vault = folder / "vault"
    make_vault(vault, args.database_url)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}, {os.cpu_count()} CPUs, {args.subjects:,} subjects")
    elapsed, _cpu_time, _line = run_import(vault, data, [])
    print(f"  import:  {elapsed:.1f} s")

    elapsed, cpu, output = kluis(vault, "retention", "plan", "--at", DAY, "--format", "json")
    plan = json.loads(output)
    due = plan["due"]
    print(f"  plan:    {elapsed:.2f} s (CPU {cpu:.2f} s, startup included): {due:,} records due")

    elapsed, cpu, output = kluis(
        vault, "retention", "run", "--at", DAY, "--batch", str(args.batch), "--format", "json"
    )
    (run,) = json.loads(output)
    erased = sum(sum(actions.values()) for actions in run["counts"].values())
    if erased != due:
        raise SystemExit(f"the run erased {erased} records, the plan said {due}")
    print(
        f"  run:     {erased / elapsed:>7,.0f} records/s ({erased:,} erased and "
        f"{run['subjects_erased']:,} people shredded in {elapsed:.1f} s, CPU {cpu:.1f} s)"
    )
    elapsed, _cpu_time, output = kluis(vault, "retention", "plan", "--at", DAY, "--format", "json")
    print(f"  plan:    {elapsed:.2f} s afterwards: {json.loads(output)['due']} due")
    elapsed, _cpu_time, output = kluis(vault, "retention", "run", "--at", DAY, "--format", "json")
    print(f"  rerun:   {elapsed:.2f} s, erased {json.loads(output)[0]['counts'] or 'nothing'}")
    if not args.folder:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
