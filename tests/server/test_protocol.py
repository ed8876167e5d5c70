"""The server's HTTP protocol turns Nagle's algorithm off on every connection, also when the
listening socket does not say it is TCP (uvicorn's, with several worker processes)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from kluis.server.protocol import NoDelayHttpProtocol


class _Transport:
    """The transport of one accepted connection, over a real socket."""

    def __init__(self, connection: socket.socket) -> None:
        self.extra = {
            "socket": connection,
            "sockname": ("127.0.0.1", 8000),
            "peername": ("127.0.0.1", 50000),
            "sslcontext": None,
        }

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)

    def is_closing(self) -> bool:
        return False


async def _app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - not called
    return None


def test_every_connection_sends_at_once() -> None:
    config = Config(_app)
    config.load()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn's
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    loop = asyncio.new_event_loop()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayHttpProtocol(
            config=config, server_state=ServerState(), app_state={}, _loop=loop
        )
        protocol.connection_made(_Transport(accepted))  # type: ignore[arg-type]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        loop.close()
        for opened in (client, accepted, listener):
            opened.close()
