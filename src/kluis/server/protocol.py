"""The HTTP protocol the server speaks: uvicorn's protocol over httptools (the parser of
Node.js, in C), with Nagle's algorithm off on every connection.

asyncio turns it off only for sockets that say they are TCP; the listening socket uvicorn
opens for several worker processes does not say so, and without ``TCP_NODELAY`` every
response waited for the client's delayed acknowledgement: 40 ms a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, sending each response at once."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
