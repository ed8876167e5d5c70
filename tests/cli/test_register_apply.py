"""`kluis register apply` and `kluis register versions`: the plan shown, stranding refused
or resolved, confirmation, and who may apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kluis.cli import register_apply
from kluis.cli.main import build_app
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.models import RegisterVersion
from kluis.register.versions import register_content
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, store_record
from kluis.vault.models import Record
from tests.cli.conftest import VaultHome
from tests.conftest import LEDGER, MARKETING, RECRUITER, VAULT_REGISTER, consent_for

Mutate = Callable[[dict[str, Any]], None]
runner = CliRunner()


def invoke(*args: str, given: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(build_app("en"), [*args], input=given)
    return result.exit_code, result.stdout, result.stderr


def _activity(data: dict[str, Any], activity_id: str) -> dict[str, Any]:
    return next(a for a in data["activities"] if a["id"] == activity_id)


def _clean(data: dict[str, Any]) -> None:
    """The vault test register without its deliberate error (intake's national number)."""
    intake = _activity(data, "intake")
    del intake["fields"]["rrn"]
    intake["data_categories"].remove("user.government_id.national_identification_number.be_rrn")


def write(folder: Path, *mutations: Mutate, name: str = "register.yaml") -> Path:
    data = json.loads(json.dumps(register_content(load_register(VAULT_REGISTER).register)))
    for mutate in (_clean, *mutations):
        mutate(data)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add_city(data: dict[str, Any]) -> None:
    candidates = _activity(data, "candidates")
    candidates["fields"]["city"] = "user.contact.address.city"
    candidates["data_categories"].append("user.contact.address.city")


def drop_newsletter(data: dict[str, Any]) -> None:
    data["activities"].remove(_activity(data, "newsletter"))


def add_mailing(data: dict[str, Any]) -> None:
    mailing = {**_activity(data, "newsletter"), "id": "mailing"}
    drop_newsletter(data)
    data["activities"].append(mailing)


@pytest.fixture
def readers(vault_home: VaultHome, clock: FixedClock) -> int:
    """Two newsletter readers and one candidate in the vault; how many readers."""
    ring = Keyring(LocalKeyProvider(vault_home.keys))
    with transaction(vault_home.engine) as session:
        for email in ("een@example.be", "twee@example.be"):
            store_record(
                session,
                ring,
                MARKETING,
                "newsletter",
                RecordInput({"email": email}, consent=consent_for("newsletter")),
                at=clock.now(),
                consent=LEDGER,
            )
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput({"email": "kandidaat@example.be", "name": "Kandidaat"}),
            at=clock.now(),
            consent=LEDGER,
        )
    return 2


def versions(home: VaultHome) -> int:
    with transaction(home.engine) as session:
        return session.execute(select(func.count()).select_from(RegisterVersion)).scalar_one()


def records(home: VaultHome, activity: str) -> int:
    with transaction(home.engine) as session:
        return session.execute(
            select(func.count()).select_from(Record).where(Record.activity == activity)
        ).scalar_one()


def test_the_plan_is_shown_and_applied_with_yes(vault_home: VaultHome, tmp_path: Path) -> None:
    path = write(tmp_path, add_city)
    code, stdout, stderr = invoke("register", "apply", str(path), "--yes")
    assert code == 0, stderr
    assert "Plan for" in stdout
    assert "+ activity 'candidates': field 'city' added (user.contact.address.city)" in stdout
    assert "- activity 'intake': field 'rrn' removed" in stdout
    assert "Register version 2 applied" in stdout
    assert versions(vault_home) == 2


def test_a_stranding_change_is_refused_with_its_count(
    vault_home: VaultHome, readers: int, tmp_path: Path
) -> None:
    code, stdout, stderr = invoke(
        "register", "apply", str(write(tmp_path, drop_newsletter)), "--yes"
    )
    assert code == 4
    assert "- activity 'newsletter' removed → 2 record(s) stranded: refused" in stdout
    assert "1 change(s) would strand data the vault holds (2 record(s))" in stderr
    assert "--erase-orphans" in stderr
    assert versions(vault_home) == 1
    assert records(vault_home, "newsletter") == readers


def test_erase_orphans_erases_and_says_how_much(
    vault_home: VaultHome, readers: int, tmp_path: Path
) -> None:
    path = write(tmp_path, drop_newsletter)
    code, stdout, stderr = invoke("register", "apply", str(path), "--erase-orphans", "--yes")
    assert code == 0, stderr
    assert "→ 2 record(s): erased" in stdout
    assert "2 record(s) erased, 2 data subject(s) crypto-shredded" in stdout
    assert records(vault_home, "newsletter") == 0
    assert records(vault_home, "candidates") == 1


def test_map_moves_the_records(vault_home: VaultHome, readers: int, tmp_path: Path) -> None:
    path = write(tmp_path, add_mailing)
    code, stdout, stderr = invoke(
        "register", "apply", str(path), "--map", "newsletter=mailing", "-y"
    )
    assert code == 0, stderr
    assert "→ 2 record(s): moved to 'mailing'" in stdout
    assert records(vault_home, "mailing") == readers
    assert records(vault_home, "newsletter") == 0


def test_map_onto_an_activity_with_the_same_subject_is_refused(
    vault_home: VaultHome, readers: int, tmp_path: Path, clock: FixedClock
) -> None:
    ring = Keyring(LocalKeyProvider(vault_home.keys))
    with transaction(vault_home.engine) as session:
        store_record(
            session,
            ring,
            RECRUITER,
            "candidates",
            RecordInput({"email": "een@example.be"}),
            at=clock.now(),
            consent=LEDGER,
        )
    path = write(tmp_path, drop_newsletter)
    code, _, stderr = invoke("register", "apply", str(path), "--map", "newsletter=candidates", "-y")
    assert code == 4
    assert "1 data subject(s) already have a record in 'candidates'" in stderr
    assert versions(vault_home) == 1


