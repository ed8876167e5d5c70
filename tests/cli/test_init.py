"""``kluis init``: settings, a private key file never overwritten nor shown, a private
database, and the first user."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kluis.cli.main import build_app
from kluis.config import load_settings
from kluis.crypto import KeyMaterial, read_key_file
from kluis.storage import current_revision, head_revision, make_engine, transaction
from kluis.users import list_users

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KLUIS_HOME", "KLUIS_DATABASE_URL", "KLUIS_KEY_FILE", "KLUIS_USER"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build_app("en"), [*args])
    return result.exit_code, result.stdout, result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _secrets(material: KeyMaterial) -> list[str]:
    raw = [material.index_secret, *(kek.key for kek in material.keks.values())]
    return [form for key in raw for form in (base64.b64encode(key).decode(), key.hex())]


def test_init_creates_a_vault(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    code, stdout, stderr = invoke("init", str(folder), "--user", "ada")
    assert code == 0, stderr
    assert "Vault created" in stdout
    assert (folder / "kluis.toml").is_file()
    settings = load_settings(folder, {})
    assert settings.key_file == folder.resolve() / "kluis.key"
    assert _mode(settings.key_file) == 0o600
    material = read_key_file(settings.key_file)
    for secret in _secrets(material):
        assert secret not in stdout + stderr
    files = {path.name: _mode(path) for path in folder.iterdir() if path.name.startswith("kluis")}
    assert files.keys() >= {"kluis.toml", "kluis.key", "kluis.db", "kluis-keys.db"}
    for name in ("kluis.toml", "kluis.db", "kluis-keys.db", "kluis.db-wal", "kluis.db-shm"):
        if name in files:
            assert files[name] == 0o600, name
    engine = make_engine(settings.database_url)
    try:
        assert current_revision(engine) == head_revision()
        with transaction(engine) as session:
            [user] = list_users(session)
        assert (user.name, sorted(user.roles)) == ("ada", ["admin", "dpo"])
    finally:
        engine.dispose()


def test_the_database_files_stay_private_once_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_engines: list[Engine]
) -> None:
    folder = tmp_path / "vault"
    assert invoke("init", str(folder), "--user", "ada")[0] == 0
    monkeypatch.setenv("KLUIS_HOME", str(folder))
    monkeypatch.setenv("KLUIS_USER", "ada")
    code, _, stderr = invoke("user", "add", "dora", "--role", "dpo")
    assert code == 0, stderr
    # While a connection is open the write-ahead log exists beside the database.
    engine = make_engine(load_settings(folder, {}).database_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM user_account").all()
            modes = {
                path.name: _mode(path)
                for path in folder.iterdir()
                if path.name.startswith("kluis") and ".db" in path.name
            }
    finally:
        engine.dispose()
    assert set(modes) >= {"kluis.db", "kluis-keys.db", "kluis.db-wal"}
    assert modes == dict.fromkeys(modes, 0o600)


def test_init_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    folder.mkdir()
    key = folder / "kluis.key"
    key.write_text("precious", encoding="utf-8")
    code, _, stderr = invoke("init", str(folder))
    assert code == 4
    assert "never overwritten" in stderr
    assert str(key.resolve()) in stderr
    assert key.read_text(encoding="utf-8") == "precious"
    assert not (folder / "kluis.toml").exists()
    assert not (folder / "kluis.db").exists()


def test_a_second_init_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    assert invoke("init", str(folder), "--user", "ada")[0] == 0
    before = {
        path.name: path.read_bytes()
        for path in folder.iterdir()
        if path.suffix in {".key", ".toml"}
    }
    code, _, stderr = invoke("init", str(folder), "--user", "eve")
    assert code == 4
    assert "never overwritten" in stderr
    after = {
        path.name: path.read_bytes()
        for path in folder.iterdir()
        if path.suffix in {".key", ".toml"}
    }
    assert after == before


def test_a_key_file_kept_elsewhere_is_recorded_in_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, secure = tmp_path / "vault", tmp_path / "secure"
    secure.mkdir()
    monkeypatch.setenv("KLUIS_KEY_FILE", str(secure / "vault.key"))
    assert invoke("init", str(folder), "--user", "ada")[0] == 0
    assert _mode(secure / "vault.key") == 0o600
    assert not (folder / "kluis.key").exists()
    monkeypatch.delenv("KLUIS_KEY_FILE")
    assert load_settings(folder, {}).key_file == secure / "vault.key"


def test_init_on_a_database_server(tmp_path: Path, engine: Engine, database_url: str) -> None:
    """``--database-url`` (PostgreSQL in CI; an SQLite file elsewhere otherwise)."""
    folder = tmp_path / "vault"
    code, _, stderr = invoke("init", str(folder), "--database-url", database_url, "--user", "ada")
    assert code == 0, stderr
    assert load_settings(folder, {}).database_url == database_url
    with transaction(engine) as session:
        assert [user.name for user in list_users(session)] == ["ada"]
