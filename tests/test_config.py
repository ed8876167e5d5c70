"""Settings: kluis.toml in the folder, KLUIS_* variables over it, precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kluis.config import CONFIG_NAME, default_database_url, load_settings, render_config
from kluis.core.errors import InvalidInput


def _toml(folder: Path, text: str) -> Path:
    path = folder / CONFIG_NAME
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_files_in_the_folder(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"KLUIS_USER": "ada"})
    assert settings.folder == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{(tmp_path.resolve() / 'kluis.db').as_posix()}"
    assert settings.key_file == tmp_path.resolve() / "kluis.key"
    assert settings.backup_folder == tmp_path.resolve() / "backups"
    assert settings.key_backup_days == 30
    assert settings.user == "ada"
    assert settings.config_file == tmp_path.resolve() / CONFIG_NAME


def test_the_folder_comes_from_kluis_home(tmp_path: Path) -> None:
    settings = load_settings(None, {"KLUIS_HOME": str(tmp_path)})
    assert settings.folder == tmp_path.resolve()


def test_the_file_sets_and_variables_override(tmp_path: Path) -> None:
    _toml(
        tmp_path,
        'database_url = "postgresql://kluis@db/kluis"\n'
        'key_file = "secret/kluis.key"\n'
        'backup_folder = "/srv/backups"\n'
        "key_backup_days = 14\n"
        'user = "dora"\n',
    )
    from_file = load_settings(tmp_path, {})
    assert from_file.database_url == "postgresql://kluis@db/kluis"
    assert from_file.key_file == tmp_path.resolve() / "secret" / "kluis.key"
    assert from_file.backup_folder == Path("/srv/backups")
    assert from_file.key_backup_days == 14
    assert from_file.user == "dora"
    environ = {
        "KLUIS_DATABASE_URL": "postgresql://other@db/other",
        "KLUIS_KEY_FILE": "/etc/kluis/kluis.key",
        "KLUIS_BACKUP_FOLDER": "elsewhere",
        "KLUIS_KEY_BACKUP_DAYS": "7",
        "KLUIS_USER": "ada",
    }
    overridden = load_settings(tmp_path, environ)
    assert overridden.database_url == "postgresql://other@db/other"
    assert overridden.key_file == Path("/etc/kluis/kluis.key")
    assert overridden.backup_folder == tmp_path.resolve() / "elsewhere"
    assert overridden.key_backup_days == 7
    assert overridden.user == "ada"
    # An empty variable does not override.
    assert load_settings(tmp_path, {"KLUIS_USER": ""}).user == "dora"


def test_bad_toml_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'database_url = "sqlite:///kluis.db"\nkey_file = \n')
    with pytest.raises(InvalidInput) as caught:
        load_settings(tmp_path, {})
    message = str(caught.value)
    assert str(path) in message
    assert "not valid TOML" in message
    assert "line 2" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_bytes(b'user = "\xff"\n')
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_settings(tmp_path, {})


@pytest.mark.parametrize("text", ['databse_url = "x"\n', "[server]\nport = 1\n"])
def test_an_unknown_setting_is_refused_by_name(tmp_path: Path, text: str) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(InvalidInput) as caught:
        load_settings(tmp_path, {})
    message = str(caught.value)
    assert str(path) in message
    assert text.split(maxsplit=1)[0].strip("[]") in message
    assert "database_url" in message  # the known settings are listed


@pytest.mark.parametrize("relative", ["kluis.db", "data/vault.db", "sub/../other.db"])
def test_a_relative_sqlite_url_is_resolved_against_the_folder(
    tmp_path: Path, relative: str
) -> None:
    _toml(tmp_path, f'database_url = "sqlite:///{relative}"\n')
    settings = load_settings(tmp_path, {})
    assert settings.database_url == f"sqlite:///{(tmp_path.resolve() / relative).as_posix()}"


def test_a_folder_named_like_the_database_does_not_confuse_the_url(tmp_path: Path) -> None:
    folder = tmp_path / "kluis.db.d"
    folder.mkdir()
    _toml(folder, 'database_url = "sqlite:///data.db"\n')
    settings = load_settings(folder, {})
    assert settings.database_url == f"sqlite:///{(folder.resolve() / 'data.db').as_posix()}"


def test_a_relative_sqlite_url_with_a_driver_is_resolved_too(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"KLUIS_DATABASE_URL": "sqlite+pysqlite:///vault.db"})
    assert settings.database_url == (
        f"sqlite+pysqlite:///{(tmp_path.resolve() / 'vault.db').as_posix()}"
    )


def test_an_absolute_sqlite_url_is_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'elsewhere' / 'k.db').as_posix()}"
    assert load_settings(tmp_path, {"KLUIS_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize("days", ["0", "-3"])
def test_key_backup_days_must_be_at_least_one(tmp_path: Path, days: str) -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        load_settings(tmp_path, {"KLUIS_KEY_BACKUP_DAYS": days})


@pytest.mark.parametrize("text", ['key_backup_days = "a week"\n', "key_backup_days = 1.5\n"])
def test_key_backup_days_must_be_a_whole_number(tmp_path: Path, text: str) -> None:
    _toml(tmp_path, text)
    with pytest.raises(InvalidInput, match="whole number of days"):
        load_settings(tmp_path, {})


def test_key_backup_days_of_one_is_accepted(tmp_path: Path) -> None:
    assert load_settings(tmp_path, {"KLUIS_KEY_BACKUP_DAYS": "1"}).key_backup_days == 1


def test_a_path_setting_must_be_text(tmp_path: Path) -> None:
    _toml(tmp_path, "key_file = 12\n")
    with pytest.raises(InvalidInput, match="'key_file' must be a path"):
        load_settings(tmp_path, {})


def test_the_rendered_config_reads_back_to_the_same_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"KLUIS_KEY_BACKUP_DAYS": "9", "KLUIS_USER": "ada"})
    text = render_config(settings)
    assert 'database_url = "sqlite:///kluis.db"' in text  # relative: the folder can move
    _toml(tmp_path, text)
    assert load_settings(tmp_path, {"KLUIS_USER": "ada"}) == settings


def test_the_rendered_config_keeps_a_key_file_outside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    folder.mkdir()
    environ = {
        "KLUIS_KEY_FILE": str(tmp_path / "secure" / "kluis.key"),
        "KLUIS_BACKUP_FOLDER": str(tmp_path / "offsite"),
        "KLUIS_DATABASE_URL": "postgresql://kluis@db/kluis",
        "KLUIS_USER": "ada",
    }
    settings = load_settings(folder, environ)
    _toml(folder, render_config(settings))
    again = load_settings(folder, {"KLUIS_USER": "ada"})
    assert again == settings


def test_default_database_url_is_an_absolute_sqlite_file(tmp_path: Path) -> None:
    assert default_database_url(tmp_path) == f"sqlite:///{tmp_path.as_posix()}/kluis.db"


def test_an_outbox_stands_in_for_an_smtp_server(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"KLUIS_MAIL_OUTBOX": "outbox"})
    assert settings.smtp is not None
    assert settings.smtp.outbox == tmp_path / "outbox"
    with_server = load_settings(
        tmp_path, environ={"KLUIS_MAIL_OUTBOX": "outbox", "KLUIS_SMTP_HOST": "mail.example.be"}
    )
    assert with_server.smtp is not None and with_server.smtp.outbox is None
    assert load_settings(tmp_path, environ={}).smtp is None
