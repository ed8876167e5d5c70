"""Group commit of the audit entries of reads.

Every read of personal data is audited, and the audit log is one hash chain: appending
takes its head in turn (SQLite's one writer; the head row's lock on PostgreSQL). Were every
read to append in its own transaction, reads would queue for that lock one by one, each
holding it for the whole of its work. Instead, a read runs in a read-only transaction that
collects its entries (:func:`kluis.audit.deferred_appends`), and hands them to the
process's :class:`AuditCommitter`, which appends the entries of all the reads waiting at
that moment in one transaction; each read answers only once the transaction holding its
entries has committed, so no personal data leaves the server before its read is on record.
If that transaction fails, every read in it fails: nothing is answered unaudited.
(:func:`kluis.api.units.audited_read` runs the API's reads so.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from kluis.audit import Append, append_batch
from kluis.storage import is_sqlite, transaction

#: The most entries appended in one transaction; reads waiting beyond it go in the next.
BATCH_ENTRIES: Final = 2000


class AuditCommitter:
    """Appends the audit entries of concurrent reads of one process together.

    While one batch commits, the entries of the reads that finish in the meantime gather
    for the next, so under load a batch holds the entries of every read that came in during
    the commit before it, and the chain's lock is taken once per batch instead of once per
    read. A read alone waits only for its own commit.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # SQLite commits a batch in a fraction of a millisecond, without the network: on the
        # event loop itself, where a worker thread would make the loop wait for the GIL
        # (Python's switch interval, 5 ms). The loop then also waits while another process
        # commits, or the checkpointer restarts the log (a few milliseconds at most).
        # PostgreSQL waits for the server's disk: there the loop goes on serving requests
        # while a worker thread commits.
        self._inline = is_sqlite(engine)
        self._waiting: list[tuple[Sequence[Append], asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def commit(self, appends: Sequence[Append]) -> None:
        """Return once ``appends`` are committed to the audit log (raise if they could not
        be)."""
        if not appends:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.append((appends, future))
        flushing = self._flushing
        if flushing is None or flushing.done() or flushing.get_loop() is not loop:
            self._flushing = loop.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._waiting:
            batch = self._take()
            entries = [append for appends, _future in batch for append in appends]
            try:
                if self._inline:
                    self._append(entries)
                else:
                    await run_in_threadpool(self._append, entries)
            except Exception as error:  # every read of the batch fails with it
                for _appends, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for _appends, future in batch:
                    if not future.done():
                        future.set_result(None)
            if self._inline:
                await asyncio.sleep(0)  # let the reads that are ready join the next batch

    def _take(self) -> list[tuple[Sequence[Append], asyncio.Future[None]]]:
        """The waiting reads of the next batch: all, up to :data:`BATCH_ENTRIES` entries."""
        taken, entries = 0, 0
        for appends, _future in self._waiting:
            size = sum(len(append.events) for append in appends)
            if taken and entries + size > BATCH_ENTRIES:
                break
            taken, entries = taken + 1, entries + size
        batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return batch

    def _append(self, appends: Sequence[Append]) -> None:
        with transaction(self._engine) as session:
            append_batch(session, appends)
