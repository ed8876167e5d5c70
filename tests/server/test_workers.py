"""Several server processes on one port: each has a socket of its own, the kernel spreads
new connections over them, and a port already taken is refused at once."""

from __future__ import annotations

import gc
import logging
import selectors
import socket

import pytest

from kluis.crypto.errors import KeyFileInvalid
from kluis.server.workers import _worker, listening_socket, run_workers, settle_heap


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connections_are_spread_over_the_processes_sockets() -> None:
    """Two sockets bound to one port (as two server processes bind theirs) both receive
    connections from one client opening many at once; a single shared socket would leave
    them all to whichever process woke first."""
    port = _free_port()
    listeners = [listening_socket("127.0.0.1", port) for _ in range(2)]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
    accepted = [0, 0]
    try:
        with selectors.DefaultSelector() as selector:
            for index, listener in enumerate(listeners):
                listener.setblocking(False)
                selector.register(listener, selectors.EVENT_READ, index)
            while sum(accepted) < len(clients):
                events = selector.select(timeout=5)
                assert events, "a connection was never accepted"
                for key, _mask in events:
                    connection, _peer = listeners[key.data].accept()
                    connection.close()
                    accepted[key.data] += 1
    finally:
        for opened in (*clients, *listeners):
            opened.close()
    assert sum(accepted) == 32
    assert min(accepted) > 0


def test_a_port_in_use_is_refused_at_once(caplog: pytest.LogCaptureFixture) -> None:
    """Sockets of one user with ``SO_REUSEPORT`` do not refuse each other, so a second
    server on the same port would share the first one's connections: it is refused."""
    port = _free_port()
    with socket.create_server(("127.0.0.1", port)) as taken:
        taken.listen()
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stopped:
            run_workers(
                "kluis.app:app_from_environment",
                host="127.0.0.1",
                port=port,
                workers=2,
                http="kluis.server.protocol:NoDelayHttpProtocol",
            )
    assert stopped.value.code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in caplog.text


def test_what_the_start_made_is_out_of_the_collectors_passes() -> None:
    """Objects made before serving (the application, its routes) are frozen: the
    collector's passes no longer walk them; what is made afterwards is collected as ever."""
    made_at_start: list[object] = [object()]
    assert any(found is made_at_start for found in gc.get_objects())
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert not any(found is made_at_start for found in gc.get_objects())
        made_later: list[object] = [object()]
        assert any(found is made_later for found in gc.get_objects())
    finally:
        gc.unfreeze()


def refusing_factory() -> None:
    """An application factory that cannot make the application (no key file, say)."""
    raise KeyFileInvalid("no key file at {path}", path="/nowhere/kluis.key")


def test_a_process_that_cannot_make_the_application_says_why_and_exits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One line naming the problem and exit status 1 (the supervisor then stops them all),
    not a traceback."""
    with caplog.at_level(logging.ERROR, logger="kluis.server"), pytest.raises(SystemExit) as exited:
        _worker("tests.server.test_workers:refusing_factory", "127.0.0.1", _free_port(), "h11")
    assert exited.value.code == 1
    assert "cannot start: no key file at /nowhere/kluis.key" in caplog.text