@pytest.mark.parametrize("value", ["newsletter", "=mailing", "newsletter="])
def test_a_malformed_map_is_refused(vault_home: VaultHome, tmp_path: Path, value: str) -> None:
    code, _, stderr = invoke("register", "apply", str(write(tmp_path)), "--map", value, "-y")
    assert code == 2
    assert "--map takes OLD=NEW" in stderr


def test_an_identical_register_says_so(vault_home: VaultHome, tmp_path: Path) -> None:
    path = write(tmp_path)
    assert invoke("register", "apply", str(path), "--yes")[0] == 0
    code, stdout, _ = invoke("register", "apply", str(path), "--yes")
    assert code == 0
    assert "identical to version 2" in stdout
    assert "nothing stored" in stdout
    assert versions(vault_home) == 2


def test_dry_run_shows_the_plan_and_stores_nothing(
    vault_home: VaultHome, readers: int, tmp_path: Path
) -> None:
    path = write(tmp_path, drop_newsletter)
    code, stdout, _ = invoke("register", "apply", str(path), "--dry-run", "--erase-orphans")
    assert code == 0
    assert "- activity 'newsletter' removed → 2 record(s): erased" in stdout
    assert "Dry run: nothing stored." in stdout
    assert versions(vault_home) == 1
    assert records(vault_home, "newsletter") == readers


@pytest.mark.parametrize("user", [RECRUITER.name, MARKETING.name])
def test_only_an_administrator_or_the_dpo_may_apply(
    vault_home: VaultHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    monkeypatch.setenv("KLUIS_USER", user)
    code, stdout, stderr = invoke("register", "apply", str(write(tmp_path)), "--yes")
    assert code == 5
    assert "only an administrator or the DPO may" in stderr
    assert "Plan for" not in stdout
    assert versions(vault_home) == 1


def test_the_administrator_may_apply(
    vault_home: VaultHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLUIS_USER", "ada")
    code, _, stderr = invoke("register", "apply", str(write(tmp_path)), "--yes")
    assert code == 0, stderr
    assert versions(vault_home) == 2


def test_without_a_terminal_yes_is_required(vault_home: VaultHome, tmp_path: Path) -> None:
    code, stdout, stderr = invoke("register", "apply", str(write(tmp_path)))
    assert code == 2
    assert "Plan for" in stdout
    assert "pass --yes" in stderr
    assert versions(vault_home) == 1


@pytest.mark.parametrize(("answer", "code", "stored"), [("y\n", 0, 2), ("n\n", 1, 1)])
def test_in_a_terminal_the_user_confirms(
    vault_home: VaultHome,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    stored: int,
) -> None:
    monkeypatch.setattr(register_apply, "_interactive", lambda: True)
    exit_code, stdout, _ = invoke("register", "apply", str(write(tmp_path)), given=answer)
    assert exit_code == code
    assert "Apply this register?" in stdout
    assert versions(vault_home) == stored


def test_a_register_with_errors_is_refused(vault_home: VaultHome) -> None:
    code, stdout, stderr = invoke("register", "apply", str(VAULT_REGISTER), "--yes")
    assert code == 1
    assert "KL306" in stderr
    assert "1 error(s); nothing applied" in stderr
    assert "Plan for" not in stdout
    assert versions(vault_home) == 1


def test_versions_lists_each_version_with_its_changes(
    vault_home: VaultHome, readers: int, tmp_path: Path
) -> None:
    path = write(tmp_path, drop_newsletter)
    assert invoke("register", "apply", str(path), "--erase-orphans", "--yes")[0] == 0
    code, stdout, _ = invoke("register", "versions", "--format", "json")
    assert code == 0
    newest, first = json.loads(stdout)
    assert (newest["version"], newest["author"], first["version"]) == (2, "dora", 1)
    assert newest["summary"] == (
        "1 activity changed; 1 field removed; 1 activity removed; 2 record(s) erased"
    )
    assert [c.get("affected") for c in newest["changes"]] == [None, None, 2]
    code, stdout, _ = invoke("register", "versions")
    assert code == 0
    assert "Version" in stdout
    assert newest["content_hash"][:12] in stdout


def test_the_first_apply_on_a_new_vault_by_the_user_init_made(
    tmp_path: Path, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``engine`` is the empty database ``kluis init`` sets up (and marks this a db test)."""
    folder = tmp_path / "new"
    for name in ("KLUIS_HOME", "KLUIS_DATABASE_URL", "KLUIS_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    code, _, stderr = invoke("init", str(folder), "--user", "ilse", "--database-url", database_url)
    assert code == 0, stderr
    monkeypatch.setenv("KLUIS_HOME", str(folder))
    monkeypatch.setenv("KLUIS_USER", "ilse")
    code, stdout, stderr = invoke("register", "apply", str(write(tmp_path)), "--yes")
    assert code == 0, stderr
    assert "the first register of this vault" in stdout
    assert "+ activity 'candidates' added" in stdout
    assert "Register version 1 applied" in stdout
    code, stdout, _ = invoke("register", "versions", "--format", "json")
    [first] = json.loads(stdout)
    assert (first["version"], first["author"], first["summary"]) == (1, "ilse", "4 activity added")
