"""Several server processes on one port, each with a listening socket of its own.

uvicorn's own worker processes share one listening socket, and whichever process wakes
first accepts every connection waiting: a client that opens eight connections at once (a
load balancer, a batch job, the benchmark) often has all eight served by one process while
the other waits idle. Here each process binds its own socket to the same address with
``SO_REUSEPORT``, and the kernel spreads new connections over them. The supervisor starts
the processes, starts again one that dies, and stops them all when it is told to stop
(``SIGINT``, ``SIGTERM``).
"""

from __future__ import annotations

import errno
import gc
import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Final

from kluis.core.errors import KluisError

log = logging.getLogger("kluis.server")

#: How long the processes get to finish the requests they are answering when stopped.
STOP_GRACE: Final = 30.0
#: A process that dies sooner than this after its start is not started again (it would
#: only die again: a wrong setting, a port taken).
MIN_LIFETIME: Final = 5.0

LOG_FORMAT: Final = "%(asctime)s %(name)s %(message)s"


def settle_heap() -> None:
    """Move what the process has made so far (the modules, the application, its routes and
    compiled statements) out of the garbage collector's sight, once, before serving.

    The collector's full passes walk every object that can hold a reference; in a server
    that is mostly what its start made and never lets go, about 200,000 objects, and each
    pass over them stopped the process for 120 to 140 ms (measured on the 2-core machine of
    the benchmarks: every 6 to 8 seconds under load, every request of that process waiting
    out the pause). Frozen, they are left out of every pass, which then takes a few
    milliseconds (:func:`gc.freeze`). Call it when the application is made, before the
    first request."""
    gc.collect()
    gc.freeze()


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` that other processes may bind as well."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


def _worker(app: str, host: str, port: int, http: str) -> None:  # pragma: no cover - a child
    """One server process: its own socket, the application ``app`` (``module:factory``)."""
    import uvicorn  # noqa: PLC0415 - only a server process needs it
    from uvicorn.importer import import_from_string  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        application = import_from_string(app)()
    except KluisError as error:  # the key file gone since the command checked it, say
        log.error("a server process cannot start: %s", error)
        raise SystemExit(1) from None
    settle_heap()
    listener = listening_socket(host, port)
    config = uvicorn.Config(
        application,
        access_log=False,
        proxy_headers=False,
        http=http,
        log_config=None,
    )
    uvicorn.Server(config).run(sockets=[listener])


def _answering(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (sockets bound with
    ``SO_REUSEPORT`` by the same user do not refuse each other: a second server started on
    the same port would silently share its connections)."""
    local = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    try:
        with socket.create_connection((local, port), timeout=1):
            return True
    except OSError:
        return False


class _Supervisor:
    """The server processes: started, started again when one dies, stopped together."""

    def __init__(self, app: str, host: str, port: int, http: str) -> None:
        self._args = (app, host, port, http)
        self._context = multiprocessing.get_context("spawn")
        self._running: list[tuple[BaseProcess, float]] = []
        self.stopping = False

    def _start(self) -> tuple[BaseProcess, float]:
        process = self._context.Process(target=_worker, args=self._args)
        process.start()
        return process, time.monotonic()

    def start(self, workers: int) -> None:
        """Start ``workers`` processes."""
        self._running = [self._start() for _ in range(workers)]

    def stop(self, _signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        """Tell every process to stop, letting it finish what it is answering (a signal
        handler). Always by ``SIGTERM``: after the ``SIGINT`` a terminal's Ctrl-C already
        sent every process of the group, a second ``SIGINT`` would make uvicorn quit at
        once."""
        self.stopping = True
        for process, _started in self._running:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    def watch(self) -> None:
        """Start again a process that died, until told to stop; stop all if one dies at its
        start (it would only die again: a wrong setting, say)."""
        while not self.stopping:
            time.sleep(0.5)
            for index, (process, started) in enumerate(self._running):
                if self.stopping or process.is_alive():
                    continue
                if time.monotonic() - started < MIN_LIFETIME:
                    log.error("a server process stopped at its start; stopping them all")
                    self.stop()
                    break
                log.error(
                    "a server process stopped (status %s); starting another", process.exitcode
                )
                self._running[index] = self._start()

    def join(self) -> None:
        """Wait for the processes to finish; kill those that outlast :data:`STOP_GRACE`."""
        deadline = time.monotonic() + STOP_GRACE
        for process, _started in self._running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def run_workers(app: str, *, host: str, port: int, workers: int, http: str) -> None:
    """Serve ``app`` (``module:factory``) from ``workers`` processes until told to stop.

    ``http`` is the HTTP protocol class as uvicorn takes it (``module:Class``). Exits with
    status 1 when the address is taken."""
    # Said once here, rather than by every process.
    try:
        if _answering(host, port):
            raise OSError(errno.EADDRINUSE, "address already in use")
        listening_socket(host, port).close()
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", host, port, error.strerror or error)
        raise SystemExit(1) from None
    supervisor = _Supervisor(app, host, port, http)
    previous = {sig: signal.signal(sig, supervisor.stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        supervisor.start(workers)
        supervisor.watch()
        supervisor.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
