"""The SQLite connections of one store: one serialized writer, a few readers, faults translated.

WAL lets readers go on while one writer writes, so reads never wait for the write lock: a
brief or a subscription list is answered while an ingest batch is being stored. Writes share
one connection behind an asyncio lock, because a connection holds one transaction at a time
(a second ``BEGIN`` fails, and a read on it in between would see a half-stored article). Other
processes are kept out by SQLite itself (``BEGIN IMMEDIATE`` plus a busy timeout).

Package-internal: the connections never leave ``bot.store.sqlite``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import aiosqlite

from bot.store.errors import StoreError, StoreFault
from bot.store.lexemes import GivenLexemes
from bot.store.sqlite.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000
# How long opening keeps trying when the file is busy at once (see Database.open).
OPEN_ATTEMPTS_S = 30.0
READERS = 2  # a long search on one reader leaves the other for quick lookups
_LOW_SPACE_BYTES = 1 << 20  # an I/O error with less than this free is a full disk
log = logging.getLogger(__name__)

Params = Sequence[object]


class Database:
    """The writer and readers of one SQLite file.

    ``writer`` is None for a store that can only be read (a read-only file or filesystem): reads
    work, and every write raises ``StoreError(READ_ONLY)``.
    """

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection | None,
        readers: list[aiosqlite.Connection],
        lexemes: GivenLexemes | None = None,
    ) -> None:
        self.path = path
        self.writer = writer
        # What the full-text index's triggers call for each article's lexemes (migration 10);
        # a write hands it the lexemes its articles came with.
        self.lexemes = lexemes or GivenLexemes()
        self._write_lock = asyncio.Lock()
        self._all_readers = readers
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(reader)

    @classmethod
    async def open(
        cls, path: Path, readers: int = READERS, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> Database:
        """Open the file (creating and migrating it when needed, and only then writing).

        A write waits up to ``busy_timeout_ms`` for another process's write to finish.
        """
        opened: list[aiosqlite.Connection] = []
        try:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise logged(StoreFault.UNAVAILABLE, f"{path.parent}: {exc}", path, "open") from exc
            path = await asyncio.to_thread(path.absolute)
            read_only_file = await asyncio.to_thread(_read_only_file, path)
            lexemes = GivenLexemes()
            connect = functools.partial(
                _connect, opened=opened, busy_timeout_ms=busy_timeout_ms, lexemes=lexemes
            )
            loop = asyncio.get_running_loop()
            give_up = loop.time() + OPEN_ATTEMPTS_S
            while True:
                started = loop.time()
                try:
                    writer = None if read_only_file else await _open_writer(path, connect)
                    pool = [await _open_reader(path, connect) for _ in range(readers)]
                    return cls(path, writer, pool, lexemes)
                except sqlite3.OperationalError as exc:
                    # Replicas started together on a new file (seen once in CI: two
                    # `briefbot poll`). SQLite answers "locked" without calling the busy
                    # handler where waiting could deadlock, as in a lock upgrade while the new
                    # file is still in rollback mode; opening again a moment later, from no
                    # lock, finds the file switched to WAL and migrated.
                    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                    if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                        raise
                    waited = loop.time() - started
                    if waited * 1000 >= busy_timeout_ms / 2 or loop.time() > give_up:
                        raise  # the busy timeout ran out: a real long write, said as such
                    for connection in opened:
                        with contextlib.suppress(Exception):
                            await connection.close()
                    opened.clear()
                    await asyncio.sleep(0.2)
        except BaseException as exc:
            # Every connection's thread must end, or a failed open keeps the process alive.
            for connection in opened:
                with contextlib.suppress(Exception):
                    await connection.close()  # closing twice is harmless
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, path, "open") from exc
            raise

    @property
    def read_only(self) -> bool:
        """True when this store can only be read."""
        return self.writer is None

    async def close(self) -> None:
        """Close every connection; SQLite checkpoints the WAL on the last close."""
        for reader in self._all_readers:
            await reader.close()
        if self.writer is not None:
            await self.writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE, committed on leaving."""
        if self.writer is None:
            raise logged(StoreFault.READ_ONLY, "the file cannot be written", self.path, "write")
        db = self.writer
        async with self._write_lock:
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate(exc, self.path, "write") from exc
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise translate(exc, self.path, "write") from exc
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A reader connection for a few statements; never waits for a writer."""
        reader = await self._idle.get()
        try:
            yield reader
        except sqlite3.Error as exc:
            raise translate(exc, self.path, "read") from exc
        finally:
            self._idle.put_nowait(reader)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows of one read-only statement."""
        async with self.read() as db:
            return list(await db.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of one read-only statement, if any."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


def translate(exc: sqlite3.Error, path: Path, operation: str) -> StoreError:
    """The store fault an SQLite error means, logged once with its cause."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    fault = _FAULTS.get(primary, StoreFault.FAILED) if primary is not None else _by_text(exc)
    if primary == sqlite3.SQLITE_IOERR and _disk_nearly_full(path):
        fault = StoreFault.FULL
    return logged(fault, f"{type(exc).__name__}: {exc}", path, operation)


def logged(fault: StoreFault, cause: str, path: Path, operation: str) -> StoreError:
    """The StoreError for a fault, its cause logged once for the operator."""
    log.error("store %s failed (%s) on %s: %s", operation, fault.value, path, cause)
    return StoreError(fault, cause)


_FAULTS = {
    sqlite3.SQLITE_BUSY: StoreFault.LOCKED,
    sqlite3.SQLITE_LOCKED: StoreFault.LOCKED,
    sqlite3.SQLITE_FULL: StoreFault.FULL,
    sqlite3.SQLITE_READONLY: StoreFault.READ_ONLY,
    sqlite3.SQLITE_CORRUPT: StoreFault.CORRUPT,
    sqlite3.SQLITE_NOTADB: StoreFault.CORRUPT,
    sqlite3.SQLITE_CANTOPEN: StoreFault.UNAVAILABLE,
    sqlite3.SQLITE_PERM: StoreFault.UNAVAILABLE,
    sqlite3.SQLITE_AUTH: StoreFault.UNAVAILABLE,
}


def _by_text(exc: sqlite3.Error) -> StoreFault:
    # Errors raised by the sqlite3 module itself carry no code.
    text = str(exc)
    if "locked" in text:
        return StoreFault.LOCKED
    if "readonly" in text or "read-only" in text:
        return StoreFault.READ_ONLY
    return StoreFault.FAILED


def _read_only_file(path: Path) -> bool:
    return path.exists() and not os.access(path, os.W_OK)


def _disk_nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < _LOW_SPACE_BYTES
    except OSError as exc:
        return exc.errno == errno.ENOSPC


class _Connect(Protocol):
    async def __call__(self, target: str, uri: bool = False) -> aiosqlite.Connection: ...


async def _connect(
    target: str,
    uri: bool = False,
    *,
    opened: list[aiosqlite.Connection],
    busy_timeout_ms: int,
    lexemes: GivenLexemes,
) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(target, isolation_level=None, uri=uri)
    opened.append(connection)
    connection.row_factory = sqlite3.Row
    await connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    await connection.execute("PRAGMA foreign_keys = ON")
    # The full-text index's triggers read each article's lexemes through this (migration 10).
    await connection.create_function("briefbot_lexemes", 3, lexemes, deterministic=True)
    return connection


async def _open_writer(path: Path, connect: _Connect) -> aiosqlite.Connection | None:
    """The writing connection, the file switched to WAL and migrated; None when read-only."""
    db = await connect(str(path))
    try:
        mode = await _scalar(db, "PRAGMA journal_mode")
        await db.execute("PRAGMA synchronous = NORMAL")
        if mode != "wal":
            await db.execute("PRAGMA journal_mode = WAL")
        if int(await _scalar(db, "PRAGMA user_version")) < len(MIGRATIONS):
            await _migrate(db)
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
            raise
        # A read-only file or filesystem: it may still be read, if its schema is current.
        await db.close()
        return None
    return db


async def _migrate(db: aiosqlite.Connection) -> None:
    await db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        version = int(await _scalar(db, "PRAGMA user_version"))
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements(script):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number}")
        await db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            await db.execute("ROLLBACK")
        raise


async def _open_reader(path: Path, connect: _Connect) -> aiosqlite.Connection:
    """A connection that cannot write. On a read-only filesystem, where SQLite cannot make the
    WAL's shared-memory file, the file is opened as immutable (nothing can change it there)."""
    base = "file:" + quote(str(path))
    for options in ("mode=ro", "mode=ro&immutable=1"):
        db = await connect(f"{base}?{options}", uri=True)
        try:
            version = int(await _scalar(db, "PRAGMA user_version"))
            await _scalar(db, "SELECT count(*) FROM sqlite_master")
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) != sqlite3.SQLITE_CANTOPEN:
                raise
            await db.close()
            continue
        if version < len(MIGRATIONS):
            raise logged(
                StoreFault.READ_ONLY,
                f"schema version {version} of {len(MIGRATIONS)} cannot be migrated: read-only",
                path,
                "open",
            )
        return db
    raise logged(StoreFault.UNAVAILABLE, "cannot be opened for reading", path, "open")


