"""Named locks for processes sharing one SQLite file: ``flock`` on files beside it.

SQLite stores are shared by processes of one machine only, so the operating system's file
locks are exactly as wide as the store. ``flock`` belongs to an open file, not to the process,
so two holders in one process exclude each other too; the kernel drops the lock when its
holder exits or is killed.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
from pathlib import Path
from typing import Self

# How often a waiter tries again: a lock is held for seconds, and a try is one system call.
RETRY_SECONDS = 0.05
UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


class FileLock:
    """A held ``flock`` on one open lock file."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    async def release(self) -> None:
        """Unlock and close the file."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor of the open file drops its flock


class FileLocks:
    """One lock file per name in a folder beside the store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, store_path: Path) -> Self:
        """Locks for the store at ``store_path``: the folder ``<store>.locks`` next to it."""
        return cls(store_path.with_name(f"{store_path.name}.locks"))

    def path_of(self, name: str) -> Path:
        """The lock file of ``name`` (characters unsafe in a file name become ``_``)."""
        return self.folder / f"{UNSAFE_NAME_CHARS.sub('_', name)}.lock"

    async def acquire(self, name: str) -> FileLock:
        """Wait until no other open file holds the lock of ``name``, then hold it."""
        path = self.path_of(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return FileLock(fd)
                except BlockingIOError:
                    # Polled rather than a blocking flock in a thread: a waiting task stays
                    # cancellable, and shutdown never waits on a thread stuck in the kernel.
                    await asyncio.sleep(RETRY_SECONDS)
        except BaseException:
            os.close(fd)
            raise
