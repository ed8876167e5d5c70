"""Settings: a ``kluis.toml`` in the working folder, overridden by ``KLUIS_*`` variables.

Nothing is read at import time; the interfaces call :func:`load_settings` at their start.

| setting | variable | default |
|---|---|---|
| ``database_url`` | ``KLUIS_DATABASE_URL`` | ``sqlite:///<folder>/kluis.db`` |
| ``key_file`` | ``KLUIS_KEY_FILE`` | ``<folder>/kluis.key`` |
| ``backup_folder`` | ``KLUIS_BACKUP_FOLDER`` | ``<folder>/backups`` |
| ``key_backup_days`` | ``KLUIS_KEY_BACKUP_DAYS`` | 30 |
| ``user`` | ``KLUIS_USER`` | the login name of the operating system |
"""

from __future__ import annotations

import getpass
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kluis.core.errors import InvalidInput

CONFIG_NAME: Final = "kluis.toml"
_KEYS: Final = ("database_url", "key_file", "backup_folder", "key_backup_days", "user")
#: An SQLite URL with a file path (``sqlite:///kluis.db``, ``sqlite+pysqlite:///data/k.db``).
_SQLITE_URL: Final = re.compile(r"^(?P<scheme>sqlite(?:\+\w+)?):///(?P<path>[^:].*)$")


@dataclass(frozen=True)
class Settings:
    """Where Kluis keeps its data and keys, and who is acting."""

    folder: Path
    database_url: str
    key_file: Path
    backup_folder: Path
    key_backup_days: int
    user: str

    @property
    def config_file(self) -> Path:
        """The configuration file of this folder."""
        return self.folder / CONFIG_NAME


def default_database_url(folder: Path) -> str:
    """The embedded SQLite database of ``folder``."""
    return f"sqlite:///{(folder / 'kluis.db').as_posix()}"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "kluis"


def _from_file(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            "{path}: not valid TOML ({reason})", path=str(path), reason=str(error)
        ) from None
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        raise InvalidInput(
            "{path}: unknown setting '{name}'; known: {known}",
            path=str(path),
            name=unknown[0],
            known=", ".join(_KEYS),
        )
    return document


def load_settings(folder: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of ``folder`` (default: ``KLUIS_HOME`` or the working folder)."""
    env = os.environ if environ is None else environ
    base = (folder or Path(env.get("KLUIS_HOME") or Path.cwd())).resolve()
    values: dict[str, object] = _from_file(base / CONFIG_NAME)
    for name in _KEYS:
        variable = f"KLUIS_{name.upper()}"
        if env.get(variable):
            values[name] = env[variable]

    def path(name: str, default: Path) -> Path:
        raw = values.get(name)
        if raw is None:
            return default
        if not isinstance(raw, str):
            raise InvalidInput("setting '{name}' must be a path", name=name)
        candidate = Path(raw).expanduser()
        return candidate if candidate.is_absolute() else base / candidate

    days_raw = values.get("key_backup_days", 30)
    try:
        days = int(str(days_raw))
    except ValueError:
        raise InvalidInput("setting 'key_backup_days' must be a whole number of days") from None
    if days < 1:
        raise InvalidInput("setting 'key_backup_days' must be at least 1")
    url = str(values.get("database_url") or default_database_url(base))
    sqlite = _SQLITE_URL.match(url)
    if sqlite and not Path(sqlite["path"]).is_absolute():
        url = f"{sqlite['scheme']}:///{(base / sqlite['path']).as_posix()}"
    user = values.get("user") or _login()
    return Settings(
        folder=base,
        database_url=url,
        key_file=path("key_file", base / "kluis.key"),
        backup_folder=path("backup_folder", base / "backups"),
        key_backup_days=days,
        user=str(user),
    )


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` when inside it, else absolute (as set)."""
    return (path.relative_to(folder) if path.is_relative_to(folder) else path).as_posix()


def _quoted(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def render_config(settings: Settings) -> str:
    """The text of a new ``kluis.toml`` for ``settings``: paths relative to its folder."""
    database = settings.database_url
    if database == default_database_url(settings.folder):
        database = "sqlite:///kluis.db"
    key_file = _relative(settings.key_file, settings.folder)
    backup_folder = _relative(settings.backup_folder, settings.folder)
    return (
        "# Kluis settings. Each can be overridden by a KLUIS_* environment variable.\n"
        "# database_url: SQLite (a file here) or postgresql+psycopg://user@host/dbname\n"
        f"database_url = {_quoted(database)}\n"
        "# The key file: keep it private (mode 0600) and back it up apart from the data.\n"
        f"key_file = {_quoted(key_file)}\n"
        f"backup_folder = {_quoted(backup_folder)}\n"
        "# Copies of the key store are kept at most this many days; after that a person\n"
        "# erased from the vault cannot be read from any backup either.\n"
        f"key_backup_days = {settings.key_backup_days}\n"
    )
