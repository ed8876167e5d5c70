"""A working folder with a Kluis vault, for the vault commands: settings, key file, a
migrated database with the vault test register applied and one user per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kluis.cli import context as cli_context
from kluis.cli.main import build_app
from kluis.config import Settings, load_settings
from kluis.core.clock import FixedClock
from kluis.crypto import KeyMaterial, write_key_file
from kluis.storage import make_engine, transaction
from tests.conftest import DPO_ACTOR, apply_vault_register


@dataclass(frozen=True)
class VaultHome:
    """A folder holding a vault, and how to reach it."""

    folder: Path
    settings: Settings
    engine: Engine
    keys: KeyMaterial


@pytest.fixture
def vault_home(
    tmp_path: Path,
    engine: Engine,
    database_url: str,
    key_material: KeyMaterial,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[VaultHome]:
    """A vault in a folder of its own; commands run there as the DPO unless KLUIS_USER says."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "kluis.toml").write_text(
        f'database_url = "{database_url}"\nkey_file = "kluis.key"\n', encoding="utf-8"
    )
    write_key_file(folder / "kluis.key", key_material)
    with transaction(engine) as session:
        apply_vault_register(session, clock.now())
    monkeypatch.setenv("KLUIS_HOME", str(folder))
    monkeypatch.setenv("KLUIS_USER", DPO_ACTOR.name)
    monkeypatch.delenv("KLUIS_DATABASE_URL", raising=False)
    monkeypatch.delenv("KLUIS_KEY_FILE", raising=False)
    yield VaultHome(folder, load_settings(folder), engine, key_material)


@pytest.fixture
def cli_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Engine]]:
    """The engines commands open during a test, disposed at its end as a process exit would."""
    opened: list[Engine] = []

    def tracked(raw_url: str, **options: Any) -> Engine:
        built = make_engine(raw_url, **options)
        opened.append(built)
        return built

    monkeypatch.setattr(cli_context, "make_engine", tracked)
    yield opened
    for built in opened:
        built.dispose()


@dataclass(frozen=True)
class Outcome:
    """What a run of the command gave."""

    code: int
    stdout: str
    stderr: str


Kluis = Callable[..., Outcome]


@pytest.fixture
def kluis(vault_home: VaultHome, cli_engines: list[Engine]) -> Kluis:
    """Run ``kluis`` in the vault's folder, as ``user`` (default: the DPO), messages in English,
    with ``input`` typed at its prompts."""
    runner = CliRunner()

    def run(*args: str, user: str | None = None, input: str | None = None) -> Outcome:
        env = {"KLUIS_USER": user} if user else None
        result = runner.invoke(build_app("en"), list(args), env=env, input=input)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run