async def _scalar(db: aiosqlite.Connection, sql: str) -> str:
    rows = list(await db.execute_fetchall(sql))
    return str(rows[0][0]) if rows else ""


def statements(script: str) -> Iterable[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    buffer: list[str] = []
    for line in script.strip().splitlines():
        buffer.append(line)
        joined = "\n".join(buffer).strip()
        if sqlite3.complete_statement(joined):
            yield joined
            buffer = []
    if "\n".join(buffer).strip():
        yield "\n".join(buffer).strip()


class Statements:
    """The shared SQL of ``bot.store.sql`` run on SQLite (it is written in SQLite's style)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows of one read-only statement, on a reader."""
        return await self._db.fetch_all(sql, params)

    async def change(self, sql: str, params: Params) -> int:
        """Run one statement in its own write transaction; the number of rows it changed."""
        async with self._db.write() as db:
            cursor = await db.execute(sql, params)
            return cursor.rowcount

    async def changes(self, *statements: tuple[str, Params]) -> list[int]:
        """Run statements in one write transaction; the number of rows each changed."""
        async with self._db.write() as db:
            return [(await db.execute(sql, params)).rowcount for sql, params in statements]

    async def returning(self, sql: str, params: Params) -> list[sqlite3.Row]:
        """Run one writing statement (``... RETURNING``) in its own write transaction; its rows."""
        async with self._db.write() as db:
            # Read to the end inside the transaction: SQLite finishes the statement only then.
            return list(await db.execute_fetchall(sql, params))

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run one ``INSERT ... ON CONFLICT DO NOTHING``; the new row's id, None on conflict."""
        async with self._db.write() as db:
            cursor = await db.execute(sql, params)
            if cursor.rowcount != 1:
                return None
            return int(cursor.lastrowid or 0)
