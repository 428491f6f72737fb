"""Worker leases and work turns in Postgres: the shared SQL of bot.store.sql.workers.

PostgreSQL: turns are picked ``FOR UPDATE SKIP LOCKED``, so replicas never wait for each
other's picks.
"""

from __future__ import annotations

from bot.store.postgres.connection import Database, Statements
from bot.store.sql.workers import SqlWorkers


class PostgresWorkers(SqlWorkers):
    """Worker leases and work turns (a bot.store.protocols.Workers) in Postgres."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database), skip_locked=" FOR UPDATE SKIP LOCKED")
