"""The PostgreSQL connection pool of one store, migrations applied once, faults translated.

Package-internal: connections never leave ``bot.store.postgres``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.store.errors import StoreError, StoreFault
from bot.store.postgres.migrations import MIGRATIONS

POOL_SIZE = 8
CONNECT_TIMEOUT_S = 10.0
LOCK_TIMEOUT_MS = 10_000  # like SQLite's busy timeout: a write waits this long for a lock
log = logging.getLogger(__name__)

Params = Sequence[Any]


class Record(tuple[Any, ...]):
    """A row read by position or by column name (as SQLite's ``sqlite3.Row``)."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)


def record_row(cursor: Any) -> Any:
    """psycopg row factory making ``Record`` rows."""
    names = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Record:
        record = Record(values)
        record._names = names
        return record

    return make


Row = Record


class Database:
    """A pool of connections to one PostgreSQL database (and schema)."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Row]], label: str) -> None:
        self._pool = pool
        self.label = label

    @classmethod
    async def open(
        cls, url: str, prepare_threshold: int | None = 5, pool_size: int = POOL_SIZE
    ) -> Database:
        """Connect, and migrate the schema when it is behind (once, whoever starts first).

        ``prepare_threshold`` None turns server-side prepared statements off (PgBouncer in
        transaction mode cannot keep them).
        """
        label = describe(url)
        try:
            # The lock timeout is a default: options in the URL (a search_path, another
            # lock_timeout, a statement_timeout) come after it, so they win.
            options = conninfo_to_dict(url).get("options") or ""
            conninfo = make_conninfo(url, options=f"-c lock_timeout={LOCK_TIMEOUT_MS} {options}")
        except psycopg.Error as exc:
            raise logged(StoreFault.UNAVAILABLE, f"bad URL: {exc}", label, "open") from exc
        # One plain connection first: the pool would retry a refused login or a missing
        # database until its timeout and then say only that it timed out; this says why, now.
        try:
            first = await psycopg.AsyncConnection.connect(
                conninfo, connect_timeout=int(CONNECT_TIMEOUT_S)
            )
        except psycopg.Error as exc:
            raise translate(exc, label, "open") from exc
        await first.close()
        pool: AsyncConnectionPool[AsyncConnection[Row]] = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=CONNECT_TIMEOUT_S,
            # A connection is checked as it leaves the pool: after a server restart (or a
            # dropped connection) requests get a fresh one instead of failing on a dead one.
            check=AsyncConnectionPool.check_connection,
            kwargs={
                "autocommit": True,
                "row_factory": record_row,
                "prepare_threshold": prepare_threshold,
            },
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except (PoolTimeout, psycopg.Error) as exc:
            await pool.close()
            raise logged(StoreFault.UNAVAILABLE, f"cannot connect: {exc}", label, "open") from exc
        database = cls(pool, label)
        try:
            await database.migrate()
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        """Close every connection."""
        await self._pool.close()

    async def schema_version(self) -> int:
        """The last migration applied (0 for an empty database)."""
        row = await self.fetch_one("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if row is None or not row[0]:
            return 0
        row = await self.fetch_one("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply the missing migrations; a read of the version first, so a current schema is
        never locked. Replicas starting together queue on an advisory lock, and the one that
        gets it second finds the work done."""
        if await self.schema_version() >= len(MIGRATIONS):
            return
        async with self.write() as db:
            await db.execute(
                "SELECT pg_advisory_xact_lock(hashtext('briefbot migrations ' || current_schema()))"
            )
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            cursor = await db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    await db.execute(statement)
                await db.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))
                log.info("store %s: applied migration %d", self.label, number)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection[Row]]:
        """A connection inside one transaction, committed on leaving."""
        try:
            async with self._pool.connection() as connection, connection.transaction():
                yield connection
        except (psycopg.Error, PoolTimeout) as exc:
            raise translate(exc, self.label, "write") from exc

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows of one statement."""
        try:
            async with self._pool.connection() as connection:
                cursor = await connection.execute(sql, params)
                return list(await cursor.fetchall()) if cursor.description else []
        except (psycopg.Error, PoolTimeout) as exc:
            raise translate(exc, self.label, "read") from exc

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of one statement, if any."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


def statements(script: str) -> list[str]:
    """A migration script's statements: split at each ``;`` outside a ``$$``-quoted body."""
    found: list[str] = []
    current = ""
    for index, part in enumerate(script.split("$$")):
        if index % 2:  # inside a dollar-quoted function body: kept whole
            current += "$$" + part + "$$"
            continue
        *complete, current_end = part.split(";")
        for piece in complete:
            found.append(current + piece)
            current = ""
        current += current_end
    found.append(current)
    return [s.strip() for s in found if s.strip()]


