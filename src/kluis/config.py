"""Settings: a ``kluis.toml`` in the working folder, overridden by ``KLUIS_*`` variables.

Nothing is read at import time; the interfaces call :func:`load_settings` at their start.

| setting | variable | default |
|---|---|---|
| ``database_url`` | ``KLUIS_DATABASE_URL`` | ``sqlite:///<folder>/kluis.db`` |
| ``key_file`` | ``KLUIS_KEY_FILE`` | ``<folder>/kluis.key`` |
| ``backup_folder`` | ``KLUIS_BACKUP_FOLDER`` | ``<folder>/backups`` |
| ``key_backup_days`` | ``KLUIS_KEY_BACKUP_DAYS`` | 30 |
| ``user`` | ``KLUIS_USER`` | the login name of the operating system |
| ``public_url`` | ``KLUIS_PUBLIC_URL`` | ``http://127.0.0.1:8000`` (links in e-mails) |
| ``smtp_host`` | ``KLUIS_SMTP_HOST`` | none: e-mail is not sent, and the web says so |
| ``smtp_port`` | ``KLUIS_SMTP_PORT`` | 587 |
| ``smtp_security`` | ``KLUIS_SMTP_SECURITY`` | ``starttls`` (or ``tls``, ``none``) |
| ``smtp_user`` / ``smtp_password`` | ``KLUIS_SMTP_USER`` / ``KLUIS_SMTP_PASSWORD`` | none |
| ``mail_from`` | ``KLUIS_MAIL_FROM`` | the register's privacy contact |
| ``mail_outbox`` | ``KLUIS_MAIL_OUTBOX`` | none; without ``smtp_host``, a folder e-mail is written to as .eml files |
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
_KEYS: Final = (
    "database_url",
    "key_file",
    "backup_folder",
    "key_backup_days",
    "user",
    "public_url",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_password",
    "mail_from",
    "mail_outbox",
)
SMTP_SECURITY: Final = ("starttls", "tls", "none")
#: An SQLite URL with a file path (``sqlite:///kluis.db``, ``sqlite+pysqlite:///data/k.db``).
_SQLITE_URL: Final = re.compile(r"^(?P<scheme>sqlite(?:\+\w+)?):///(?P<path>[^:].*)$")


@dataclass(frozen=True)
class Smtp:
    """Where e-mail is sent from: an SMTP server and the sender's address."""

    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    sender: str | None = None
    #: Instead of a server: a folder each message is written to as an .eml file.
    outbox: Path | None = None


@dataclass(frozen=True)
class Settings:
    """Where Kluis keeps its data and keys, and who is acting."""

    folder: Path
    database_url: str
    key_file: Path
    backup_folder: Path
    key_backup_days: int
    user: str
    public_url: str = "http://127.0.0.1:8000"
    smtp: Smtp | None = None

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
    public_url = str(values.get("public_url") or "http://127.0.0.1:8000").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise InvalidInput("setting 'public_url' must start with http:// or https://")
    return Settings(
        folder=base,
        database_url=url,
        key_file=path("key_file", base / "kluis.key"),
        backup_folder=path("backup_folder", base / "backups"),
        key_backup_days=days,
        user=str(user),
        public_url=public_url,
        smtp=_smtp(
            values, path("mail_outbox", base / "outbox") if values.get("mail_outbox") else None
        ),
    )


def _text(values: Mapping[str, object], name: str) -> str | None:
    value = values.get(name)
    return str(value) if value else None


def _smtp(values: Mapping[str, object], outbox: Path | None) -> Smtp | None:
    host = values.get("smtp_host")
    if not host:
        if outbox is None:
            return None
        return Smtp(
            host="", port=0, security="none", sender=_text(values, "mail_from"), outbox=outbox
        )
    try:
        port = int(str(values.get("smtp_port", 587)))
    except ValueError:
        raise InvalidInput("setting 'smtp_port' must be a port number") from None
    if not 0 < port < 65536:
        raise InvalidInput("setting 'smtp_port' must be a port number")
    security = str(values.get("smtp_security") or "starttls")
    if security not in SMTP_SECURITY:
        raise InvalidInput(
            "setting 'smtp_security' must be one of {known}", known=", ".join(SMTP_SECURITY)
        )

    return Smtp(
        host=str(host),
        port=port,
        security=security,
        user=_text(values, "smtp_user"),
        password=_text(values, "smtp_password"),
        sender=_text(values, "mail_from"),
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
