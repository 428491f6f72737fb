"""Named locks shared by every process on one store: who may do a rate-limited thing now.

Processes that share a store also share a limit imposed from outside (Discord lets a bot
IDENTIFY once per 5 s per ``max_concurrency`` bucket, whichever process does it). A
``NamedLocks`` serialises them: ``acquire`` waits until no other holder, in this process or any
other on the store, holds the name. A holder that dies releases its locks with it (the
operating system closes its files; PostgreSQL ends its session), so a crash never wedges the
others. Each engine implements it in ``bot/store/<engine>/locks.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from bot.settings import Settings


class HeldLock(Protocol):
    """A lock this process holds until ``release``."""

    async def release(self) -> None:
        """Let the next waiter take the lock (calling it twice does nothing)."""
        ...


class NamedLocks(Protocol):
    """Exclusive locks by name across every process sharing the store."""

    async def acquire(self, name: str) -> HeldLock:
        """Wait until ``name`` is free, then hold it; cancelling the wait takes nothing."""
        ...


@asynccontextmanager
async def open_locks(settings: Settings) -> AsyncIterator[NamedLocks]:
    """The named locks of the store the settings name, for as long as the block runs: advisory
    locks in the PostgreSQL database (any number of machines), or file locks beside the SQLite
    file (one machine)."""
    # Imported on use: one engine per process, and psycopg only where it is wanted.
    if settings.database_url is not None:
        from bot.store.postgres.locks import AdvisoryLocks

        yield AdvisoryLocks.at(settings.database_url)
        return
    from bot.store.sqlite.locks import FileLocks

    yield FileLocks.beside(settings.store_path)
