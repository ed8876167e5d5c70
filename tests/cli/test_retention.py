"""``kluis retention plan``: the plan as a table and as JSON, as on a given day; the DPO or
an administrator only; a bad date named."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.versions import save_version
from kluis.retention.models import RetentionRun
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, write_records
from kluis.vault.models import Record, Subject, SubjectKey
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import DPO_ACTOR, VAULT_REGISTER

KLUIS = Path(sys.executable).with_name("kluis")


def _candidates(home: VaultHome, clock: FixedClock) -> None:
    items = [
        RecordInput(
            {"name": "Kandidaat A", "email": "a@example.be"}, {"selection_end": "2024-05-01"}
        ),
        RecordInput(
            {"name": "Kandidaat B", "email": "b@example.be"}, {"selection_end": "2026-10-15"}
        ),
        RecordInput({"name": "Kandidaat C", "email": "c@example.be"}),
    ]
    with transaction(home.engine) as session:
        ring = Keyring(LocalKeyProvider(home.keys))
        write_records(session, ring, DPO_ACTOR, "candidates", items, at=clock.now())


def test_the_plan_as_json(vault_home: VaultHome, clock: FixedClock, kluis: Kluis) -> None:
    _candidates(vault_home, clock)
    outcome = kluis("retention", "plan", "--at", "2026-12-01", "--format", "json")
    assert outcome.code == 0, outcome.stderr
    plan = json.loads(outcome.stdout)
    assert (plan["at"], plan["due"], plan["fiscal_year_end"]) == ("2026-12-01", 1, "12-31")
    candidates = next(a for a in plan["activities"] if a["activity"] == "candidates")
    assert candidates["records"] == 3 and candidates["due"] == 1
    assert candidates["no_due_date"] == 1 and candidates["action"] == "erase"
    assert candidates["scheduled"] == [{"month": "2028-10", "records": 1}]
    assert (candidates["keep"], candidates["after"]) == ("P2Y", "selection_end")
    assert "Kandidaat" not in outcome.stdout and "example.be" not in outcome.stdout


def test_the_plan_as_a_table(vault_home: VaultHome, clock: FixedClock, kluis: Kluis) -> None:
    _candidates(vault_home, clock)
    outcome = kluis("retention", "plan", "--at", "2028-10-16")
    assert outcome.code == 0, outcome.stderr
    assert "Retention plan as on 2028-10-16" in outcome.stdout
    assert (
        "Two years after the end of the selection procedure, then erased."
        in " ".join(outcome.stdout.split())
        or "candidates" in outcome.stdout
    )
    assert "2 record(s) are due now" in outcome.stdout


def test_only_the_dpo_or_an_administrator(vault_home: VaultHome, kluis: Kluis) -> None:
    outcome = kluis("retention", "plan", user="rik")
    assert outcome.code == 5 and "DPO or an administrator" in outcome.stderr
    assert kluis("retention", "plan", user="ada").code == 0


def test_a_bad_date_is_named(vault_home: VaultHome, kluis: Kluis) -> None:
    outcome = kluis("retention", "plan", "--at", "1 December")
    assert outcome.code == 2 and "'1 December' is not an ISO date" in outcome.stderr


def test_a_run_erases_what_is_due_and_is_listed(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis
) -> None:
    _candidates(vault_home, clock)
    outcome = kluis("retention", "run", "--at", "2026-12-01")
    assert outcome.code == 0, outcome.stderr
    assert "Retention run 1 as on 2026-12-01: candidates erased 1; 1 person(s) erased" in " ".join(
        outcome.stdout.split()
    )
    again = kluis("retention", "run", "--at", "2026-12-01", "--format", "json")
    assert json.loads(again.stdout)[0]["counts"] == {}
    runs = json.loads(kluis("retention", "runs", "--format", "json").stdout)
    assert [(run["run"], run["status"]) for run in runs] == [(2, "done"), (1, "done")]
    assert runs[1]["counts"] == {"candidates": {"erase": 1}}
    table = kluis("retention", "runs")
    assert table.code == 0 and "candidates" in table.stdout and "finished" in table.stdout


def test_holds_set_listed_and_lifted(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis
) -> None:
    _candidates(vault_home, clock)
    outcome = kluis("retention", "hold", "set", "--activity", "candidates", "--reason", "Audit 7")
    assert outcome.code == 0 and "Legal hold 1 set." in outcome.stdout, outcome.stderr
    run = kluis("retention", "run", "--at", "2026-12-01")
    assert "candidates: 1 record(s) due but kept by a legal hold." in run.stdout
    holds = json.loads(kluis("retention", "hold", "list", "--format", "json").stdout)
    assert [(h["hold"], h["scope"], h["target"], h["active"]) for h in holds] == [
        (1, "activity", "candidates", True)
    ]
    assert "Audit 7" in kluis("retention", "hold", "list", "--active").stdout
    lifted = kluis("retention", "hold", "lift", "1", "--reason", "Audit closed")
    assert lifted.code == 0 and "Legal hold 1 lifted." in lifted.stdout
    assert kluis("retention", "hold", "lift", "1", "--reason", "again").code != 0
    assert "Audit 7" not in kluis("retention", "hold", "list", "--active").stdout


def test_a_hold_names_what_is_wrong(vault_home: VaultHome, kluis: Kluis) -> None:
    bad_id = kluis("retention", "hold", "set", "--subject", "not-an-id", "--reason", "x")
    assert bad_id.code == 2 and "--subject takes an id" in bad_id.stderr
    no_reason = kluis("retention", "hold", "set", "--activity", "candidates")
    assert no_reason.code != 0 and "needs a reason" in no_reason.stderr
    unknown = kluis("retention", "hold", "set", "--activity", "nope", "--reason", "x")
    assert unknown.code != 0 and "no activity 'nope'" in unknown.stderr


def test_renewals_listed_and_done(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    text = VAULT_REGISTER.read_text(encoding="utf-8").replace(
        "retention: {keep: P2Y, after: selection_end, then: erase}",
        "retention: {keep: P2Y, after: selection_end, then: erase, renew: P2Y}",
    )
    path = tmp_path / "register.yaml"
    path.write_text(text, encoding="utf-8")
    with transaction(vault_home.engine) as session:
        loaded = load_register(path)
        save_version(session, loaded.register, author="t", origin="r", changes=[], at=clock.now())
    _candidates(vault_home, clock)
    listed = kluis("retention", "renewals", "--at", "2028-09-01", "--format", "json")
    assert listed.code == 0, listed.stderr
    (due,) = json.loads(listed.stdout)
    assert (due["activity"], due["due"], due["renewals"]) == ("candidates", "2028-10-16", 0)
    done = kluis("retention", "renew", due["record"], "--reason", "Agreed on the phone")
    assert done.code == 0, done.stderr
    assert "renewed (1 renewal(s)); it is now kept until 2030-10-15" in " ".join(
        done.stdout.split()
    )
    bad = kluis("retention", "renew", "nope", "--reason", "x")
    assert bad.code == 2 and "RECORD takes an id" in bad.stderr


def _records_left(home: VaultHome) -> int:
    """How many records the vault holds, read without taking the write lock."""
    engine = home.engine
    if engine.dialect.name == "sqlite":
        database = Path(str(engine.url.database)).as_uri() + "?mode=ro"
        with closing(sqlite3.connect(database, uri=True)) as connection:
            (left,) = connection.execute("SELECT count(*) FROM record").fetchone()
        return int(left)
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(Record)).scalar_one())


def test_a_run_killed_at_random_points_completes_on_rerun(
    vault_home: VaultHome, clock: FixedClock
) -> None:
    """SIGKILL at random moments, then run again: every due record erased exactly once, in
    one run, and nothing else touched."""
    due, kept = 800, 200
    items = [
        RecordInput(
            {"name": f"Kandidaat {n}", "email": f"k{n}@example.be"},
            {"selection_end": "2024-05-01" if n < due else "2026-10-15"},
        )
        for n in range(due + kept)
    ]
    with transaction(vault_home.engine) as session:
        ring = Keyring(LocalKeyProvider(vault_home.keys))
        write_records(session, ring, DPO_ACTOR, "candidates", items, at=clock.now())
    command = [str(KLUIS), "retention", "run", "--at", "2026-12-01", "--batch", "15"]
    rng = random.Random(20261201)
    kills = 0
    ended: list[tuple[int, str]] = []
    for target in sorted(rng.sample(range(50, 650), 5)):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if due + kept - _records_left(vault_home) >= target:
                time.sleep(rng.uniform(0, 0.02))
                break
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        _, stderr = process.communicate()
        if process.returncode != -signal.SIGKILL:
            ended.append((process.returncode, stderr.decode()[-2000:]))
    assert kills == 5, ended
    assert kept < _records_left(vault_home) < due + kept
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert _records_left(vault_home) == kept
    with Session(vault_home.engine) as session:
        runs = session.execute(select(RetentionRun)).scalars().all()
        assert [(run.status, run.counts) for run in runs] == [
            ("done", {"candidates": {"erase": due}})
        ]
        erased = (
            session.execute(
                select(AuditEntry.record_id).where(AuditEntry.action == "retention_erase")
            )
            .scalars()
            .all()
        )
        assert len(erased) == len(set(erased)) == due
        assert session.execute(select(func.count()).select_from(Subject)).scalar_one() == kept
        assert session.execute(select(func.count()).select_from(SubjectKey)).scalar_one() == kept
        assert verify(session).intact


def test_reviews_listed_and_decided(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    changed = tmp_path / "reviewed.yaml"
    changed.write_text(
        VAULT_REGISTER.read_text(encoding="utf-8").replace(
            "after: selection_end, then: erase}", "after: selection_end, then: erase, review: P6M}"
        ),
        encoding="utf-8",
    )
    with transaction(vault_home.engine) as session:
        save_version(session, load_register(changed).register, author="test", origin="test",
                     changes=[], at=clock.now())  # fmt: skip
        written = write_records(
            session, Keyring(LocalKeyProvider(vault_home.keys)), DPO_ACTOR, "candidates",
            [RecordInput({"email": f"r{n}@example.be"}, {"collected": "2025-01-10"}) for n in (1, 2)],
            at=clock.now(),
        )  # fmt: skip
    first, second = (str(outcome.record_id) for outcome in written)  # type: ignore[union-attr]
    listed = json.loads(kluis("retention", "reviews", "--format", "json").stdout)
    assert sorted(item["record"] for item in listed) == sorted([first, second])
    assert listed[0]["due"] == "2025-07-10"
    both = kluis("retention", "review", first, "--keep", "--erase", "--reason", "x")
    assert both.code == 2 and "exactly one of --keep or --erase" in both.stderr
    kept = kluis("retention", "review", first, "--keep", "--reason", "still in a procedure")
    assert kept.code == 0, kept.stderr
    assert "1 kept until their next review" in " ".join(kept.stdout.split())
    erased = kluis("retention", "review", second, "--erase", "--reason", "no longer needed")
    assert "1 erased" in " ".join(erased.stdout.split())
    assert json.loads(kluis("retention", "reviews", "--format", "json").stdout) == []
    with Session(vault_home.engine) as session:
        assert session.get(Record, uuid.UUID(second)) is None
        assert session.get(Record, uuid.UUID(first)) is not None
