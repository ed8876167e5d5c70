"""Browser tests: the real server (uvicorn, on a free port of 127.0.0.1) over a fresh vault,
driven by Playwright in Debian's Chromium (``/usr/bin/chromium``, or ``KLUIS_CHROMIUM``).

In CI (``CI=true``) a missing browser is an error; elsewhere these tests are skipped with a
note. Screenshots of the pages go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import Engine

from kluis.app import create_app
from kluis.config import load_settings
from kluis.core.clock import SystemClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import make_engine, transaction
from tests.conftest import PASSWORD, apply_vault_register
from tests.smtp import SmtpServer, smtp

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: Chromium as root in a container: no sandbox, and no reaching out to Google's services.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    configured = os.environ.get("KLUIS_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The Kluis server running in a thread of the test process."""

    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium, headless."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the browser tests: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def live_engine(database_url: str) -> Iterator[Engine]:
    """The browser tests' own database (SQLite by default; they do not run twice)."""
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def live(
    live_engine: Engine,
    keys: LocalKeyProvider,
    tmp_path: Path,
    cheap_hashes: None,
    smtp: SmtpServer,
) -> Iterator[LiveServer]:
    """The server over a vault with the test register applied, on the real clock, sending
    its e-mail to the test's SMTP server."""
    clock = SystemClock()
    with transaction(live_engine) as session:
        apply_vault_register(session, clock.now())
    port = _free_port()
    settings = replace(
        load_settings(tmp_path, environ={}),
        public_url=f"http://127.0.0.1:{port}",
        smtp=smtp.settings,
    )
    app = create_app(
        settings,
        clock=clock,
        provider=keys,
        engine=live_engine,
        setup_code="browser-setup",
        scheduler=False,
    )
    with LiveServer(app, port) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (own cookies), speaking Dutch unless a test switches."""
    context = browser.new_context(locale="nl-BE")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def first_admin(page: Page, live: LiveServer) -> None:
    """Create the first administrator, ``coordinator``, on the set-up page: signed in after."""
    page.goto(f"{live.url}/setup?code=browser-setup")
    page.locator("#f-name").fill("coordinator")
    page.locator("#f-email").fill("privacy@example.be")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-confirm").fill(PASSWORD)
    page.locator("form[action='/setup'] button").click()
    expect(page.locator(".who")).to_have_text("coordinator")


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


__all__ = ["PASSWORD", "LiveServer", "first_admin", "screenshot", "smtp"]
