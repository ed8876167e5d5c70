"""Shared test helpers: small registers written to a temporary folder, and databases.

Database tests get a fresh, migrated database each: on SQLite a copy of a migrated file, on
PostgreSQL (``KLUIS_TEST_DATABASE_URL``) a database created from a migrated template. Tests
that use the ``engine`` fixture are marked ``db``; ``make test`` runs them on both.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import kluis.users.auth as auth
from kluis.app import create_app
from kluis.config import load_settings
from kluis.consent import ConsentLedger
from kluis.core.actor import ADMIN, DPO, Actor
from kluis.core.clock import FixedClock
from kluis.crypto import KeyMaterial, LocalKeyProvider, generate_key_material
from kluis.register.loader import load_register
from kluis.register.versions import StoredRegister, require_version, save_version
from kluis.storage import make_engine, transaction, upgrade
from kluis.users import add_user
from kluis.users.auth import set_password

FIXTURES = Path(__file__).parent / "fixtures"
VAULT_REGISTER = FIXTURES / "vault-register.yaml"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TEMPLATE_DATABASE = "kluis_test_template"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a database, so it runs again on PostgreSQL."""
    for item in items:
        if "engine" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "sqlite_files"
        ):
            item.add_marker(pytest.mark.db)


def _server_url() -> str | None:
    return os.environ.get("KLUIS_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy: a file on SQLite, a template database on PostgreSQL
    (one per test run, so that runs side by side on one server do not meet)."""
    server = _server_url()
    if server is None:
        folder = tmp_path_factory.mktemp("template")
        url = f"sqlite:///{(folder / 'kluis.db').as_posix()}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield str(folder)
        return
    name = f"{TEMPLATE_DATABASE}_{os.getpid()}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    template = make_engine(make_url(server).set(database=name).render_as_string(False))
    upgrade(template)
    template.dispose()
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database for one test."""
    server = _server_url()
    if server is None:
        for name in ("kluis.db", "kluis-keys.db"):
            shutil.copy(Path(database_template) / name, tmp_path / name)
        yield f"sqlite:///{(tmp_path / 'kluis.db').as_posix()}"
        return
    name = f"kluis_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {database_template}")
    yield make_url(server).set(database=name).render_as_string(False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's own database."""
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session in an open transaction, rolled back after the test."""
    with Session(engine, expire_on_commit=False) as opened:
        opened.begin()
        yield opened
        opened.rollback()


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing still at noon UTC on 22 November 2026."""
    return FixedClock(NOW)


@pytest.fixture
def key_material(clock: FixedClock) -> KeyMaterial:
    """Fresh random key material."""
    return generate_key_material(clock.now().date())


@pytest.fixture
def keys(key_material: KeyMaterial) -> LocalKeyProvider:
    """A key provider over the test's key material."""
    return LocalKeyProvider(key_material)


#: The vault's consent gate, as every interface passes it to the vault's writes.
LEDGER = ConsentLedger()
#: The activities of the vault test register based on consent.
CONSENT_ACTIVITIES = frozenset({"newsletter", "intake"})
#: The consent a test record of such an activity brings: given before ``NOW``.
CONSENT = {
    "consent_given": "2026-11-01",
    "consent_channel": "web_form",
    "consent_evidence": "test form",
}


def consent_for(activity: str) -> dict[str, str]:
    """The consent a test record of ``activity`` brings (none outside consent)."""
    return dict(CONSENT) if activity in CONSENT_ACTIVITIES else {}


ADMIN_ACTOR = Actor("ada", frozenset({ADMIN}))
DPO_ACTOR = Actor("dora", frozenset({DPO}))
RECRUITER = Actor("rik", frozenset({"recruiter"}))
PAYROLL = Actor("paula", frozenset({"payroll"}))
MARKETING = Actor("mark", frozenset({"marketing"}))


def apply_vault_register(session: Session, at: datetime) -> StoredRegister:
    """Store the vault test register as the applied version, with one user per role."""
    loaded = load_register(VAULT_REGISTER)
    save_version(
        session, loaded.register, author="test", origin="vault-register.yaml", changes=[], at=at
    )
    for actor in (ADMIN_ACTOR, DPO_ACTOR, RECRUITER, PAYROLL, MARKETING):
        add_user(session, actor.name, sorted(actor.roles), actor=ADMIN_ACTOR, at=at)
    return require_version(session)


@pytest.fixture
def policy(session: Session, clock: FixedClock) -> StoredRegister:
    """The vault test register applied to the test database, with one user per role."""
    return apply_vault_register(session, clock.now())


MINIMAL = """\
kluis: 1
organisation:
  name: Testbedrijf BV
  enterprise_number: BE0600995271
  address: {street: Oude Veldstraat 235, postal_code: "9080", city: Lochristi, country: BE}
  country: BE
  languages: [nl, en]
  employees: 12
  contacts:
    privacy: {name: Privacy Coordinator, email: privacy@example.be}
  rights_requests:
    email: privacy@example.be
roles:
  - id: management
    name: {nl: Directie, en: Management}
activities:
  - id: client-invoicing
    name: {nl: Facturatie, en: Invoicing}
    purposes:
      - {nl: Correct gefactureerd worden, en: Being paid correctly}
    data_subjects: [customer]
    data_categories: [user.name, user.contact.email]
    fields: {name: user.name, email: user.contact.email}
    identifiers: [email]
    legal_basis: {basis: contract}
    retention: {keep: P7Y, after: fiscal_year_end, then: erase}
    access: [management]
    security: [access_control]
"""


@pytest.fixture
def write_register(tmp_path: Path) -> Callable[[str], Path]:
    """Write a register text (dedented) to ``register.yaml`` in a temporary folder."""

    def write(text: str, name: str = "register.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


# The server ------------------------------------------------------------------------------

#: The password of every test user who signs in to the web interface.
PASSWORD = "correct horse battery staple"
SETUP_CODE = "test-setup-code"


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its cheapest parameters, so that tests signing in stay fast."""

    monkeypatch.setattr(auth, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def server(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, tmp_path: Path, cheap_hashes: None
) -> Any:
    """The Kluis server over the test database, with the vault test register applied and
    one user per role (none of whom can sign in until :func:`sign_in` gives a password)."""

    with transaction(engine) as opened:
        apply_vault_register(opened, clock.now())
    settings = load_settings(tmp_path, environ={})
    return create_app(
        settings,
        clock=clock,
        provider=keys,
        engine=engine,
        setup_code=SETUP_CODE,
        scheduler=False,
    )


@pytest.fixture
def client(server: Any) -> Iterator[Any]:
    """A browser on the server (over HTTPS, so it sends the Secure cookies back)."""

    with TestClient(server, base_url="https://testserver", follow_redirects=False) as browser:
        yield browser


@pytest.fixture
def english(client: Any) -> None:
    """The test's browser asks for English pages (tests that read the English texts)."""
    client.headers["accept-language"] = "en"


def csrf_of(client: Any) -> str:
    """The CSRF token of ``client``'s browser (opening a page first if it has none)."""
    token = client.cookies.get("kluis_csrf")
    if token is None:
        client.get("/login")
        token = client.cookies.get("kluis_csrf")
    return str(token)


def give_password(server: Any, name: str, *, email: str | None = None) -> None:
    """Let user ``name`` sign in with :data:`PASSWORD`."""

    state = server.state.kluis
    with transaction(state.engine) as opened:
        set_password(opened, name, PASSWORD, actor=ADMIN_ACTOR, at=state.clock.now(), email=email)


def sign_in(client: Any, name: str) -> None:
    """Give ``name`` a password and sign ``client`` in as them."""
    give_password(client.app, name)
    answer = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": "/", "csrf_token": csrf_of(client)},
    )
    assert answer.status_code == 303, answer.text
