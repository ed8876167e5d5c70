"""How fast an access request is answered: the time to assemble one person's access
package, in milliseconds (median, p95, p99).

Makes the vault of ``bench/retention_bench.py`` (``--records`` records over twenty activities,
or the candidates of the vault test register with ``--activities 1``; ``--keep`` reuses an
import kept by either bench in the same ``--folder``), files ``--requests`` access requests
for random people of it (by e-mail, untimed), then answers them one by one in this process,
as ``kluis request answer`` does for one: open a transaction, read the acting user (the DPO),
build a keyring, call :func:`kluis.subject_requests.access_package` (the request, every
record of the person decrypted and audited, the consent history, the register), commit.
In-process, so that the figures are the assembly and not Python's start. A few requests
are answered untimed first, as a running process would have.

Prints three lines: the whole answer (the target: under 50 ms), the service call alone, and
rendering the answer's data (``access_json``) and its HTML letter, which the command does
after the transaction; the PDF letter (WeasyPrint) is not timed.

    .venv/bin/python bench/request_bench.py [--records 1000000] [--activities 20|1]
        [--requests 300] [--database-url URL] [--folder DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import IMPORTER, NOW, candidate
from retention_bench import build_vault
from sqlalchemy import Engine

from kluis.crypto import KeyProvider, LocalKeyProvider, read_key_file
from kluis.documents import DocumentFormat, access_json, render_access_answer
from kluis.storage import current_revision, head_revision, make_engine, transaction, upgrade
from kluis.subject_requests import Channel, Kind, access_package, file_request
from kluis.users import actor_for
from kluis.vault import Keyring, ValueKind

WARMUP = 20
#: When the requests are filed and answered (a day after the import's records were made).
AT = NOW + timedelta(days=1)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _line(label: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (
        f"  {label:<22} p50 {statistics.median(ms):6.1f} ms   p95 {_percentile(ms, 0.95):6.1f} ms"
        f"   p99 {_percentile(ms, 0.99):6.1f} ms   max {max(ms):6.1f} ms"
    )


def _people(records: int, activities: int) -> int:
    """How many people the bench vault holds (numbered from 0)."""
    if activities == 1:
        return records
    per_activity = records // activities
    return (activities - 1) * (per_activity * 4 // 5) + per_activity


def _file_requests(args: argparse.Namespace, vault: Path) -> tuple[list[int], Engine, KeyProvider]:
    """File the access requests (untimed): their numbers, the engine and the key provider."""
    settings = tomllib.loads((vault / "kluis.toml").read_text(encoding="utf-8"))
    engine = make_engine(settings["database_url"])
    if current_revision(engine) != head_revision():  # a vault kept from an older Kluis
        upgrade(engine)
    provider = LocalKeyProvider(read_key_file(vault / "kluis.key"))
    rng = random.Random(args.seed)
    people = rng.sample(range(_people(args.records, args.activities)), WARMUP + args.requests)
    ids = []
    with transaction(engine) as session:
        actor = actor_for(session, IMPORTER)
        for number in people:
            filed = file_request(
                session,
                Keyring(provider),
                actor,
                kind=Kind.access,
                channel=Channel.email,
                language="en",
                identifiers={ValueKind.email: candidate(number)[1]},
                at=AT,
            )
            ids.append(filed.id)
    return ids, engine, provider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, choices=(1, 20), default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (it is recreated)")
    parser.add_argument("--folder", type=Path, help="where to put the files and the vault")
    parser.add_argument(
        "--keep", action="store_true", help="SQLite: reuse (or keep) the imported vault"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    folder = (args.folder or Path(tempfile.mkdtemp(prefix="kluis-request-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    vault = build_vault(args, folder)
    ids, engine, provider = _file_requests(args, vault)
    whole, service, rendering, records = [], [], [], 0
    for number, request_id in enumerate(ids):
        started = time.perf_counter()
        with transaction(engine) as session:
            actor = actor_for(session, IMPORTER)
            called = time.perf_counter()
            package = access_package(session, Keyring(provider), actor, request_id, at=AT)
            returned = time.perf_counter()
        ended = time.perf_counter()
        access_json(package)
        render_access_answer(
            package, format=DocumentFormat.html, language=package.language, today=AT.date()
        )
        rendered = time.perf_counter()
        if package.subject_id is None or not package.records:
            raise SystemExit(f"request {request_id} found no one: the bench vault is not complete")
        if number < WARMUP:
            continue
        records += len(package.records)
        whole.append(ended - started)
        service.append(returned - called)
        rendering.append(rendered - ended)
    engine.dispose()
    print(f"  {args.requests} access requests, {records / args.requests:.2f} records per person:")
    print(_line("answer (transaction)", whole))
    print(_line("access_package alone", service))
    print(_line("JSON and HTML letter", rendering))
    print(f"  (load average now {os.getloadavg()[0]:.1f})")
    if not args.folder:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
