"""Group commit of the audit entries of reads: the entries of concurrent reads go into one
transaction, in the order the reads finished; each read learns when its own are committed,
or that they could not be."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event, func, select, text

from kluis.audit import Append, Event, verify
from kluis.audit.models import AuditEntry
from kluis.server.auditing import BATCH_ENTRIES, AuditCommitter
from kluis.storage import transaction
from tests.conftest import NOW

T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on an event loop of its own, in a thread of its own (the browser tests
    leave the main thread's loop running)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[int]]:
    """The transactions committed on ``engine`` while the test runs (one item each)."""
    seen: list[int] = []

    def count(_connection: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def _reads(count: int, events: int = 1) -> list[list[Append]]:
    return [
        [Append(f"user{n}", tuple(Event(f"read {n}.{e}") for e in range(events)), NOW)]
        for n in range(count)
    ]


def _actions(engine: Engine) -> list[str]:
    with transaction(engine, read_only=True) as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_concurrent_reads_are_committed_in_one_transaction(
    engine: Engine, commits: list[int]
) -> None:
    committer = AuditCommitter(engine)

    async def main() -> None:
        await asyncio.gather(*(committer.commit(appends) for appends in _reads(50)))

    _run(main())
    assert len(commits) == 1
    assert _actions(engine) == [f"read {n}.0" for n in range(50)]
    with transaction(engine, read_only=True) as session:
        assert verify(session).intact


def test_reads_that_come_during_a_commit_go_into_the_next(
    engine: Engine, commits: list[int]
) -> None:
    committer = AuditCommitter(engine)

    async def main() -> None:
        first = asyncio.ensure_future(committer.commit(_reads(1)[0]))
        await asyncio.sleep(0)  # the first batch is being written
        rest = [committer.commit([Append("later", (Event(f"later {n}"),), NOW)]) for n in range(9)]
        await asyncio.gather(first, *rest)
        await committer.commit([])  # nothing to append: answered at once

    _run(main())
    assert len(commits) == 2
    assert _actions(engine) == ["read 0.0", *(f"later {n}" for n in range(9))]


def test_a_batch_holds_at_most_so_many_entries(engine: Engine, commits: list[int]) -> None:
    committer = AuditCommitter(engine)
    size = BATCH_ENTRIES * 3 // 4

    async def main() -> None:
        await asyncio.gather(*(committer.commit(appends) for appends in _reads(3, size)))

    _run(main())
    assert len(commits) == 3
    with transaction(engine, read_only=True) as session:
        assert session.execute(select(func.count()).select_from(AuditEntry)).scalar() == 3 * size
        assert verify(session).intact


def test_every_read_of_a_failed_batch_fails_and_the_next_batch_is_written(
    engine: Engine,
) -> None:
    committer = AuditCommitter(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_entry RENAME TO audit_entry_away"))

    async def failing() -> list[BaseException | None]:
        results = await asyncio.gather(
            *(committer.commit(appends) for appends in _reads(3)), return_exceptions=True
        )
        return [r if isinstance(r, BaseException) else None for r in results]

    failures = _run(failing())
    assert all(failure is not None for failure in failures)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_entry_away RENAME TO audit_entry"))
    _run(committer.commit(_reads(1)[0]))
    assert _actions(engine) == ["read 0.0"]
