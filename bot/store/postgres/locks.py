"""Named locks for processes sharing one PostgreSQL database: transaction advisory locks.

Each held lock is one open transaction that took ``pg_try_advisory_xact_lock`` on the name's
64-bit key; releasing ends the transaction. A transaction-level lock (rather than a session
lock) keeps to one server connection even behind PgBouncer in transaction pooling mode, and
PostgreSQL drops it when the holder's connection goes, so a killed process wedges no one.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Self

import psycopg

# How often a waiter tries again: a lock is held for seconds, and a try is one round trip.
RETRY_SECONDS = 0.1


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory lock space is bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)


class AdvisoryLock:
    """A held advisory lock: the open transaction on its own connection."""

    def __init__(self, connection: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        self._connection: psycopg.AsyncConnection[tuple[object, ...]] | None = connection

    async def release(self) -> None:
        """End the transaction (which drops the lock) and close the connection."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.rollback()
            finally:
                await connection.close()


class AdvisoryLocks:
    """Named locks on the database at ``url``; each holder uses a connection of its own."""

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def at(cls, url: str) -> Self:
        """Locks on the database at ``url`` (``postgresql://…``)."""
        return cls(url)

    async def acquire(self, name: str) -> AdvisoryLock:
        """Wait until no other transaction holds ``name``'s key, then hold it."""
        key = lock_key(name)
        # prepare_threshold=None: no server-side prepared statements (PgBouncer-safe).
        connection = await psycopg.AsyncConnection.connect(self.url, prepare_threshold=None)
        try:
            while True:
                cursor = await connection.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,))
                row = await cursor.fetchone()
                if row is not None and row[0] is True:
                    return AdvisoryLock(connection)
                await connection.rollback()  # wait outside any transaction
                await asyncio.sleep(RETRY_SECONDS)
        except BaseException:
            await connection.close()
            raise
