"""``kluis import``: columns, notices and the report; and an import killed at random points
and run again, which must end with every row in exactly once."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.cli.main import build_app
from kluis.vault.models import Identifier, ImportJob, ImportRefusal, Record, Subject, SubjectKey
from tests.cli.conftest import VaultHome

runner = CliRunner()
KLUIS = Path(sys.executable).with_name("kluis")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build_app("en"), [*args])
    return result.exit_code, result.stdout, result.stderr


def _people(path: Path, count: int, *, bad_every: int = 0, encoding: str = "utf-8") -> int:
    """A file of ``count`` candidates; every ``bad_every``-th has a malformed e-mail."""
    lines = ["Naam;Email;Telefoon;Einde;Opmerking"]
    bad = 0
    for n in range(count):
        email = f"person.{n}@example.be"
        if bad_every and n % bad_every == bad_every - 1:
            email, bad = f"person.{n}.example.be", bad + 1
        lines.append(f"Désirée {n};{email};+32 470 {n // 10000:02d} {n % 10000:04d};1/10/2026;x")
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return bad


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


ARGS = ("--map", "naam=name", "--map", "Telefoon=phone", "--map", "einde=selection_end")


def test_import_maps_ignores_and_reports_counts(vault_home: VaultHome, tmp_path: Path) -> None:
    path = tmp_path / "kandidaten.csv"
    bad = _people(path, 40, bad_every=10)
    code, stdout, stderr = invoke(
        "import", str(path), "--activity", "candidates", *ARGS, "--ignore", "opmerking"
    )
    assert code == 0, stderr
    assert "36 created, 0 updated, 0 unchanged, 4 refused" in stdout
    assert bad == 4
    assert "Email" in stdout and "not a valid" in stdout
    assert "example.be" not in stdout  # the refused values are never shown
    code, stdout, _ = invoke(
        "import", str(path), "-a", "candidates", *ARGS, "--ignore", "Opmerking", "-f", "json"
    )
    assert code == 0
    report = json.loads(stdout)
    assert (report["created"], report["unchanged"], report["refused"]) == (0, 36, 4)
    assert [r["row"] for r in report["refusals"]] == [11, 21, 31, 41]
    assert {r["column"] for r in report["refusals"]} == {"Email"}
    assert {r["reason"] for r in report["refusals"]} == {
        "field 'email' of activity 'candidates': not a valid e-mail address"
    }


def test_unknown_columns_stop_the_import_before_any_row(
    vault_home: VaultHome, tmp_path: Path
) -> None:
    path = tmp_path / "kandidaten.csv"
    _people(path, 3)
    code, _, stderr = invoke("import", str(path), "--activity", "candidates", *ARGS)
    assert code == 2
    assert "'Opmerking'" in stderr and "--ignore" in stderr
    with Session(vault_home.engine) as session:
        assert _count(session, ImportJob) == 0


def test_a_windows_1252_file_is_read_with_a_notice(vault_home: VaultHome, tmp_path: Path) -> None:
    path = tmp_path / "kandidaten.csv"
    _people(path, 3, encoding="cp1252")
    code, stdout, stderr = invoke(
        "import", str(path), "--activity", "candidates", *ARGS, "--ignore", "Opmerking"
    )
    assert code == 0, stderr
    assert "Windows-1252" in stderr
    assert "3 created" in stdout


def test_a_bad_map_and_a_missing_file_are_refused(vault_home: VaultHome, tmp_path: Path) -> None:
    path = tmp_path / "kandidaten.csv"
    _people(path, 1)
    code, _, stderr = invoke("import", str(path), "-a", "candidates", "--map", "naam")
    assert code == 2 and "COLUMN=FIELD" in stderr
    code, _, stderr = invoke("import", str(tmp_path / "none.csv"), "-a", "candidates")
    assert code == 3


def _rows_done(engine: Engine) -> int:
    """The job's progress, read without taking the write lock the importer needs (Kluis's
    own SQLite transactions begin IMMEDIATE, and a poller would starve the import)."""
    if engine.dialect.name == "sqlite":
        database = Path(str(engine.url.database)).as_uri() + "?mode=ro"
        with closing(sqlite3.connect(database, uri=True)) as connection:
            (done,) = connection.execute("SELECT max(rows_done) FROM import_job").fetchone()
        return int(done or 0)
    with Session(engine) as session:
        done = session.execute(select(func.max(ImportJob.rows_done))).scalar_one()
    return int(done or 0)


def test_an_import_killed_at_random_points_completes_on_rerun(
    vault_home: VaultHome, tmp_path: Path
) -> None:
    """SIGKILL at random moments, then run again: every row in exactly once."""
    path = tmp_path / "kandidaten.csv"
    rows = 2000
    bad = _people(path, rows, bad_every=97)
    command = [
        str(KLUIS),
        "import",
        str(path),
        "--activity",
        "candidates",
        *ARGS,
        "--ignore",
        "Opmerking",
        "--batch-size",
        "40",
        "--workers",
        "0",
    ]
    rng = random.Random(20261122)
    kills = 0
    ended: list[tuple[int, str]] = []  # runs that ended before their kill, and why
    # Kill points spread over the first part of the file, so that each run is still busy
    # writing when it is killed; the last run then has at least 700 rows left to do.
    for target in sorted(rng.sample(range(80, 1300), 3)):
        errors = tmp_path / f"run-{target}.err"
        with errors.open("w") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if _rows_done(vault_home.engine) >= target:
                time.sleep(rng.uniform(0, 0.02))
                break
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        if process.returncode != -signal.SIGKILL:
            ended.append((process.returncode, errors.read_text()[-2000:]))
    assert kills == 3, ended
    assert 0 < _rows_done(vault_home.engine) < rows
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    good = rows - bad
    with Session(vault_home.engine) as session:
        jobs = session.execute(select(ImportJob)).scalars().all()
        assert [(j.status, j.rows_done, j.created, j.refused) for j in jobs] == [
            ("done", rows, good, bad)
        ]
        assert _count(session, ImportRefusal) == bad
        assert _count(session, Record) == good
        assert _count(session, Subject) == good
        assert _count(session, Identifier) == 2 * good
        distinct_digests = session.execute(
            select(func.count(distinct(Identifier.digest)))
        ).scalar_one()
        assert distinct_digests == 2 * good
        keyless = session.execute(
            select(func.count())
            .select_from(Subject)
            .where(Subject.id.not_in(select(SubjectKey.subject_id)))
        ).scalar_one()
        assert keyless == 0  # no data whose key was lost
        creates = session.execute(
            select(func.count()).where(AuditEntry.action == "record_create")
        ).scalar_one()
        assert creates == good
        assert verify(session).intact
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 0
    assert f"0 created, 0 updated, {good} unchanged, {bad} refused" in again.stdout
