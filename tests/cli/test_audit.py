"""``kluis audit verify`` and ``kluis audit export``: the DPO and administrators only."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from kluis.audit.models import AuditEntry, AuditHead
from kluis.storage import transaction
from tests.cli.conftest import Kluis, VaultHome


def _entries(home: VaultHome) -> int:
    with transaction(home.engine) as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


@pytest.mark.parametrize("user", ["dora", "ada"])
def test_an_intact_log_verifies(kluis: Kluis, vault_home: VaultHome, user: str) -> None:
    count = _entries(vault_home)
    assert count == 5  # one per user added by the fixture
    outcome = kluis("audit", "verify", user=user)
    assert outcome.code == 0, outcome.stderr
    assert f"The audit log is intact: {count} entries" in outcome.stdout
    with transaction(vault_home.engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        assert head.hash in outcome.stdout


def test_an_altered_entry_is_named(kluis: Kluis, vault_home: VaultHome) -> None:
    with transaction(vault_home.engine) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
    outcome = kluis("audit", "verify")
    assert outcome.code == 1
    assert "entry 3 was altered" in outcome.stderr


def test_a_removed_entry_is_named(kluis: Kluis, vault_home: VaultHome) -> None:
    with transaction(vault_home.engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    outcome = kluis("audit", "verify")
    assert outcome.code == 1
    assert "entry 2 was removed" in outcome.stderr


def test_a_removed_head_is_reported(kluis: Kluis, vault_home: VaultHome) -> None:
    with transaction(vault_home.engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
        session.execute(delete(AuditHead))
    outcome = kluis("audit", "verify")
    assert outcome.code == 1
    assert "head of the chain was removed" in outcome.stderr
    assert "from entry 5" in outcome.stderr


def test_export_as_json_lines(kluis: Kluis, vault_home: VaultHome) -> None:
    kluis("audit", "verify")  # reading the log adds nothing to it
    outcome = kluis("audit", "export")
    assert outcome.code == 0, outcome.stderr
    entries = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [entry["seq"] for entry in entries] == [1, 2, 3, 4, 5]
    assert [entry["action"] for entry in entries] == ["user_add"] * 5
    assert entries[0]["detail"] == {"user": "ada", "roles": ["admin"]}
    for before, after in itertools.pairwise(entries):
        assert after["prev_hash"] == before["hash"]


def test_export_as_csv_to_a_file(kluis: Kluis, vault_home: VaultHome, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    outcome = kluis("audit", "export", "--format", "csv", "-o", str(target), user="ada")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert list(rows[0]) == [
        "seq", "at", "actor", "action", "subject", "record", "activity", "reason", "detail",
        "prev_hash", "hash",
    ]  # fmt: skip
    assert json.loads(rows[1]["detail"]) == {"user": "dora", "roles": ["dpo"]}
    assert rows[0]["subject"] == ""


@pytest.mark.parametrize("command", ["verify", "export"])
@pytest.mark.parametrize("user", ["rik", "mark"])
def test_other_users_are_refused(kluis: Kluis, command: str, user: str) -> None:
    outcome = kluis("audit", command, user=user)
    assert outcome.code == 5
    assert "only an administrator or the DPO" in outcome.stderr
    assert outcome.stdout == ""
