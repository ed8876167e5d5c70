"""``kluis serve``: the real server in processes of its own, on a free port, with two
worker processes sharing the vault; it says how to create the first administrator, answers
over HTTP, audits the reads it serves, and stops when interrupted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.server.workers import MIN_LIFETIME
from kluis.storage import transaction
from kluis.users.auth import create_token
from tests.cli.conftest import VaultHome
from tests.conftest import DPO_ACTOR


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(vault_home: VaultHome) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``kluis serve --workers 2`` on the test vault: its address and its process."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("kluis")), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--lang", "en"],
        env={**os.environ, "KLUIS_JOBS": "off"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(f"{address}/login", timeout=1)
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.communicate(timeout=5)[1]) from None
                time.sleep(0.2)
        yield address, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate(timeout=10)


def _workers(supervisor: int) -> list[int]:
    """The server processes the supervisor ``supervisor`` started (read from ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def test_serve_answers_audits_and_stops(
    served: tuple[str, subprocess.Popen[str]], vault_home: VaultHome, clock: FixedClock
) -> None:
    address, server = served
    started = time.monotonic()
    first = httpx.get(f"{address}/login")  # nobody can sign in yet: create the administrator
    assert first.status_code == 303 and first.headers["location"].startswith("/setup")
    assert httpx.get(f"{address}/api/v1/me").status_code == 401
    with transaction(vault_home.engine) as session:
        _token, plain = create_token(
            session, "serve test", ["dpo"], actor=DPO_ACTOR, at=clock.now()
        )
    bearer = {"Authorization": f"Bearer {plain}"}
    for _round in range(20):  # each on a connection of its own: either process may answer
        found = httpx.post(
            f"{address}/api/v1/subjects/search",
            json={"kind": "email", "value": "an@example.be"},
            headers=bearer,
        )
        assert found.status_code == 200 and found.json()["total"] == 0
    with transaction(vault_home.engine, read_only=True) as session:
        finds = session.execute(
            select(AuditEntry.actor).where(AuditEntry.action == "subject_find")
        ).scalars()
        assert list(finds) == [DPO_ACTOR.name] * 20
    # A server process that dies is replaced; the others answer meanwhile.
    workers = _workers(server.pid)
    assert len(workers) == 2
    time.sleep(max(0.0, MIN_LIFETIME + 0.5 - (time.monotonic() - started)))
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while set(_workers(server.pid)) & {workers[0]} or len(_workers(server.pid)) < 2:
        assert time.monotonic() < deadline, "the server process was not replaced"
        time.sleep(0.2)
    assert httpx.get(f"{address}/api/v1/me", headers=bearer).status_code == 200
    os.killpg(server.pid, signal.SIGINT)
    _out, said = server.communicate(timeout=30)
    assert server.returncode == 0
    assert f"{address}/setup?code=" in said  # nobody could sign in yet


def test_without_its_key_file_the_server_says_so_and_does_not_start(
    vault_home: VaultHome,
) -> None:
    """A missing key file is one clear line and exit status 2, before any process starts
    (no traceback, nothing listening)."""
    (vault_home.folder / "kluis.key").unlink()
    command = [str(Path(sys.executable).with_name("kluis")), "serve", "--port", str(_free_port())]
    finished = subprocess.run(
        [*command, "--workers", "2", "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2
    assert "kluis: no key file at" in finished.stderr
    assert "Traceback" not in finished.stderr
