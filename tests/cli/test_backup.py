"""``kluis backup`` and ``kluis restore``: files apart and private, erased people stay erased,
a tampered backup is refused, administrators only."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kluis.audit.models import AuditEntry
from kluis.cli.main import build_app
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, erase_subject, store_record
from kluis.vault.models import Subject
from tests.cli.conftest import VaultHome
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(build_app("en"), [*args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def admin(vault_home: VaultHome, monkeypatch: pytest.MonkeyPatch) -> VaultHome:
    monkeypatch.setenv("KLUIS_USER", ADMIN_ACTOR.name)
    return vault_home


def _people(home: VaultHome, clock: FixedClock) -> list[uuid.UUID]:
    with transaction(home.engine) as session:
        ring = Keyring(LocalKeyProvider(home.keys))
        return [
            store_record(
                session,
                ring,
                RECRUITER,
                "candidates",
                RecordInput({"name": f"Persoon {n}", "email": f"p{n}@example.be"}),
                at=clock.now(),
            ).subject_id
            for n in range(2)
        ]


def test_backup_then_restore_after_an_erasure_reports_one_dropped(
    admin: VaultHome, clock: FixedClock, tmp_path: Path
) -> None:
    people = _people(admin, clock)
    target = tmp_path / "elsewhere"
    code, stdout, stderr = invoke("backup", "--to", str(target))
    assert code == 0, stderr
    assert "2 subject(s), 2 record(s), 2 data key(s)" in stdout
    files = [path for path in target.rglob("*") if path.is_file()]
    assert {path.relative_to(target).parts[0] for path in files} == {"data", "keys"}
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)

    with transaction(admin.engine) as session:
        erase_subject(
            session, Keyring(LocalKeyProvider(admin.keys)), DPO_ACTOR, people[0],
            reason="Art. 17", at=clock.now(),
        )  # fmt: skip
    code, _, stderr = invoke("restore", "latest", "--from", str(target), stdin="n\n")
    assert code == 1 and "Nothing was restored" in stderr
    code, stdout, stderr = invoke("restore", "latest", "--from", str(target), "--yes")
    assert code == 0, stderr
    assert "keys from the current key store" in stderr
    assert "1 subject(s) erased since the backup were dropped" in stdout
    with transaction(admin.engine) as session:
        assert session.get(Subject, people[0]) is None
        assert session.get(Subject, people[1]) is not None
        actions = list(
            session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars()
        )
        # What happened after the backup stays on record, carried over into the restored log.
        assert actions[-3:] == ["backup", "subject_erase", "backup_restore"]


def test_a_tampered_backup_is_refused(admin: VaultHome, clock: FixedClock) -> None:
    _people(admin, clock)
    code, _, stderr = invoke("backup")
    assert code == 0, stderr
    # The largest file of the data (many tables are empty, their files a few bytes).
    data = max(
        (
            p
            for p in (admin.folder / "backups" / "data").rglob("*")
            if p.suffix != ".json" and p.is_file()
        ),
        key=lambda p: p.stat().st_size,
    )
    content = bytearray(data.read_bytes())
    content[len(content) // 2] ^= 0x01
    data.write_bytes(bytes(content))
    code, _, stderr = invoke("restore", "latest", "--yes")
    assert code == 2 and "does not match its SHA-256" in stderr


def test_prune_and_rights(vault_home: VaultHome, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, stderr = invoke("backup")
    assert code == 5 and "administrator" in stderr
    assert not (vault_home.folder / "backups").exists()
    monkeypatch.setenv("KLUIS_USER", ADMIN_ACTOR.name)
    code, stdout, stderr = invoke("backup", "--prune")
    assert code == 0, stderr
    assert "0 key-store copy(ies) older than 30 days deleted" in stdout
