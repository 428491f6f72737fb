"""Store faults as one typed error: what the user is told, and what the log records.

Every store implementation turns its driver's exceptions into ``StoreError`` at its boundary,
so the CLI, chat and ``doctor`` handle a locked, full, read-only or damaged store the same way
whatever the engine, and never show a driver's exception (or a traceback) to a user.
"""

from __future__ import annotations

from enum import StrEnum


class StoreFault(StrEnum):
    """Why the store could not do what was asked."""

    LOCKED = "locked"  # another process held the write lock past the busy timeout
    FULL = "full"  # the disk (or the database's size limit) is full
    READ_ONLY = "read-only"  # the store can be read but not written
    CORRUPT = "corrupt"  # the file is damaged or not a database
    UNAVAILABLE = "unavailable"  # cannot be opened or reached at all
    REFUSED = "refused"  # the server answered but refused the login, or has no such database
    TIMEOUT = "timeout"  # a statement ran past the server's statement_timeout
    FAILED = "failed"  # any other fault of the engine

    @property
    def message(self) -> str:
        """One line for a user: what happened and what to do."""
        return _MESSAGES[self]


_MESSAGES = {
    StoreFault.LOCKED: (
        "The article store is busy: another process has held its write lock too long;"
        " try again in a minute."
    ),
    StoreFault.FULL: (
        "The article store's disk is full; nothing new can be stored until space is freed."
    ),
    StoreFault.READ_ONLY: (
        "The article store is read-only here: briefs work, but nothing new can be stored."
    ),
    StoreFault.CORRUPT: (
        "The article store is damaged; an operator must restore it from a backup"
        " (briefbot doctor says more)."
    ),
    StoreFault.UNAVAILABLE: "The article store cannot be opened; briefbot doctor says why.",
    StoreFault.REFUSED: (
        "The article store's database refused briefbot's login or does not exist; check"
        " BRIEFBOT_DATABASE_URL (briefbot doctor says more)."
    ),
    StoreFault.TIMEOUT: "The article store took too long to answer; try again in a minute.",
    StoreFault.FAILED: "The article store failed; the operator's log has the cause.",
}


class BackupError(Exception):
    """A backup that was refused or failed; the message says what to do."""


class StoreError(Exception):
    """A store fault: ``message`` is for users, ``cause`` (the driver's words) for the log."""

    def __init__(self, fault: StoreFault, cause: str) -> None:
        super().__init__(f"{fault.message} ({cause})")
        self.fault = fault
        self.cause = cause

    @property
    def message(self) -> str:
        """The user's one line, without the driver's text (it may name paths)."""
        return self.fault.message
