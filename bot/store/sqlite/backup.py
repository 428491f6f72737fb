"""``briefbot backup`` of an SQLite store: a consistent copy, safe while the bot is running.

SQLite's online backup API copies every page in one step under a read transaction, so the
copy is a snapshot of committed data even while another process writes (WAL lets readers and
one writer proceed together). The copy is written beside the target, checked with
``PRAGMA integrity_check``, switched to a single self-contained file (no ``-wal``), and only
then renamed over the target, so a failed backup never leaves a half-written file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path

from bot.store.errors import BackupError
from bot.store.records import BackupReport
from bot.store.sqlite.connection import BUSY_TIMEOUT_MS


async def backup_store(source: Path, target: Path, force: bool = False) -> BackupReport:
    """Copy the store at ``source`` to ``target``, verified; refuse to overwrite unless forced."""
    _refuse_unsafe(source, target, force)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        return await asyncio.to_thread(_copy, source, partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from exc
    finally:
        _remove(partial, *_sidecars(partial))


def _copy(source: Path, partial: Path, target: Path) -> BackupReport:
    # A plain connection, not Store.open: a backup must never migrate or reconfigure the live
    # store (the running bot may be an older version).
    with (
        contextlib.closing(sqlite3.connect(source)) as live,
        contextlib.closing(sqlite3.connect(partial)) as copy,
    ):
        live.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        live.backup(copy)  # every page in one step: one read transaction, one snapshot
    return _finish_copy(partial, target)


def _refuse_unsafe(source: Path, target: Path, force: bool) -> None:
    if not source.is_file():
        raise BackupError(f"no store at {source}; nothing to back up")
    if target.exists() or target.is_symlink():
        if target.resolve() == source.resolve():
            raise BackupError(f"{target} is the store itself; choose another path")
        if not force:
            raise BackupError(f"{target} already exists; use --force to overwrite it")
        if target.is_dir():
            raise BackupError(f"{target} is a folder; give a file path")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")


def _finish_copy(partial: Path, target: Path) -> BackupReport:
    """Make the copy one self-contained file, check it, and move it into place."""
    with contextlib.closing(sqlite3.connect(partial)) as db:
        db.execute("PRAGMA journal_mode = DELETE")
        problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
        articles = int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    _remove(*_sidecars(target))  # a stale -wal beside the new file would be applied to it
    partial.replace(target)
    return BackupReport(path=target, size_bytes=target.stat().st_size, articles=articles)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
