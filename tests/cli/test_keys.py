"""``kluis keys rotate`` and ``kluis keys status``: administrators only, resumable, audited."""

from __future__ import annotations

import json
import uuid

import pyotp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kluis.audit.models import AuditEntry
from kluis.cli.main import build_app
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider, read_key_file
from kluis.storage import transaction
from kluis.users.auth import enable_totp, new_totp_secret, set_password
from kluis.users.models import Login, User
from kluis.vault import (
    Keyring,
    RecordInput,
    rewrap_batch,
    show_subject,
    start_rotation,
    store_record,
)
from kluis.vault.models import SubjectKey
from tests.cli.conftest import VaultHome
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, RECRUITER

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build_app("en"), [*args])
    return result.exit_code, result.stdout, result.stderr


def _people(home: VaultHome, clock: FixedClock, count: int) -> list[uuid.UUID]:
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
            for n in range(count)
        ]


def _status(home: VaultHome) -> list[dict[str, object]]:
    code, stdout, stderr = invoke("keys", "status", "--format", "json")
    assert code == 0, stderr
    return list(json.loads(stdout))


@pytest.fixture
def admin(vault_home: VaultHome, monkeypatch: pytest.MonkeyPatch) -> VaultHome:
    monkeypatch.setenv("KLUIS_USER", ADMIN_ACTOR.name)
    return vault_home


def test_rotate_rewraps_everyone_and_status_shows_it(admin: VaultHome, clock: FixedClock) -> None:
    people = _people(admin, clock, 4)
    old = admin.keys.current
    assert [(s["kek"], s["keys"], s["current"]) for s in _status(admin)] == [(old, 4, True)]

    code, stdout, stderr = invoke("keys", "rotate", "--batch", "3")
    assert code == 0, stderr
    material = read_key_file(admin.folder / "kluis.key")
    assert material.current != old and old in material.keks  # kept: key copies may need it
    assert f"4 data key(s) rewrapped; every data key is now wrapped by {material.current}" in stdout
    statuses = {s["kek"]: s for s in _status(admin)}
    assert statuses[material.current]["keys"] == 4 and statuses[old]["keys"] == 0
    assert statuses[old]["retired"] is not None
    with transaction(admin.engine) as session:
        names = {
            show_subject(
                session, Keyring(LocalKeyProvider(material)), DPO_ACTOR, sid, at=clock.now()
            )
            .records[0]
            .values["name"]
            for sid in people
        }
        assert names == {f"Persoon {n}" for n in range(4)}
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.action == "keys_rotate")
        ).scalars()
        assert entry.actor == ADMIN_ACTOR.name
        assert entry.detail == {
            "kek": material.current,
            "resumed": False,
            "rewrapped": 4,
            "keys": 4,
            "forgotten": [],
            "secrets": 0,
        }


def test_rotate_completes_an_interrupted_rotation_without_a_new_kek(
    admin: VaultHome, clock: FixedClock
) -> None:
    _people(admin, clock, 3)
    key_file = admin.folder / "kluis.key"
    material = start_rotation(key_file, clock.now().date())
    with transaction(admin.engine) as session:
        assert rewrap_batch(session, LocalKeyProvider(material), size=1).count == 1
    # Stopped after one batch; status tells, and a rerun finishes under the same KEK.
    code, stdout, _ = invoke("keys", "status")
    assert code == 0 and "2 data key(s) are not yet under the current key" in stdout
    code, stdout, stderr = invoke("keys", "rotate")
    assert code == 0, stderr
    assert f"unfinished rotation to {material.current}" in stderr
    assert read_key_file(key_file).current == material.current
    with transaction(admin.engine) as session:
        assert set(session.execute(select(SubjectKey.kek_id)).scalars()) == {material.current}


def test_only_an_administrator_rotates(vault_home: VaultHome) -> None:
    before = (vault_home.folder / "kluis.key").read_bytes()
    code, _, stderr = invoke("keys", "rotate")
    assert code == 5 and "administrator" in stderr
    assert (vault_home.folder / "kluis.key").read_bytes() == before
    code, _, _ = invoke("keys", "status")
    assert code == 5


def test_rotate_rewraps_the_second_factor_secrets(admin: VaultHome, clock: FixedClock) -> None:
    """A user's second-factor secret is wrapped by the KEK as the data keys are: rotation
    rewraps it too, status counts it, and the user's codes still work."""
    secret = new_totp_secret()
    at = clock.now()
    with transaction(admin.engine) as session:
        set_password(session, DPO_ACTOR.name, "a long enough password", actor=DPO_ACTOR, at=at)
        dora = session.execute(select(User).where(User.name == DPO_ACTOR.name)).scalar_one()
        code = pyotp.TOTP(secret).at(at)
        enable_totp(session, dora, secret, code, provider=LocalKeyProvider(admin.keys), at=at)
    old = admin.keys.current
    assert [s["second_factors"] for s in _status(admin)] == [1]

    code, stdout, stderr = invoke("keys", "rotate")
    assert code == 0, stderr
    assert "1 second-factor secret(s) rewrapped." in stdout
    material = read_key_file(admin.folder / "kluis.key")
    statuses = {s["kek"]: s for s in _status(admin)}
    assert statuses[material.current]["second_factors"] == 1
    code, table, _ = invoke("keys", "status")  # 80 columns: the ids are whole all the same
    assert code == 0 and old in table and material.current in table
    assert statuses[old]["second_factors"] == 0
    with transaction(admin.engine) as session:
        login = session.execute(select(Login)).scalar_one()
        assert login.totp_kek_id == material.current
        assert login.totp_wrapped is not None and secret.encode() not in login.totp_wrapped
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.action == "keys_rotate")
        ).scalars()
        assert entry.detail["secrets"] == 1