def describe(url: str) -> str:
    """The database named without its password, for logs and messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql (unparsable URL)"
    host, port, name = (
        parts.get("host", "localhost"),
        parts.get("port", "5432"),
        parts.get("dbname", ""),
    )
    return f"postgresql://{host}:{port}/{name}"


_BY_STATE = {
    "53100": StoreFault.FULL,  # disk_full
    "25006": StoreFault.READ_ONLY,  # read_only_sql_transaction: a standby, or set read-only
    "55P03": StoreFault.LOCKED,  # lock_not_available (lock_timeout)
    "40P01": StoreFault.LOCKED,  # deadlock_detected
    "XX001": StoreFault.CORRUPT,  # data_corrupted
    "XX002": StoreFault.CORRUPT,  # index_corrupted
    "57014": StoreFault.TIMEOUT,  # query_canceled: statement_timeout
    "28P01": StoreFault.REFUSED,  # invalid_password
    "28000": StoreFault.REFUSED,  # invalid_authorization_specification
    "3D000": StoreFault.REFUSED,  # invalid_catalog_name: no such database
}
# A refused connection carries no SQLSTATE, only the server's words (in English unless the
# server is set to another lc_messages; then it stays "unavailable", and doctor shows them).
_REFUSED_WORDS = (
    "password authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied for database",
)


def translate(exc: Exception, label: str, operation: str) -> StoreError:
    """The store fault a driver error means, logged once with its cause."""
    state = getattr(exc, "sqlstate", None) or ""
    fault = _BY_STATE.get(state, StoreFault.FAILED)
    if not state and isinstance(exc, psycopg.OperationalError):
        text = str(exc)
        if "FATAL" in text and any(words in text for words in _REFUSED_WORDS):
            fault = StoreFault.REFUSED
    if fault is StoreFault.FAILED and (
        isinstance(exc, PoolTimeout)
        or state.startswith(("08", "57P"))
        or (isinstance(exc, psycopg.OperationalError) and not state)
    ):
        fault = StoreFault.UNAVAILABLE
    return logged(fault, f"{type(exc).__name__}: {exc}".strip(), label, operation)


def logged(fault: StoreFault, cause: str, label: str, operation: str) -> StoreError:
    """The StoreError for a fault, its cause logged once for the operator."""
    log.error("store %s failed (%s) on %s: %s", operation, fault.value, label, cause)
    return StoreError(fault, cause)


class Statements:
    """The shared SQL of ``bot.store.sql`` run on PostgreSQL: ``?`` placeholders become ``%s``."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows of one statement."""
        return await self._db.fetch_all(pyformat(sql), params)

    async def change(self, sql: str, params: Params) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""
        async with self._db.write() as db:
            cursor = await db.execute(pyformat(sql), params)
            return cursor.rowcount

    async def changes(self, *statements: tuple[str, Params]) -> list[int]:
        """Run statements in one transaction; the number of rows each changed."""
        async with self._db.write() as db:
            return [
                (await db.execute(pyformat(sql), params)).rowcount for sql, params in statements
            ]

    async def returning(self, sql: str, params: Params) -> list[Row]:
        """Run one writing statement (``... RETURNING``) in its own transaction; its rows."""
        async with self._db.write() as db:
            cursor = await db.execute(pyformat(sql), params)
            return list(await cursor.fetchall())

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run one ``INSERT ... ON CONFLICT DO NOTHING``; the new row's id, None on conflict."""
        async with self._db.write() as db:
            cursor = await db.execute(pyformat(sql) + " RETURNING id", params)
            returned = await cursor.fetchone()
            return None if returned is None else int(returned[0])


def pyformat(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s``.

    Shared SQL holds no literal ``?`` or ``%`` (a ``%`` would need escaping for psycopg), so every
    ``?`` is a placeholder; a ``%`` is refused rather than silently misread.
    """
    if "%" in sql:
        raise ValueError(f"shared SQL must not contain '%': {sql!r}")
    return sql.replace("?", "%s")
