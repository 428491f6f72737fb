"""What ``doctor`` learns from a PostgreSQL store without changing it (no migration)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from bot.store.postgres.connection import CONNECT_TIMEOUT_S, describe, translate
from bot.store.postgres.migrations import MIGRATIONS


@dataclass(frozen=True)
class DatabaseFacts:
    """Server, schema and contents of the database, as one plain connection sees them."""

    label: str  # the URL without its password
    server_version: str
    schema_version: int
    articles: int | None  # None before the first migration
    read_only: bool  # a standby, or default_transaction_read_only

    @property
    def current_version(self) -> int:
        """The schema version this briefbot writes."""
        return len(MIGRATIONS)


async def inspect_database(url: str) -> DatabaseFacts:
    """Connect once and read the facts; StoreError when the server cannot be reached."""
    label = describe(url)
    try:
        async with await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_S)
        ) as db:
            server = await _scalar(db, "SHOW server_version")
            read_only = await _scalar(db, "SHOW transaction_read_only") == "on"
            if await _scalar(db, "SELECT to_regclass('schema_migrations') IS NOT NULL") != "True":
                return DatabaseFacts(label, server, 0, None, read_only)
            version = int(
                await _scalar(db, "SELECT coalesce(max(version), 0) FROM schema_migrations")
            )
            articles = int(await _scalar(db, "SELECT count(*) FROM articles"))
            return DatabaseFacts(label, server, version, articles, read_only)
    except psycopg.Error as exc:
        raise translate(exc, label, "inspect") from exc


async def _scalar(db: psycopg.AsyncConnection[tuple[object, ...]], sql: str) -> str:
    cursor = await db.execute(sql)
    row = await cursor.fetchone()
    return "" if row is None else str(row[0])
