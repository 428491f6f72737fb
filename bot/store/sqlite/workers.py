"""Worker leases and work turns in SQLite: the shared SQL of bot.store.sql.workers.

SQLite: its one writer is the lock, so turns need no locking clause.
"""

from __future__ import annotations

from bot.store.sql.workers import SqlWorkers
from bot.store.sqlite.connection import Database, Statements


class SqliteWorkers(SqlWorkers):
    """Worker leases and work turns (a bot.store.protocols.Workers) in SQLite."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
