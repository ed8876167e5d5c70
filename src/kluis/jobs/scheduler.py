"""The scheduler: a thread in each server process that, every minute, queues today's
daily jobs and runs what is due. Several processes on one database each run one; the
queue makes sure every job is done once."""

from __future__ import annotations

import logging
import threading
from typing import Final

from kluis.jobs.work import Worker

log = logging.getLogger("kluis.jobs")

#: The key under which a server keeps its scheduler (``ServerState.extras``).
SCHEDULER: Final = "scheduler"
#: Seconds between two looks at the queue.
INTERVAL: Final = 60.0


class Scheduler:
    """Runs ``worker`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, worker: Worker, *, interval: float = INTERVAL) -> None:
        self.worker = worker
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def tick(self) -> int:
        """One look at the queue: queue the daily jobs, run the due ones; how many ran.
        A failure is logged (its kind only) and the next tick tries again."""
        try:
            self.worker.queue_daily()
            return self.worker.run_due()
        except Exception as error:  # the thread must outlive any failure
            log.error("the scheduler's tick failed: %s", type(error).__name__)
            return 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._wake.wait(self.interval)
            self._wake.clear()

    def start(self) -> None:
        """Start the thread (once)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kluis-scheduler", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now rather than at the next minute (a job was just asked for)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop after its current job and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


__all__ = ["INTERVAL", "SCHEDULER", "Scheduler"]
