"""What ``doctor`` learns from an SQLite store file without changing it."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.store.sqlite.connection import translate
from bot.store.sqlite.migrations import MIGRATIONS

LOW_SPACE_BYTES = 64 << 20  # below this, an ingest of a few thousand articles may not fit


@dataclass(frozen=True)
class StoreFacts:
    """What a plain, non-migrating look at the store file finds."""

    problems: tuple[str, ...]  # PRAGMA integrity_check rows other than "ok"
    journal_mode: str
    schema_version: int
    articles: int | None  # None when the schema has no articles table yet
    writable: bool  # the file and its folder accept writes
    write_lock_free: bool  # no other process held the write lock for the whole probe
    free_bytes: int  # free space on the store's filesystem

    @property
    def current_version(self) -> int:
        """The schema version this briefbot writes."""
        return len(MIGRATIONS)

    @property
    def low_on_space(self) -> bool:
        """True when the filesystem holding the store is (nearly) full."""
        return self.free_bytes < LOW_SPACE_BYTES


def inspect_store(path: Path, lock_wait_ms: int = 2_000) -> StoreFacts:
    """Read the store's health without changing it (no migration, no PRAGMA writes).

    Raises StoreError when the file cannot be read as a database at all.
    """
    try:
        return _inspect(path, lock_wait_ms)
    except sqlite3.Error as exc:
        raise translate(exc, path, "inspect") from exc


def _inspect(path: Path, lock_wait_ms: int) -> StoreFacts:
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    options = ["mode=rw"] if writable else ["mode=ro", "mode=ro&immutable=1"]
    for option in options:
        try:
            return _facts(path, option, writable, lock_wait_ms)
        except sqlite3.OperationalError as exc:
            # On a read-only filesystem SQLite cannot make the WAL's shared-memory file; the
            # file cannot change there, so it is read as immutable.
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code != sqlite3.SQLITE_CANTOPEN or option == options[-1]:
                raise
    raise AssertionError("unreachable")


def _facts(path: Path, option: str, writable: bool, lock_wait_ms: int) -> StoreFacts:
    uri = f"file:{quote(str(path.absolute()))}?{option}"
    with contextlib.closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as db:
        problems = tuple(str(r[0]) for r in db.execute("PRAGMA integrity_check") if r[0] != "ok")
        mode = str(db.execute("PRAGMA journal_mode").fetchone()[0])
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        try:
            articles: int | None = int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError:
            articles = None
        lock_free = True
        if writable:
            # Taking the write lock and letting go of it writes nothing.
            db.execute(f"PRAGMA busy_timeout = {lock_wait_ms}")
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_READONLY:
                    writable = False
                else:
                    lock_free = False
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = 0
    return StoreFacts(problems, mode, version, articles, writable, lock_free, free)
